//! The cost model: what running a canonical node, and a whole model, costs.
//!
//! One model, shared by the runtime (registration refuses what it cannot afford, the job fee
//! is priced by it, a one-step re-execution is bounded by it), the node (an executor never runs
//! what the chain would not accept) and the RPC. Every number is computed from a node's op,
//! attributes and static types alone, with checked 64-bit arithmetic (`u64`, never `usize`), so
//! wasm32 and x86_64 agree on every cost and every refusal.
//!
//! The units:
//! - **work**: element reads plus one per output element written (a multiply-add reads two
//!   elements: two units), plus one per output dimension for an element evaluated by its
//!   definition (its index arithmetic). It is what a full evaluation does, fast path or not.
//! - **memory**: bytes a node allocates while it runs: its outputs, and scratch such as the
//!   im2col patch matrix of a convolution or the scalar buffer of an element-wise evaluation.
//! - **fan-in**: the element reads of the worst 64-element output chunk of a node, by the
//!   element definition the runtime re-executes in a dispute. It bounds one step's work.
//!
//! [`Graph::cost`] sums the work of every node and walks the nodes in order to find the **peak
//! live memory** of a run: graph inputs and constants stay alive, every intermediate is freed
//! after its last reader, graph outputs live to the end (as [`Graph::run`] does).

use alloc::{vec, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

use crate::{
	graph::{Graph, ValueId},
	limits::CHUNK_ELEMENTS,
	ops::{NodeTypes, Op, ValueType},
	tensor::DType,
};

/// What one canonical node costs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCost {
	/// Element reads and writes of a full evaluation.
	pub work: u64,
	/// Bytes of the node's outputs.
	pub output_bytes: u64,
	/// Bytes of scratch the evaluation allocates besides its outputs.
	pub scratch_bytes: u64,
	/// Element reads of the worst 64-element output chunk (one dispute step).
	pub fan_in: u64,
}

impl NodeCost {
	/// Outputs plus scratch: what the node holds at once while it runs.
	pub fn memory(&self) -> Option<u64> {
		self.output_bytes.checked_add(self.scratch_bytes)
	}
}

/// What running a whole model costs, as [`Graph::cost`] computes it.
#[derive(
	Clone,
	Copy,
	Debug,
	Default,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct ModelCost {
	/// Work of one run: the sum over the nodes.
	pub work: u64,
	/// Peak live bytes of one run (inputs, constants, live intermediates, a node's scratch).
	pub peak_memory: u64,
	/// The largest one-step fan-in of any node.
	pub max_fan_in: u64,
}

/// What folding a model's constant subgraphs cost at import.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FoldCost {
	/// Work of the folded nodes.
	pub work: u64,
	/// Bytes of the constants folding produced.
	pub bytes: u64,
}

/// The limits a model must stay within: per node and per model.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Budget {
	/// Most work of one run of the model.
	pub model_work: u64,
	/// Most peak live memory of one run, in bytes.
	pub peak_memory: u64,
	/// Most memory (outputs and scratch) of one node, in bytes.
	pub node_memory: u64,
	/// Most element reads of one output chunk of one node (one dispute step).
	pub chunk_fan_in: u64,
	/// Most work of the constant folding done at import (in the runtime, at registration).
	pub fold_work: u64,
	/// Most bytes of folded constants held at import.
	pub fold_bytes: u64,
}

impl Budget {
	/// The budget of the Verity runtime and node (see `docs/cost.md` for the reasons).
	pub const DEFAULT: Budget = Budget {
		model_work: crate::limits::MAX_MODEL_WORK,
		peak_memory: crate::limits::MAX_PEAK_MEMORY,
		node_memory: crate::limits::MAX_NODE_MEMORY,
		chunk_fan_in: crate::limits::MAX_CHUNK_FAN_IN,
		fold_work: crate::limits::MAX_FOLD_WORK,
		fold_bytes: crate::limits::MAX_FOLD_BYTES,
	};

	/// No limit at all (for measuring what a model would need).
	pub const UNLIMITED: Budget = Budget {
		model_work: u64::MAX,
		peak_memory: u64::MAX,
		node_memory: u64::MAX,
		chunk_fan_in: u64::MAX,
		fold_work: u64::MAX,
		fold_bytes: u64::MAX,
	};
}

