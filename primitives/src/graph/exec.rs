//! Running the canonical graph: the committed answer and its trace.

use alloc::{format, string::String, vec::Vec};

use super::{Graph, ValueId};
use crate::{
	commitment::{commit_tensor, node_commitment, trace_root, TensorCommitment, H256},
	ops::{self, NodeTypes, ValueType},
	tensor::{shape_string, Tensor},
};

/// What to keep of a run besides the outputs and commitments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TraceOptions {
	/// Keep every node's output tensors and chunk commitments (to serve proofs later).
	pub keep_node_outputs: bool,
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
		self.prepare()?.run(inputs, options)
	}

	/// Decodes the constants once, for repeated runs.
	pub fn prepare(&self) -> Result<PreparedGraph<'_>, String> {
		let constants = self
			.constants
			.iter()
			.map(|(id, bytes)| {
				bytes.to_tensor().map(|t| (*id, t)).map_err(|e| format!("constant {id}: {e}"))
			})
			.collect::<Result<Vec<_>, _>>()?;
		Ok(PreparedGraph { graph: self, constants })
	}
}

/// A graph with its constants decoded, ready to run many times.
#[derive(Clone, Debug)]
pub struct PreparedGraph<'a> {
	graph: &'a Graph,
	constants: Vec<(ValueId, Tensor)>,
}

impl PreparedGraph<'_> {
	/// The graph.
	pub fn graph(&self) -> &Graph {
		self.graph
	}

	/// Runs the graph with the canonical kernels and commits to every node's outputs.
	pub fn run(&self, inputs: &[Tensor], options: TraceOptions) -> Result<Trace, String> {
		let graph = self.graph;
		graph.check_inputs(inputs)?;
		let mut values: Vec<Option<Tensor>> = Vec::with_capacity(graph.values.len());
		values.resize(graph.values.len(), None);
		for (id, t) in graph.inputs.iter().zip(inputs) {
			set(&mut values, *id, t.clone())?;
		}
		for (id, t) in &self.constants {
			set(&mut values, *id, t.clone())?;
		}
		let mut output_roots = Vec::with_capacity(graph.nodes.len());
		let mut commitments = Vec::with_capacity(graph.nodes.len());
		let mut node_outputs = Vec::new();
		for (k, node) in graph.nodes.iter().enumerate() {
			let in_types: Vec<Option<ValueType>> = node
				.inputs
				.iter()
				.map(|v| v.and_then(|v| graph.value(v)).map(|i| i.value_type()))
				.collect();
			let out_types: Vec<ValueType> = node
				.outputs
				.iter()
				.filter_map(|v| graph.value(*v))
				.map(|i| i.value_type())
				.collect();
			let types = NodeTypes { inputs: &in_types, outputs: &out_types };
			let refs: Vec<Option<&Tensor>> = node
				.inputs
				.iter()
				.map(|v| v.and_then(|v| values.get(v as usize)).and_then(|t| t.as_ref()))
				.collect();
			let outs = ops::eval(&node.op, &types, &refs)
				.map_err(|e| format!("node {k} ({}): {e}", node.onnx_op))?;
			let commits: Vec<TensorCommitment> = outs.iter().map(commit_tensor).collect();
			let roots: Vec<H256> = commits.iter().map(|c| c.root).collect();
			commitments.push(node_commitment(k as u32, &roots));
			output_roots.push(roots);
			if options.keep_node_outputs {
				node_outputs.push(outs.iter().cloned().zip(commits).collect());
			}
			for (v, t) in node.outputs.iter().zip(outs) {
				set(&mut values, *v, t)?;
			}
		}
		let outputs = graph
			.outputs
			.iter()
			.map(|v| {
				values
					.get(*v as usize)
					.cloned()
					.flatten()
					.ok_or_else(|| format!("output {v} missing"))
			})
			.collect::<Result<Vec<_>, _>>()?;
		Ok(Trace {
			outputs,
			root: trace_root(&commitments),
			output_roots,
			commitments,
			node_outputs,
		})
	}
}

fn set(values: &mut [Option<Tensor>], id: ValueId, t: Tensor) -> Result<(), String> {
	let slot = values.get_mut(id as usize).ok_or_else(|| format!("value {id} out of range"))?;
	*slot = Some(t);
	Ok(())
}
