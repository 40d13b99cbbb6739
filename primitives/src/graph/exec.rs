//! Running the canonical graph: the committed answer and its trace.

use alloc::{format, string::String, vec, vec::Vec};

use super::{Graph, Node, ValueId, ValueInfo};
use crate::{
	commitment::{commit_tensor, node_commitment, trace_root, TensorCommitment, H256},
	ops::{self, NodeTypes, Op, ValueType},
	tensor::{shape_string, DType, Tensor},
};

/// What to keep of a run besides the outputs and commitments, and how to change it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceOptions {
	/// Keep every node's output tensors and chunk commitments (to serve proofs later).
	pub keep_node_outputs: bool,
	/// Fault injection (tests, `--verity-fault`): one element of this node's first output is
	/// changed ([`corrupt_first_element`]) and the rest of the run computed forward from it, so
	/// that the trace is internally consistent (the hardest cheat to catch).
	pub fault: Option<u32>,
	/// Stop after this node and return its input and output values in [`Trace::captured`]
	/// (what a party of a dispute proves from). The trace then covers the nodes up to it.
	pub capture: Option<u32>,
}

/// One node's values in a run: what a dispute's moves are computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeValues {
	/// Per input of the node (as the graph lists them): its value, `None` when omitted.
	pub inputs: Vec<Option<Tensor>>,
	/// Its outputs, or `None` when the node fails on these values.
	pub outputs: Option<Vec<Tensor>>,
}

/// `t` with its first element changed, keeping its dtype and shape (an empty tensor is
/// returned unchanged). The fault `--verity-fault` injects.
pub fn corrupt_first_element(t: &Tensor) -> Tensor {
	use crate::tensor::TensorData;
	let mut data = t.data().clone();
	match &mut data {
		TensorData::F32(v) => {
			if let Some(x) = v.first_mut() {
				*x = if *x == 0.0 || x.is_nan() { 1.0 } else { -*x * 2.0 - 1.0 };
			}
		},
		TensorData::I64(v) => {
			if let Some(x) = v.first_mut() {
				*x = x.wrapping_add(1);
			}
		},
		TensorData::I32(v) => {
			if let Some(x) = v.first_mut() {
				*x = x.wrapping_add(1);
			}
		},
		TensorData::I8(v) => {
			if let Some(x) = v.first_mut() {
				*x = x.wrapping_add(1);
			}
		},
		TensorData::U8(v) => {
			if let Some(x) = v.first_mut() {
				*x = x.wrapping_add(1);
			}
		},
		TensorData::Bool(v) => {
			if let Some(x) = v.first_mut() {
				*x = !*x;
			}
		},
		TensorData::U16(v) => {
			if let Some(x) = v.first_mut() {
				*x = x.wrapping_add(1);
			}
		},
		TensorData::I16(v) => {
			if let Some(x) = v.first_mut() {
				*x = x.wrapping_add(1);
			}
		},
		TensorData::U32(v) => {
			if let Some(x) = v.first_mut() {
				*x = x.wrapping_add(1);
			}
		},
		TensorData::U64(v) => {
			if let Some(x) = v.first_mut() {
				*x = x.wrapping_add(1);
			}
		},
		// The next value of the type, its greatest becoming its least.
		TensorData::SubByte(t, v) => {
			if let (Some(x), Some((lo, hi))) = (v.first_mut(), t.sub_byte_range()) {
				*x = if *x >= hi { lo } else { x.wrapping_add(1) };
			}
		},
		TensorData::F16(v) => {
			if let Some(x) = v.first_mut() {
				// The float32 rule on the widened value, rounded back: 0 and NaN become 1,
				// anything else -2x - 1 (a different float16 in every case).
				let f = crate::float16::f16_to_f32(*x);
				let g = if f == 0.0 || f.is_nan() { 1.0 } else { -f * 2.0 - 1.0 };
				*x = crate::float16::f32_to_f16(g);
			}
		},
		TensorData::BF16(v) => {
			if let Some(x) = v.first_mut() {
				// As for float16.
				let f = crate::minifloat::bf16_to_f32(*x);
				let g = if f == 0.0 || f.is_nan() { 1.0 } else { -f * 2.0 - 1.0 };
				*x = crate::minifloat::f32_to_bf16(g);
			}
		},
		TensorData::F8(t, v) => {
			if let Some(x) = v.first_mut() {
				// A NaN becomes code 0 (a number in every float8 type); any other code its
				// neighbour, a different number or a NaN.
				*x = if crate::minifloat::code_to_f32(*t, *x).is_nan() { 0 } else { *x ^ 1 };
			}
		},
	}
	Tensor::new(t.shape().to_vec(), data).unwrap_or_else(|_| t.clone())
}