impl Default for Budget {
	fn default() -> Self {
		Budget::DEFAULT
	}
}

/// Which limit of a [`Budget`] a model breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
	/// [`Budget::model_work`].
	ModelWork,
	/// [`Budget::peak_memory`].
	PeakMemory,
	/// [`Budget::node_memory`].
	NodeMemory,
	/// [`Budget::chunk_fan_in`].
	ChunkFanIn,
	/// [`Budget::fold_work`].
	FoldWork,
	/// [`Budget::fold_bytes`].
	FoldBytes,
	/// A cost does not fit in 64 bits.
	Overflow,
}

impl Limit {
	/// The name used in errors and docs.
	pub const fn name(self) -> &'static str {
		match self {
			Limit::ModelWork => "model work",
			Limit::PeakMemory => "peak memory",
			Limit::NodeMemory => "node memory",
			Limit::ChunkFanIn => "chunk fan-in",
			Limit::FoldWork => "folding work",
			Limit::FoldBytes => "folded constant bytes",
			Limit::Overflow => "64-bit cost",
		}
	}

	/// The value of this limit in `budget`.
	pub const fn of(self, budget: &Budget) -> u64 {
		match self {
			Limit::ModelWork => budget.model_work,
			Limit::PeakMemory => budget.peak_memory,
			Limit::NodeMemory => budget.node_memory,
			Limit::ChunkFanIn => budget.chunk_fan_in,
			Limit::FoldWork => budget.fold_work,
			Limit::FoldBytes => budget.fold_bytes,
			Limit::Overflow => u64::MAX,
		}
	}
}

/// `cost` checked against `limit` of `budget`.
pub fn within(limit: Limit, cost: u64, budget: &Budget) -> Result<(), (Limit, u64, u64)> {
	let max = limit.of(budget);
	if cost > max {
		Err((limit, cost, max))
	} else {
		Ok(())
	}
}

/// Bytes of one [`crate::ops::Scalar`] (the element-wise evaluation buffers them).
const SCALAR_BYTES: u64 = 16;
/// Bytes of one chunk digest of a commitment.
const CHUNK_DIGEST_BYTES: u64 = 32;

/// Number of elements of `shape`, in `u64` (`None` on overflow).
pub fn numel(shape: &[usize]) -> Option<u64> {
	shape.iter().try_fold(1u64, |n, d| n.checked_mul(*d as u64))
}

fn bytes(t: &ValueType) -> Option<u64> {
	numel(&t.shape)?.checked_mul(t.dtype.size() as u64)
}

fn product(v: &[usize]) -> Option<u64> {
	numel(v)
}

