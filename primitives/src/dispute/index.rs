//! The per-node index of a canonical graph: for each node, its op, where each input comes
//! from, the static types, and its one-step fan-in. The runtime stores one entry per node at
//! registration, so a dispute step reads one node, never the whole graph.

use alloc::{format, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::{
	graph::{Graph, GraphError, ValueId},
	ops::{NodeTypes, Op, ValueType},
	tensor::TensorHeader,
};

/// Where a value a node reads comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Source {
	/// Graph input at this position of the job's inputs.
	GraphInput(u32),
	/// A constant (its root is stored at registration).
	Constant(ValueId),
	/// Output `output` of the earlier node `node`.
	Node {
		/// The producing node's canonical index.
		node: u32,
		/// Which of its outputs.
		output: u32,
	},
}

/// One input of a node: where it comes from and its static type.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct StepInput {
	/// Where the value comes from.
	pub source: Source,
	/// Its static dtype and shape.
	pub header: TensorHeader,
}

/// What a dispute step needs to know of one node.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct StepNode {
	/// The canonical op.
	pub op: Op,
	/// The inputs (`None` for an omitted optional input).
	pub inputs: Vec<Option<StepInput>>,
	/// The static types of the outputs.
	pub outputs: Vec<TensorHeader>,
	/// Element reads of the node's costliest output chunk (the cost model's fan-in).
	pub fan_in: u64,
}

fn header(ty: &ValueType) -> TensorHeader {
	TensorHeader { dtype: ty.dtype, shape: ty.shape.iter().map(|d| *d as u64).collect() }
}

fn value_type(h: &TensorHeader) -> ValueType {
	// Shapes in the index come from an imported graph: every dimension is at most `MAX_DIM`.
	ValueType::new(h.dtype, h.shape.iter().map(|d| *d as usize).collect())
}

impl StepNode {
	/// Whether the node can fail on the values it reads (an index taken from the data out of
	/// range): only `Gather` can; every other op computes on any values of its static types.
	/// A failed result at another node is false on its face.
	pub fn can_fail_on_values(&self) -> bool {
		matches!(self.op, Op::Gather { .. })
	}

	/// The node's static types, as the kernels take them.
	pub fn types(&self) -> (Vec<Option<ValueType>>, Vec<ValueType>) {
		let ins = self.inputs.iter().map(|i| i.as_ref().map(|i| value_type(&i.header))).collect();
		let outs = self.outputs.iter().map(value_type).collect();
		(ins, outs)
	}
}

impl Graph {
	/// Where every value comes from, by value id (`None` for a value nothing produces).
	pub fn sources(&self) -> Vec<Option<Source>> {
		let mut sources = alloc::vec![None; self.values.len()];
		let mut set = |v: ValueId, s: Source| {
			if let Some(slot) = sources.get_mut(v as usize) {
				*slot = Some(s);
			}
		};
		for (i, v) in self.inputs.iter().enumerate() {
			set(*v, Source::GraphInput(i as u32));
		}
		for (v, _) in &self.constants {
			set(*v, Source::Constant(*v));
		}
		for (k, node) in self.nodes.iter().enumerate() {
			for (o, v) in node.outputs.iter().enumerate() {
				set(*v, Source::Node { node: k as u32, output: o as u32 });
			}
		}
		sources
	}

	/// The per-node index of the graph, in canonical order.
	pub fn step_nodes(&self) -> Result<Vec<StepNode>, GraphError> {
		let sources = self.sources();
		let invalid = |k: usize, what: &str| GraphError::Invalid(format!("node {k}: {what}"));
		let mut out = Vec::with_capacity(self.nodes.len());
		for (k, node) in self.nodes.iter().enumerate() {
			let (ins, outs) = self.node_types(k).ok_or_else(|| invalid(k, "unknown value"))?;
			let fan_in =
				crate::cost::node_cost(&node.op, &NodeTypes { inputs: &ins, outputs: &outs })
					.ok_or_else(|| invalid(k, "cost overflows"))?
					.fan_in;
			let mut inputs = Vec::with_capacity(node.inputs.len());
			for (v, ty) in node.inputs.iter().zip(&ins) {
				inputs.push(match (v, ty) {
					(Some(v), Some(ty)) => {
						let source = sources
							.get(*v as usize)
							.copied()
							.flatten()
							.ok_or_else(|| invalid(k, "reads a value nothing produces"))?;
						if let Source::Node { node: j, .. } = source {
							if j as usize >= k {
								return Err(invalid(k, "reads a later node"));
							}
						}
						Some(StepInput { source, header: header(ty) })
					},
					_ => None,
				});
			}
			out.push(StepNode {
				op: node.op.clone(),
				inputs,
				outputs: outs.iter().map(header).collect(),
				fan_in,
			});
		}
		Ok(out)
	}

	/// Where each graph output comes from, in order.
	pub fn output_sources(&self) -> Result<Vec<Source>, GraphError> {
		let sources = self.sources();
		self.outputs
			.iter()
			.map(|v| {
				sources.get(*v as usize).copied().flatten().ok_or_else(|| {
					GraphError::Invalid(format!("graph output {v} is never produced"))
				})
			})
			.collect()
	}

	/// The shape of a trace of the graph.
	pub fn trace_layout(&self) -> Result<TraceLayout, GraphError> {
		let node_outputs = self
			.nodes
			.iter()
			.map(|n| u8::try_from(n.outputs.len()))
			.collect::<Result<Vec<u8>, _>>()
			.map_err(|_| GraphError::Invalid("a node has too many outputs".into()))?;
		Ok(TraceLayout { node_outputs, outputs: self.output_sources()? })
	}
}

/// The shape of a trace: how many outputs each node has, and where each graph output comes
/// from. What the runtime checks an executor's revealed list of output roots against.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct TraceLayout {
	/// Outputs of each node, in canonical order.
	pub node_outputs: Vec<u8>,
	/// Where each graph output comes from, in order.
	pub outputs: Vec<Source>,
}

impl TraceLayout {
	/// Output roots in a revealed list of the first `nodes` nodes (`None` past the graph).
	pub fn values_before(&self, nodes: u32) -> Option<usize> {
		let counts = self.node_outputs.get(..nodes as usize)?;
		Some(counts.iter().map(|n| *n as usize).sum())
	}

	/// The position of output `output` of node `node` in a revealed list.
	pub fn position(&self, node: u32, output: u32) -> Option<usize> {
		let count = *self.node_outputs.get(node as usize)?;
		(output < u32::from(count))
			.then_some(self.values_before(node)?.checked_add(output as usize)?)
	}
}