/// A node that cannot compute on the values it was given (an index out of range taken from
/// the inputs, for example): a deterministic outcome of the run, which an executor posts as a
/// *failed result*. The commitments are those of the nodes before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFailure {
	/// The failing node's canonical index.
	pub node: u32,
	/// Its ONNX op.
	pub op: String,
	/// What failed, as the kernel reports it.
	pub reason: String,
	/// The commitments `c_0 .. c_{node-1}` of the nodes that ran.
	pub commitments: Vec<H256>,
	/// Per node that ran, the roots of its outputs.
	pub output_roots: Vec<Vec<H256>>,
	/// The trace root over `commitments`.
	pub root: H256,
}

/// Why a canonical run ended without outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
	/// The inputs do not fit the graph (count, element type, shape).
	Inputs(String),
	/// A node failed on these values (an index taken from the data out of range): the run's
	/// deterministic outcome.
	NodeFailed(alloc::boxed::Box<NodeFailure>),
	/// The caller stopped the run before node `node` (the node's wall-time limit).
	Stopped {
		/// The node that did not run.
		node: u32,
		/// Its ONNX op.
		op: String,
	},
	/// The graph is inconsistent (not one the importer produced).
	Internal(String),
}

impl core::fmt::Display for RunError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			RunError::Inputs(e) | RunError::Internal(e) => f.write_str(e),
			RunError::NodeFailed(n) => write!(f, "node {} ({}): {}", n.node, n.op, n.reason),
			RunError::Stopped { node, op } => {
				write!(f, "stopped before node {node} ({op}): time limit")
			},
		}
	}
}

impl From<RunError> for String {
	fn from(e: RunError) -> String {
		format!("{e}")
	}
}

/// The result of a canonical run.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
	/// The graph outputs, in order.
	pub outputs: Vec<Tensor>,
	/// Per node, the roots of its outputs.
	pub output_roots: Vec<Vec<H256>>,
	/// Per node, its commitment `c_k`.
	pub commitments: Vec<H256>,
	/// The trace root over the node commitments.
	pub root: H256,
	/// Per node, its output tensors and their commitments (when kept).
	pub node_outputs: Vec<Vec<(Tensor, TensorCommitment)>>,
	/// The captured node's values ([`TraceOptions::capture`]); the run stopped after it, so
	/// `outputs` is empty and the commitments end with it.
	pub captured: Option<NodeValues>,
}

impl Graph {
	/// Checks `inputs` against the graph inputs (count, dtype, shape).
	pub fn check_inputs(&self, inputs: &[Tensor]) -> Result<(), String> {
		if inputs.len() != self.inputs.len() {
			return Err(format!(
				"the model takes {} inputs, {} given",
				self.inputs.len(),
				inputs.len()
			));
		}
		for (k, (t, info)) in inputs.iter().zip(self.input_types()).enumerate() {
			let want = info.value_type();
			if t.dtype() != want.dtype || t.shape() != &want.shape[..] {
				return Err(format!(
					"input {k} ('{}'): expected {} {}, got {} {}",
					info.name,
					want.dtype.name(),
					shape_string(&want.shape),
					t.dtype().name(),
					shape_string(t.shape())
				));
			}
		}
		Ok(())
	}

	/// Runs the graph with the canonical kernels and commits to every node's outputs.
	/// (To run a model many times, [`Graph::prepare`] it once.)
	pub fn run(&self, inputs: &[Tensor], options: TraceOptions) -> Result<Trace, String> {
		Ok(self.try_run(inputs, options)?)
	}