/// The static cost of `op` with `types`, or `None` when a cost overflows 64 bits.
pub fn node_cost(op: &Op, types: &NodeTypes) -> Option<NodeCost> {
	let input = |i: usize| types.inputs.get(i).and_then(|t| t.as_ref());
	let in_shape = |i: usize| input(i).map(|t| t.shape.as_slice()).unwrap_or(&[]);
	let out0 = types.outputs.first()?;
	let mut out_elems = 0u64;
	let mut out_bytes = 0u64;
	let mut largest_out = 0u64;
	for t in types.outputs {
		let n = numel(&t.shape)?;
		out_elems = out_elems.checked_add(n)?;
		out_bytes = out_bytes.checked_add(bytes(t)?)?;
		largest_out = largest_out.max(n);
	}
	let f32_out = out0.dtype == DType::F32;
	// The fast paths run only when every operand is f32 (else the element definition runs).
	let all_f32 = f32_out && types.inputs.iter().flatten().all(|t| t.dtype == DType::F32);
	// Element reads of one output element by the element definition.
	let reads: u64;
	// Work of a full evaluation when a fast path does less than the element definition.
	let mut fast_work: Option<u64> = None;
	// Scratch of a full evaluation besides the outputs.
	let mut scratch = 0u64;
	// Whether the full evaluation buffers every output as a scalar (no fast path).
	let mut by_elements = true;
	// Work units per element read (more than one where each read walks an index).
	let mut read_cost = 1u64;
	// The one-step reads when the dispute path reads less than 64 elements' definitions (row
	// reductions compute each row once per chunk).
	let mut chunk_reads: Option<u64> = None;
	// Rows of `len` a 64-element chunk touches when rows are contiguous (at most 64).
	let rows_touched = |len: u64| {
		(63u64.checked_div(len.max(1)).unwrap_or(0)).saturating_add(2).min(CHUNK_ELEMENTS as u64)
	};
	match op {
		Op::Unary(_) | Op::Clip { .. } => {
			reads = 1;
			by_elements = !all_f32;
		},
		Op::Cast { .. } | Op::CastFloat8 { .. } | Op::Transpose { .. } => reads = 1,
		Op::Concat { .. } => {
			reads = 1;
			// Each element finds its input by walking the inputs.
			read_cost = types.inputs.len().max(1) as u64;
		},
		Op::Split { .. } => {
			reads = 1;
			read_cost = types.outputs.len().max(1) as u64;
		},
		Op::Slice { .. } | Op::Expand | Op::Tile | Op::Pad { .. } => reads = 1,
		Op::Where => reads = 3,
		Op::PadMode { .. } => reads = 1,
		// Each output reads its row along the axis.
		Op::ArgExtreme { axis, .. } => reads = *in_shape(0).get(*axis as usize)? as u64,
		// Each output reads its window of channels (within the tensor's channels).
		Op::Lrn { size, .. } => reads = (*size as u64).min(*in_shape(0).get(1)? as u64),
		// The mask reads nothing; the copy one element each.
		Op::KeepAll => reads = 1,
		// Each output reads the product of its axes' taps; each read walks the axes.
		Op::Resize { axes, .. } => {
			reads = axes.iter().try_fold(1u64, |n, a| n.checked_mul(u64::from(a.taps.max(1))))?;
			read_cost = (axes.len() as u64).max(1);
		},
		Op::Identity | Op::Reshape => {
			reads = 1;
			by_elements = false;
		},
		Op::Binary(_) => {
			reads = 2;
			by_elements = !all_f32;
		},
		Op::Variadic(_) => reads = types.inputs.iter().flatten().count() as u64,
		Op::MatMul | Op::MatMulInteger | Op::QLinearMatMul => {
			let k = *in_shape(0).last()? as u64;
			let extra = match op {
				Op::MatMul => 0,
				Op::MatMulInteger => 2,
				_ => 6,
			};
			reads = k.checked_mul(2)?.checked_add(extra)?;
			by_elements = !(matches!(op, Op::MatMul) && all_f32);
		},
		Op::Gemm(g) => {
			let a = in_shape(0);
			let k = *(if g.trans_a { a.first() } else { a.get(1) })? as u64;
			reads = k.checked_mul(2)?.checked_add(1)?;
			by_elements = !all_f32;
		},
		Op::Conv(_) | Op::QLinearConv(_) => {
			let w = in_shape(if matches!(op, Op::Conv(_)) { 1 } else { 3 });
			let taps = product(w.get(1..)?)?; // input channels per group × kernel size
			let extra = if matches!(op, Op::Conv(_)) { 1 } else { 7 };
			reads = taps.checked_mul(2)?.checked_add(extra)?;
			// The element definition walks the kernel's offsets, allocated per element.
			let ksize = product(w.get(2..)?)?;
			let offsets = ksize.checked_mul((w.len() as u64).checked_add(3)?.checked_mul(8)?)?;
			let x = in_shape(0);
			if matches!(op, Op::Conv(_)) && x.len() == 4 && all_f32 {
				// The fast path's im2col patch matrix: taps × output positions, f32.
				let positions = product(out0.shape.get(2..)?)?;
				scratch = taps.checked_mul(positions)?.checked_mul(4)?;
				by_elements = false;
			} else {
				scratch = offsets;
			}
		},
		Op::Pool(p) => {
			let ksize = p.kernel.iter().try_fold(1u64, |n, k| n.checked_mul(*k as u64))?;
			let ksum = p.kernel.iter().try_fold(0u64, |n, k| n.checked_add(*k as u64))?;
			reads = ksize.checked_add(ksum)?;
			scratch = ksize.checked_mul((p.kernel.len() as u64).checked_add(3)?.checked_mul(8)?)?;
			by_elements = !(in_shape(0).len() == 4 && all_f32);
		},
		Op::GlobalPool(_) => reads = product(in_shape(0).get(2..)?)?,
		Op::BatchNorm { .. } => reads = 5,
		Op::QuantizeLinear { .. } | Op::DequantizeLinear { .. } => reads = 3,
		Op::Gather { .. } => reads = 2,
		Op::Reduce { .. } => {
			// Each output reads the elements reduced into it.
			let n_in = numel(in_shape(0))?;
			reads = n_in.checked_div(numel(&out0.shape)?.max(1))?.max(1);
			// Each read unravels and ravels a multi-index of the input's rank.
			read_cost = (in_shape(0).len() as u64).checked_add(1)?;
		},
		Op::Softmax { axis, .. } => {
			let row = *in_shape(0).get(*axis as usize)? as u64;
			reads = row;
			// Rows are contiguous only along the last axis; otherwise each element of a chunk
			// can sit in another row.
			let last = product(in_shape(0).get((*axis as usize).checked_add(1)?..)?)? == 1;
			let rows = if last { rows_touched(row) } else { CHUNK_ELEMENTS as u64 };
			chunk_reads = Some(rows.checked_mul(row)?);
			scratch = row.checked_mul(4)?;
			if all_f32 {
				// max, sum of exponentials, one output: three passes over each row.
				fast_work = Some(out_elems.checked_mul(4)?);
				by_elements = false;
			}
		},
		Op::LayerNorm { axis, .. } => {
			let inner = product(in_shape(0).get(*axis as usize..)?)?;
			reads = inner.checked_add(2)?;
			// Each row once, then scale and bias per element.
			let y_chunk = rows_touched(inner)
				.checked_mul(inner)?
				.checked_add((CHUNK_ELEMENTS as u64).saturating_mul(2))?;
			// A chunk of Mean or InvStdDev (when read) reads one row per element.
			let rows = product(in_shape(0).get(..*axis as usize)?)?;
			let stat_chunk = if types.outputs.len() > 1 {
				rows.min(CHUNK_ELEMENTS as u64).checked_mul(inner)?
			} else {
				0
			};
			chunk_reads = Some(y_chunk.max(stat_chunk));
			// A row of f32 and, in the fast path, two indices per position.
			scratch = inner.checked_mul(20)?;
			if all_f32 {
				// mean, variance, then one output with scale and bias: the fast path.
				fast_work = Some(out_elems.checked_mul(6)?);
				by_elements = false;
			}
		},
	}
	// One unit per output written; by the element definition also one per output dimension
	// (the index arithmetic of every element).
	let index_work = if by_elements { out0.shape.len() as u64 } else { 0 };
	let per_output = reads.checked_mul(read_cost)?.checked_add(1)?.checked_add(index_work)?;
	let element_work = out_elems.checked_mul(per_output)?;
	let work = fast_work.map(|w| w.min(element_work)).unwrap_or(element_work);
	if by_elements {
		scratch = scratch.max(out_elems.checked_mul(SCALAR_BYTES)?);
	}
	// Commitments: one digest per chunk of every output.
	let chunks = out_elems.div_ceil(CHUNK_ELEMENTS as u64).checked_add(1)?;
	scratch = scratch.checked_add(chunks.checked_mul(CHUNK_DIGEST_BYTES)?)?;
	let per_element = largest_out.min(CHUNK_ELEMENTS as u64).max(1).checked_mul(reads)?;
	let fan_in = chunk_reads.map(|r| r.min(per_element)).unwrap_or(per_element);
	Some(NodeCost { work, output_bytes: out_bytes, scratch_bytes: scratch, fan_in })
}

/// Why a graph's cost could not be computed or breaks a budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostError {
	/// The canonical node that breaks it (`None` for a whole-model limit).
	pub node: Option<u32>,
	/// The limit broken.
	pub limit: Limit,
	/// The cost found.
	pub cost: u64,
	/// The limit's value.
	pub max: u64,
}

impl core::fmt::Display for CostError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		if let Some(k) = self.node {
			write!(f, "node {k}: ")?;
		}
		if self.limit == Limit::Overflow {
			return write!(f, "a cost overflows 64 bits");
		}
		write!(f, "{} {} exceeds the budget of {}", self.limit.name(), self.cost, self.max)
	}
}

impl Graph {
	/// The static types of node `k`'s inputs and outputs.
	pub fn node_types(&self, k: usize) -> Option<(Vec<Option<ValueType>>, Vec<ValueType>)> {
		let node = self.nodes.get(k)?;
		let mut ins = Vec::with_capacity(node.inputs.len());
		for v in &node.inputs {
			ins.push(match v {
				Some(v) => Some(self.value(*v)?.value_type()),
				None => None,
			});
		}
		let mut outs = Vec::with_capacity(node.outputs.len());
		for v in &node.outputs {
			outs.push(self.value(*v)?.value_type());
		}
		Some((ins, outs))
	}