	/// As [`Graph::run`], telling a node that fails on these values ([`RunError::NodeFailed`])
	/// from other errors.
	pub fn try_run(&self, inputs: &[Tensor], options: TraceOptions) -> Result<Trace, RunError> {
		let constants = self.decode_constants().map_err(RunError::Internal)?;
		run(self, &self.nodes, &constants, &[], inputs, options, &mut |_| true)
	}

	/// Decodes the constants once and lays weights out for the fast paths, for repeated runs.
	pub fn prepare(self) -> Result<PreparedGraph, String> {
		let mut constants = self.decode_constants()?;
		let (nodes, extra) = relayout(&self, &mut constants);
		Ok(PreparedGraph { graph: self, nodes, constants, extra })
	}

	fn decode_constants(&self) -> Result<Vec<(ValueId, Tensor)>, String> {
		self.constants
			.iter()
			.map(|(id, bytes)| {
				bytes.to_tensor().map(|t| (*id, t)).map_err(|e| format!("constant {id}: {e}"))
			})
			.collect()
	}
}

/// A graph with its constants decoded, ready to run many times.
///
/// Preparing may change the *layout* of constant weights, never a result: a Gemm whose
/// constant B is transposed gets a pre-transposed copy (same products, same order per output),
/// so its fast path reads B row by row. Node ids and commitments are those of the graph.
#[derive(Clone, Debug)]
pub struct PreparedGraph {
	graph: Graph,
	nodes: Vec<Node>,
	constants: Vec<(ValueId, Tensor)>,
	/// Types of the values preparing added (ids from `graph.values.len()` on).
	extra: Vec<ValueInfo>,
}

/// Pre-transposes the constant B of every `transB` Gemm (see [`PreparedGraph`]).
fn relayout(graph: &Graph, constants: &mut Vec<(ValueId, Tensor)>) -> (Vec<Node>, Vec<ValueInfo>) {
	let mut nodes = graph.nodes.clone();
	let mut extra = Vec::new();
	for node in nodes.iter_mut() {
		let Op::Gemm(g) = &mut node.op else { continue };
		let Some(Some(b_id)) = node.inputs.get(1).copied() else { continue };
		if !g.trans_b {
			continue;
		}
		let Some(b) = constants.iter().find(|(id, _)| *id == b_id).map(|(_, t)| t) else {
			continue;
		};
		let (Ok(data), [n, k]) = (b.as_f32(), b.shape()) else { continue };
		let (n, k) = (*n, *k);
		// `b` is [n, k]: element (i % n, i / n) of it is the i-th of its transpose [k, n].
		let Some(count) = k.checked_mul(n) else { continue };
		let t: Option<Vec<f32>> = (0..count)
			.map(|i| {
				let (row, col) = (i.checked_rem(n)?, i.checked_div(n)?);
				data.get(row.checked_mul(k)?.checked_add(col)?).copied()
			})
			.collect();
		let Some(t) = t else { continue };
		let Ok(bt) = Tensor::f32(vec![k, n], t) else { continue };
		let id = graph.values.len().saturating_add(extra.len()) as ValueId;
		let name = graph.value(b_id).map(|v| v.name.clone()).unwrap_or_default();
		extra.push(ValueInfo {
			name: format!("{name}^T"),
			dtype: DType::F32,
			shape: vec![k as u64, n as u64],
		});
		constants.push((id, bt));
		let Some(input) = node.inputs.get_mut(1) else { continue };
		*input = Some(id);
		g.trans_b = false;
	}
	(nodes, extra)
}

impl PreparedGraph {
	/// The graph.
	pub fn graph(&self) -> &Graph {
		&self.graph
	}

	/// Runs the graph with the canonical kernels and commits to every node's outputs.
	pub fn run(&self, inputs: &[Tensor], options: TraceOptions) -> Result<Trace, String> {
		Ok(run(
			&self.graph,
			&self.nodes,
			&self.constants,
			&self.extra,
			inputs,
			options,
			&mut |_| true,
		)?)
	}

	/// As [`PreparedGraph::run`], asking `keep_going(k)` before node `k`: a `false` stops the
	/// run with [`RunError::Stopped`] (the node's wall-time limit).
	pub fn run_until(
		&self,
		inputs: &[Tensor],
		options: TraceOptions,
		keep_going: &mut dyn FnMut(usize) -> bool,
	) -> Result<Trace, RunError> {
		run(&self.graph, &self.nodes, &self.constants, &self.extra, inputs, options, keep_going)
	}
}