	/// The cost of node `k`.
	pub fn node_cost(&self, k: usize) -> Option<NodeCost> {
		let (ins, outs) = self.node_types(k)?;
		let node = self.nodes.get(k)?;
		node_cost(&node.op, &NodeTypes { inputs: &ins, outputs: &outs })
	}

	/// The cost of one run, checked against `budget` node by node and as a whole.
	pub fn cost(&self, budget: &Budget) -> Result<ModelCost, CostError> {
		let overflow = |node: Option<u32>| CostError {
			node,
			limit: Limit::Overflow,
			cost: u64::MAX,
			max: u64::MAX,
		};
		let fail = |node: Option<u32>, (limit, cost, max): (Limit, u64, u64)| CostError {
			node,
			limit,
			cost,
			max,
		};
		let n_values = self.values.len();
		// The last node reading each value (`usize::MAX`: a graph output, never freed).
		let mut last_use: Vec<Option<usize>> = vec![None; n_values];
		for (k, node) in self.nodes.iter().enumerate() {
			for v in node.inputs.iter().flatten() {
				if let Some(slot) = last_use.get_mut(*v as usize) {
					*slot = Some(k);
				}
			}
		}
		for v in &self.outputs {
			if let Some(slot) = last_use.get_mut(*v as usize) {
				*slot = Some(usize::MAX);
			}
		}
		let value_bytes = |v: ValueId| -> Option<u64> {
			let info = self.value(v)?;
			info.shape
				.iter()
				.try_fold(1u64, |n, d| n.checked_mul(*d))?
				.checked_mul(info.dtype.size() as u64)
		};
		// Inputs and constants are alive for the whole run.
		let mut live = 0u64;
		let mut fixed = vec![false; n_values];
		for v in self.inputs.iter().chain(self.constants.iter().map(|(v, _)| v)) {
			live =
				live.checked_add(value_bytes(*v).ok_or(overflow(None))?).ok_or(overflow(None))?;
			if let Some(slot) = fixed.get_mut(*v as usize) {
				*slot = true;
			}
		}
		let mut total = ModelCost { work: 0, peak_memory: live, max_fan_in: 0 };
		for (k, node) in self.nodes.iter().enumerate() {
			let id = Some(k as u32);
			let cost = self.node_cost(k).ok_or(overflow(id))?;
			let memory = cost.memory().ok_or(overflow(id))?;
			within(Limit::NodeMemory, memory, budget).map_err(|e| fail(id, e))?;
			within(Limit::ChunkFanIn, cost.fan_in, budget).map_err(|e| fail(id, e))?;
			total.work = total.work.checked_add(cost.work).ok_or(overflow(id))?;
			within(Limit::ModelWork, total.work, budget).map_err(|e| fail(id, e))?;
			total.max_fan_in = total.max_fan_in.max(cost.fan_in);
			let running = live.checked_add(memory).ok_or(overflow(id))?;
			total.peak_memory = total.peak_memory.max(running);
			within(Limit::PeakMemory, total.peak_memory, budget).map_err(|e| fail(id, e))?;
			live = live.checked_add(cost.output_bytes).ok_or(overflow(id))?;
			// Free what this node read for the last time (an input or constant stays).
			let mut freed: Vec<ValueId> = Vec::new();
			for v in node.inputs.iter().flatten().chain(node.outputs.iter()) {
				let intermediate =
					!fixed.get(*v as usize).copied().unwrap_or(true) && !freed.contains(v);
				let last = last_use.get(*v as usize).copied().flatten();
				// An output nothing reads is freed at once; one read is freed at its last reader.
				let done = match last {
					None => node.outputs.contains(v),
					Some(l) => l == k,
				};
				if intermediate && done {
					live = live.saturating_sub(value_bytes(*v).ok_or(overflow(id))?);
					freed.push(*v);
				}
			}
		}
		Ok(total)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		commitment::chunk_count,
		ops::{chunk_dependencies, ConvAttrs, F32Bits, ReduceKind},
		tensor::Tensor,
	};