/// Runs `nodes` of `graph` with the decoded `constants` (and the types of `extra` values).
fn run(
	graph: &Graph,
	nodes: &[Node],
	constants: &[(ValueId, Tensor)],
	extra: &[ValueInfo],
	inputs: &[Tensor],
	options: TraceOptions,
	keep_going: &mut dyn FnMut(usize) -> bool,
) -> Result<Trace, RunError> {
	graph.check_inputs(inputs).map_err(RunError::Inputs)?;
	let value = |v: ValueId| {
		graph.value(v).or_else(|| extra.get((v as usize).checked_sub(graph.values.len())?))
	};
	// Inputs and constants are borrowed, node outputs owned: nothing is copied per run.
	let n_values = graph.values.len().saturating_add(extra.len());
	let mut values: Vec<Slot> = Vec::with_capacity(n_values);
	values.resize_with(n_values, || Slot::Empty);
	for (id, t) in graph.inputs.iter().zip(inputs) {
		set(&mut values, *id, Slot::Borrowed(t)).map_err(RunError::Internal)?;
	}
	for (id, t) in constants {
		set(&mut values, *id, Slot::Borrowed(t)).map_err(RunError::Internal)?;
	}
	// The last node reading each value: an intermediate is dropped right after it, so a run
	// holds what the cost model's peak live memory counts (graph outputs are kept).
	let mut last_use: Vec<Option<usize>> = vec![None; n_values];
	for (k, node) in nodes.iter().enumerate() {
		for v in node.inputs.iter().flatten() {
			if let Some(slot) = last_use.get_mut(*v as usize) {
				*slot = Some(k);
			}
		}
	}
	let mut is_output = vec![false; n_values];
	for v in &graph.outputs {
		if let Some(slot) = is_output.get_mut(*v as usize) {
			*slot = true;
		}
	}
	let mut output_roots = Vec::with_capacity(graph.nodes.len());
	let mut commitments = Vec::with_capacity(graph.nodes.len());
	let mut node_outputs = Vec::new();
	// The previous node's outputs, not yet committed: they are hashed while this node
	// computes (at once on the node's threads with `parallel`), then stored in `values`.
	let mut pending: Option<Pending> = None;
	for (k, node) in nodes.iter().enumerate() {
		let index = u32::try_from(k).map_err(|_| RunError::Internal("too many nodes".into()))?;
		if !keep_going(k) {
			return Err(RunError::Stopped { node: index, op: node.onnx_op.clone() });
		}
		let in_types: Vec<Option<ValueType>> =
			node.inputs.iter().map(|v| v.and_then(value).map(|i| i.value_type())).collect();
		let out_types: Vec<ValueType> =
			node.outputs.iter().filter_map(|v| value(*v)).map(|i| i.value_type()).collect();
		let types = NodeTypes { inputs: &in_types, outputs: &out_types };
		let (commits, evaluated) = {
			// A value is in `values`, or an output of the pending node.
			let lookup = |v: ValueId| -> Option<&Tensor> {
				values.get(v as usize).and_then(Slot::get).or_else(|| pending.as_ref()?.get(v))
			};
			let refs: Vec<Option<&Tensor>> =
				node.inputs.iter().map(|v| v.and_then(lookup)).collect();
			// The captured node's inputs as the graph lists them (preparing may have given a
			// node a relaid-out copy of a constant; a dispute proves against the original).
			let captured_inputs = (options.capture == Some(index)).then(|| {
				graph.nodes.get(k).map_or_else(Vec::new, |original| {
					original.inputs.iter().map(|v| v.and_then(lookup).cloned()).collect::<Vec<_>>()
				})
			});
			// Beside this node's evaluation when there is enough to hash; else first, on this
			// thread (handing a little work to a sleeping thread costs more than it saves).
			let commit = || pending.as_ref().map(Pending::commit);
			let eval = || ops::eval(&node.op, &types, &refs);
			let (commits, outs) = if pending.as_ref().is_some_and(Pending::worth_a_thread) {
				join(commit, eval)
			} else {
				(commit(), eval())
			};
			(commits, (outs, captured_inputs))
		};
		// The previous node is committed before this one's outcome is looked at: a failure
		// or a capture here returns the commitments of every node before it.
		if let (Some(p), Some(commits)) = (pending.take(), commits) {
			p.finish(commits, &mut values, &mut commitments, &mut output_roots, &mut node_outputs)?;
		}
		let (outs, captured_inputs) = evaluated;
		let outs = match outs {
			Ok(outs) => outs,
			Err(ops::KernelError::IndexOutOfRange(_)) if captured_inputs.is_some() => {
				let root = trace_root(&commitments);
				let captured = captured_inputs.map(|inputs| NodeValues { inputs, outputs: None });
				return Ok(Trace {
					outputs: Vec::new(),
					root,
					output_roots,
					commitments,
					node_outputs,
					captured,
				});
			},
			// Only an index taken from the data is the values' fault; any other kernel error
			// is the engine's or the graph's, not a result to post.
			Err(e @ ops::KernelError::IndexOutOfRange(_)) => {
				let root = trace_root(&commitments);
				return Err(RunError::NodeFailed(alloc::boxed::Box::new(NodeFailure {
					node: index,
					op: node.onnx_op.clone(),
					reason: format!("{e}"),
					commitments,
					output_roots,
					root,
				})));
			},
			Err(e) => {
				return Err(RunError::Internal(format!("node {k} ({}): {e}", node.onnx_op)));
			},
		};
		let mut outs = outs;
		if options.fault == Some(index) {
			if let Some(first) = outs.first_mut() {
				*first = corrupt_first_element(first);
			}
		}
		if let Some(inputs) = captured_inputs {
			let commits: Vec<TensorCommitment> = outs.iter().map(commit_tensor).collect();
			let roots: Vec<H256> = commits.iter().map(|c| c.root).collect();
			commitments.push(node_commitment(index, &roots));
			output_roots.push(roots);
			let captured = Some(NodeValues { inputs, outputs: Some(outs) });
			let root = trace_root(&commitments);
			return Ok(Trace {
				outputs: Vec::new(),
				root,
				output_roots,
				commitments,
				node_outputs,
				captured,
			});
		}
		for v in node.inputs.iter().flatten() {
			let last = last_use.get(*v as usize).copied().flatten() == Some(k);
			if last && !is_output.get(*v as usize).copied().unwrap_or(false) {
				if let Some(slot @ Slot::Owned(_)) = values.get_mut(*v as usize) {
					*slot = Slot::Empty;
				}
			}
		}
		// Which outputs a later node or the graph's outputs read (the others are hashed and
		// dropped at once).
		let kept = node
			.outputs
			.iter()
			.map(|v| {
				last_use.get(*v as usize).copied().flatten().is_some()
					|| is_output.get(*v as usize).copied().unwrap_or(false)
			})
			.collect();
		pending = Some(Pending::new(index, &node.outputs, kept, outs, options.keep_node_outputs));
	}
	if let Some(p) = pending.take() {
		let commits = p.commit();
		p.finish(commits, &mut values, &mut commitments, &mut output_roots, &mut node_outputs)?;
	}
	let outputs = graph
		.outputs
		.iter()
		.map(|v| {
			values
				.get(*v as usize)
				.and_then(Slot::get)
				.cloned()
				.ok_or_else(|| RunError::Internal(format!("output {v} missing")))
		})
		.collect::<Result<Vec<_>, _>>()?;
	Ok(Trace {
		outputs,
		root: trace_root(&commitments),
		output_roots,
		commitments,
		node_outputs,
		captured: None,
	})
}

/// Elements of a node's outputs from which they are hashed beside the next node's evaluation
/// (256 chunks; fewer are hashed first, on the run's thread).
const JOIN_MIN_ELEMENTS: usize = 1 << 14;

/// A node's outputs between its evaluation and its commitment (see `run`).
struct Pending {
	index: u32,
	/// The value ids of its outputs, in order.
	ids: Vec<ValueId>,
	/// Per output: whether a later node or the graph's outputs read it.
	kept: Vec<bool>,
	outs: Vec<PendingOutput>,
	keep_node_outputs: bool,
}

/// An output of the pending node.
enum PendingOutput {
	/// Held until hashed: read later, or kept with the run's node outputs.
	Held(Tensor),
	/// Read by nothing: hashed at once and dropped (as the cost model counts it).
	Hashed(TensorCommitment),
}

impl Pending {
	/// Node `index`'s `outs` (value ids `ids`), those nothing reads hashed and dropped now.
	fn new(index: u32, ids: &[ValueId], kept: Vec<bool>, outs: Vec<Tensor>, keep: bool) -> Self {
		let outs = outs
			.into_iter()
			.zip(&kept)
			.map(|(t, read)| {
				if *read || keep {
					PendingOutput::Held(t)
				} else {
					PendingOutput::Hashed(commit_tensor(&t))
				}
			})
			.collect();
		Pending { index, ids: ids.to_vec(), kept, outs, keep_node_outputs: keep }
	}