	fn f32s(shape: &[usize]) -> Tensor {
		let n = shape.iter().product::<usize>();
		Tensor::f32(shape.to_vec(), (0..n).map(|i| (i % 13) as f32 * 0.5 - 2.0).collect()).unwrap()
	}

	/// The fan-in bounds what a dispute step really reads: for every chunk of every output,
	/// the distinct elements its witness holds are at most the node's fan-in.
	#[test]
	fn fan_in_bounds_every_chunk_witness() {
		let conv = Op::Conv(ConvAttrs {
			strides: vec![1, 1],
			pads_begin: vec![1, 1],
			dilations: vec![1, 1],
			group: 1,
		});
		let cases: Vec<(Op, Vec<Tensor>, Vec<usize>)> = vec![
			(Op::Softmax { axis: 1, log: false }, vec![f32s(&[3, 200])], vec![3, 200]),
			(Op::Softmax { axis: 0, log: true }, vec![f32s(&[70, 5])], vec![70, 5]),
			(
				Op::LayerNorm { axis: 1, epsilon: F32Bits::new(1e-5) },
				vec![f32s(&[4, 150]), f32s(&[150])],
				vec![4, 150],
			),
			(
				Op::Reduce { kind: ReduceKind::Sum, axes: vec![1], keepdims: false },
				vec![f32s(&[130, 7])],
				vec![130],
			),
			(conv, vec![f32s(&[1, 3, 9, 9]), f32s(&[4, 3, 3, 3])], vec![1, 4, 9, 9]),
			(Op::MatMul, vec![f32s(&[5, 33]), f32s(&[33, 40])], vec![5, 40]),
		];
		for (op, inputs, out_shape) in cases {
			let mut in_types: Vec<Option<ValueType>> = inputs
				.iter()
				.map(|t| Some(ValueType::new(t.dtype(), t.shape().to_vec())))
				.collect();
			if matches!(op, Op::Conv(_)) {
				in_types.push(None);
			}
			let outs = [ValueType::new(DType::F32, out_shape)];
			let types = NodeTypes { inputs: &in_types, outputs: &outs };
			let cost = node_cost(&op, &types).unwrap();
			let mut refs: Vec<Option<&Tensor>> = inputs.iter().map(Some).collect();
			refs.resize(in_types.len(), None);
			for c in 0..chunk_count(outs[0].numel()) {
				let deps = chunk_dependencies(&op, &types, &refs, 0, c).unwrap();
				assert!(
					deps.len() as u64 <= cost.fan_in,
					"{op:?} chunk {c}: {} > {}",
					deps.len(),
					cost.fan_in
				);
			}
		}
	}

	/// Peak memory frees an intermediate after its last reader: a chain of nodes holds two
	/// values at a time, not all of them.
	#[test]
	fn peak_memory_frees_intermediates() {
		use crate::onnx::builder::ModelBuilder;
		let mut b = ModelBuilder::new("chain", 17);
		b.input("x", DType::F32, &[1, 1024]);
		let mut prev = alloc::string::String::from("x");
		for k in 0..10 {
			let next = alloc::format!("h{k}");
			b.node("Relu", &[prev.as_str()], &[next.as_str()], vec![]);
			prev = next;
		}
		b.output(&prev);
		let g = Graph::from_onnx(&b.build()).unwrap();
		let cost = g.cost(&Budget::DEFAULT).unwrap();
		// Input, one live intermediate, one output and commitments: under three values.
		assert!(cost.peak_memory < 3 * 4096 + 1024, "{}", cost.peak_memory);
		assert!(cost.peak_memory >= 2 * 4096);
	}
}