	/// Output `v` of this node, if held.
	fn get(&self, v: ValueId) -> Option<&Tensor> {
		match self.ids.iter().position(|id| *id == v).and_then(|j| self.outs.get(j))? {
			PendingOutput::Held(t) => Some(t),
			PendingOutput::Hashed(_) => None,
		}
	}

	/// Whether its outputs still to hash are enough to hash beside the next node's
	/// evaluation (at least [`JOIN_MIN_ELEMENTS`]).
	fn worth_a_thread(&self) -> bool {
		let held = self.outs.iter().map(|o| match o {
			PendingOutput::Held(t) => t.len(),
			PendingOutput::Hashed(_) => 0,
		});
		held.fold(0usize, usize::saturating_add) >= JOIN_MIN_ELEMENTS
	}

	/// The commitment of each output, in order.
	fn commit(&self) -> Vec<TensorCommitment> {
		self.outs
			.iter()
			.map(|o| match o {
				PendingOutput::Held(t) => commit_tensor(t),
				PendingOutput::Hashed(c) => c.clone(),
			})
			.collect()
	}

	/// Records the node's commitment from its outputs' `commits`, then stores the outputs that
	/// are read in `values` (and a copy of all of them when the run keeps node outputs).
	fn finish(
		self,
		commits: Vec<TensorCommitment>,
		values: &mut [Slot],
		commitments: &mut Vec<H256>,
		output_roots: &mut Vec<Vec<H256>>,
		node_outputs: &mut Vec<Vec<(Tensor, TensorCommitment)>>,
	) -> Result<(), RunError> {
		let roots: Vec<H256> = commits.iter().map(|c| c.root).collect();
		commitments.push(node_commitment(self.index, &roots));
		output_roots.push(roots);
		if self.keep_node_outputs {
			// Every output is held when the run keeps them.
			let held = self.outs.iter().filter_map(|o| match o {
				PendingOutput::Held(t) => Some(t.clone()),
				PendingOutput::Hashed(_) => None,
			});
			node_outputs.push(held.zip(commits).collect());
		}
		for ((v, out), kept) in self.ids.iter().zip(self.outs).zip(self.kept) {
			if let (PendingOutput::Held(t), true) = (out, kept) {
				set(values, *v, Slot::Owned(t)).map_err(RunError::Internal)?;
			}
		}
		Ok(())
	}
}

/// `a` and `b`: at once when the run is on one of the node's threads (`parallel`, and the
/// caller entered its pool), else one after the other on this thread.
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
	#[cfg(feature = "parallel")]
	if rayon::current_thread_index().is_some() {
		return rayon::join(a, b);
	}
	(a(), b())
}

/// A value during a run.
enum Slot<'a> {
	Empty,
	Borrowed(&'a Tensor),
	Owned(Tensor),
}

impl Slot<'_> {
	fn get(&self) -> Option<&Tensor> {
		match self {
			Slot::Empty => None,
			Slot::Borrowed(t) => Some(t),
			Slot::Owned(t) => Some(t),
		}
	}
}

fn set<'a>(values: &mut [Slot<'a>], id: ValueId, t: Slot<'a>) -> Result<(), String> {
	let slot = values.get_mut(id as usize).ok_or_else(|| format!("value {id} out of range"))?;
	*slot = t;
	Ok(())
}
