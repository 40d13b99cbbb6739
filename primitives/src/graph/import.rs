//! ONNX model → canonical [`Graph`]: checks, topological order, type inference, folding.

use alloc::{
	collections::{BTreeMap, BTreeSet},
	format,
	string::{String, ToString},
	vec,
	vec::Vec,
};

use super::{
	convert::{tensor_from_proto, Attrs},
	nodes::{einsum, import_node, Imported},
	shapes::IResult,
	Graph, GraphError, Node, ValueId, ValueInfo, MAX_OPSET, MIN_OPSET,
};
use crate::{
	cost::{node_cost, numel, within, Budget, FoldCost, Limit, NodeCost},
	limits::{MAX_FOLD_ELEMENTS, MAX_NODES, MAX_NODE_IO},
	onnx::{decode_model, DimValue, NodeProto},
	ops::{self, NodeTypes, Op, ValueType},
	tensor::{checked_numel, DType, Tensor},
};

/// A canonical node before value ids are assigned: ONNX op, op, input and output names.
type PendingNode = (String, Op, Vec<Option<String>>, Vec<String>);

fn invalid(s: String) -> GraphError {
	GraphError::Invalid(s)
}

fn unsupported(s: String) -> GraphError {
	GraphError::Unsupported(s)
}

/// What the importer knows of a value: its type and, for constants, its data.
#[derive(Clone)]
pub(super) struct Known {
	pub(super) ty: ValueType,
	pub(super) constant: Option<Tensor>,
}

impl Known {
	/// A constant value: its type is the tensor's.
	fn constant(t: Tensor) -> Known {
		Known { ty: ValueType::new(t.dtype(), t.shape().to_vec()), constant: Some(t) }
	}
}

/// What folding has spent so far, against the budget.
struct FoldMeter<'a> {
	budget: &'a Budget,
	work: u64,
	bytes: u64,
}

impl FoldMeter<'_> {
	/// Charges `work` and `bytes` of folding node `label`, or refuses it.
	fn charge(&mut self, label: &str, work: u64, bytes: u64) -> IResult<()> {
		self.work = self.work.saturating_add(work);
		self.bytes = self.bytes.saturating_add(bytes);
		within(Limit::FoldWork, self.work, self.budget).map_err(|e| over(label, e))?;
		within(Limit::FoldBytes, self.bytes, self.budget).map_err(|e| over(label, e))
	}
}

/// The error of `label` breaking a limit.
fn over(label: &str, (limit, cost, max): (Limit, u64, u64)) -> GraphError {
	GraphError::OverBudget { node: label.into(), limit, cost, max }
}

/// Checks one node's memory before anything runs it, and returns its cost.
fn check_node(label: &str, op: &Op, types: &NodeTypes, budget: &Budget) -> IResult<NodeCost> {
	let cost = node_cost(op, types).ok_or_else(|| over(label, (Limit::Overflow, 0, 0)))?;
	let memory = cost.memory().ok_or_else(|| over(label, (Limit::Overflow, 0, 0)))?;
	within(Limit::NodeMemory, memory, budget).map_err(|e| over(label, e))?;
	Ok(cost)
}

/// Imports a model of at most `max_bytes` bytes within `budget`.
pub(super) fn import(
	bytes: &[u8],
	max_bytes: usize,
	budget: &Budget,
) -> Result<(Graph, FoldCost), GraphError> {
	if bytes.len() > max_bytes {
		return Err(GraphError::TooLarge { bytes: bytes.len(), max: max_bytes });
	}
	let model = decode_model(bytes).map_err(|e| GraphError::Decode(e.to_string()))?;
	let opset = model
		.opset_import
		.iter()
		.find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
		.map(|o| o.version)
		.ok_or_else(|| unsupported("no opset of the default ONNX domain is imported".into()))?;
	if !(MIN_OPSET..=MAX_OPSET).contains(&opset) {
		return Err(unsupported(format!(
			"opset {opset} is outside the supported range {MIN_OPSET}..={MAX_OPSET}"
		)));
	}
	let graph = model.graph.ok_or_else(|| invalid("the model has no graph".into()))?;
	if graph.node.len() > MAX_NODES {
		return Err(unsupported(format!(
			"{} nodes exceed the limit of {MAX_NODES}",
			graph.node.len()
		)));
	}

	let fold = FoldMeter { budget, work: 0, bytes: 0 };
	let mut known: BTreeMap<String, Known> = BTreeMap::new();
	let mut initializer_order = Vec::new();
	for t in &graph.initializer {
		let tensor = tensor_from_proto(t)?;
		if t.name.is_empty() {
			return Err(invalid("an initializer has no name".into()));
		}
		let ty = ValueType::new(tensor.dtype(), tensor.shape().to_vec());
		if known.insert(t.name.clone(), Known { ty, constant: Some(tensor) }).is_some() {
			return Err(invalid(format!("initializer '{}' is defined twice", t.name)));
		}
		initializer_order.push(t.name.clone());
	}
	let mut graph_inputs = Vec::new();
	let mut input_names: BTreeSet<&str> = BTreeSet::new();
	for vi in &graph.input {
		if known.contains_key(&vi.name) {
			if input_names.contains(vi.name.as_str()) {
				return Err(invalid(format!("graph input '{}' is listed twice", vi.name)));
			}
			// An input with an initializer is a constant with a default (ONNX IR < 4).
			continue;
		}
		let tt = vi
			.r#type
			.as_ref()
			.and_then(|t| t.tensor_type.as_ref())
			.ok_or_else(|| unsupported(format!("graph input '{}' is not a tensor", vi.name)))?;
		let dtype = DType::from_onnx(tt.elem_type).ok_or_else(|| {
			unsupported(format!(
				"graph input '{}' has element type {}",
				vi.name,
				super::convert::onnx_type_name(tt.elem_type)
			))
		})?;
		let shape_proto = tt
			.shape
			.as_ref()
			.ok_or_else(|| unsupported(format!("graph input '{}' has no shape", vi.name)))?;
		let mut shape = Vec::new();
		for d in &shape_proto.dim {
			match &d.value {
				// A zero is a static size too: an empty input (see `zero_size`).
				DimValue::Value(v) if *v >= 0 => shape.push(super::shapes::dim(*v, &vi.name)?),
				DimValue::Param(p) => {
					return Err(unsupported(format!(
						"graph input '{}' has a dynamic dimension '{p}' (static shapes only)",
						vi.name
					)))
				},
				_ => {
					return Err(unsupported(format!(
						"graph input '{}' has an unknown or negative dimension (static shapes only)",
						vi.name
					)))
				},
			}
		}
		checked_numel(&shape)
			.map_err(|e| unsupported(format!("graph input '{}': {e}", vi.name)))?;
		known.insert(vi.name.clone(), Known { ty: ValueType::new(dtype, shape), constant: None });
		input_names.insert(vi.name.as_str());
		graph_inputs.push(vi.name.clone());
	}

	let order = topological_order(&graph.node, &known)?;
	// Every name read: a node's optional output outside it is dropped, not refused.
	let read: BTreeSet<&str> = graph
		.node
		.iter()
		.flat_map(|n| n.input.iter())
		.chain(graph.output.iter().map(|o| &o.name))
		.map(String::as_str)
		.filter(|n| !n.is_empty())
		.collect();
	let mut nodes = NodeImporter { known, fold, kept_nodes: Vec::new(), read, opset, budget };
	for &i in &order {
		let Some(node) = graph.node.get(i) else { continue };
		let label = if node.name.is_empty() {
			format!("node {i} ({})", node.op_type)
		} else {
			format!("node '{}' ({})", node.name, node.op_type)
		};
		if !(node.domain.is_empty() || node.domain == "ai.onnx") {
			return Err(unsupported(format!("{label}: domain '{}'", node.domain)));
		}
		if node.input.len() > MAX_NODE_IO || node.output.len() > MAX_NODE_IO {
			return Err(unsupported(format!("{label}: too many inputs or outputs")));
		}
		Attrs { node: &label, list: &node.attribute }.no_subgraphs()?;
		if node.op_type == "Einsum" {
			nodes.import_einsum(node, &label)?;
		} else {
			nodes.import(node, &label)?;
		}
	}
	let NodeImporter { known, fold, kept_nodes, .. } = nodes;

	let graph = assemble(
		&known,
		&graph_inputs,
		&initializer_order,
		kept_nodes,
		&graph.output.iter().map(|o| o.name.clone()).collect::<Vec<_>>(),
	)?;
	// The whole run: total work and peak live memory.
	graph.cost(budget).map_err(|e| {
		let node = match e.node.and_then(|k| graph.nodes.get(k as usize).map(|n| (k, n))) {
			Some((k, n)) => format!("node {k} ({})", n.onnx_op),
			None => "model".into(),
		};
		GraphError::OverBudget { node, limit: e.limit, cost: e.cost, max: e.max }
	})?;
	Ok((graph, FoldCost { work: fold.work, bytes: fold.bytes }))
}

/// Imports nodes one at a time, in order: their values join `known`, the nodes that stay join
/// `kept_nodes`.
struct NodeImporter<'g, 'b> {
	/// Every value so far: type and, for constants, data.
	known: BTreeMap<String, Known>,
	/// What folding has spent.
	fold: FoldMeter<'b>,
	/// Canonical nodes before id assignment: (onnx op, op, input names, output names).
	kept_nodes: Vec<PendingNode>,
	/// Every value name a node of the graph or the graph's outputs read.
	read: BTreeSet<&'g str>,
	opset: i64,
	budget: &'b Budget,
}

impl NodeImporter<'_, '_> {
	/// Imports `node` (named `label` in messages): folded into constants, or kept.
	fn import(&mut self, node: &NodeProto, label: &str) -> IResult<()> {
		let inputs: Vec<Option<&Known>> = node
			.input
			.iter()
			.map(|n| if n.is_empty() { None } else { self.known.get(n) })
			.collect();
		let imported = import_node(node, label, &inputs, &self.read, self.opset)?;
		let (op, kept, out_types) = match imported {
			Imported::Constants(ts) => {
				for t in &ts {
					let bytes = (t.len() as u64).saturating_mul(t.dtype().size() as u64);
					self.fold.charge(label, t.len() as u64, bytes)?;
				}
				bind_outputs(&mut self.known, node, label, ts.into_iter().map(Known::constant))?;
				return Ok(());
			},
			Imported::Op { op, kept, outputs } => (op, kept, outputs),
		};
		// Resize's tables were computed at import: charged as folding is.
		if let Op::Resize { axes, .. } = &op {
			let taps = axes.iter().fold(0u64, |n, a| n.saturating_add(a.index.len() as u64));
			self.fold.charge(label, taps, taps.saturating_mul(8))?;
		}
		for ty in &out_types {
			checked_numel(&ty.shape).map_err(|e| unsupported(format!("{label}: output {e}")))?;
		}
		let out_count = out_types.len();
		let kept_inputs: Vec<Option<&Known>> =
			kept.iter().map(|k| inputs.get(*k).copied().flatten()).collect();
		let all_const = kept_inputs.iter().all(|k| k.map(|k| k.constant.is_some()).unwrap_or(true));
		let in_types: Vec<Option<ValueType>> =
			kept_inputs.iter().map(|k| k.map(|k| k.ty.clone())).collect();
		zero_size(label, &op, &in_types, &out_types)?;
		let types = NodeTypes { inputs: &in_types, outputs: &out_types };
		// Costed from the static types before anything is evaluated.
		let cost = check_node(label, &op, &types, self.budget)?;
		let out_elems = out_types.iter().try_fold(0u64, |n, t| n.checked_add(numel(&t.shape)?));
		let small = out_elems.is_some_and(|n| n <= MAX_FOLD_ELEMENTS as u64);
		if all_const && small {
			self.fold.charge(label, cost.work, cost.output_bytes)?;
			let refs: Vec<Option<&Tensor>> =
				kept_inputs.iter().map(|k| k.and_then(|k| k.constant.as_ref())).collect();
			let ts = ops::eval(&op, &types, &refs).map_err(|e| invalid(format!("{label}: {e}")))?;
			bind_outputs(&mut self.known, node, label, ts.into_iter().map(Known::constant))?;
			return Ok(());
		}
		// Outputs beyond the op's own: the optional outputs of the ops in `DROPPABLE_OUTPUTS`
		// are dropped when nothing reads them; any other is refused, as before (a node that
		// stays with more outputs than its op was always refused).
		for o in node.output.iter().skip(out_count).filter(|o| !o.is_empty()) {
			if self.read.contains(o.as_str()) {
				return Err(unsupported(format!("{label}: optional output '{o}' is read")));
			}
			if !DROPPABLE_OUTPUTS.contains(&node.op_type.as_str()) {
				return Err(unsupported(format!("{label}: output '{o}' beyond the op's own")));
			}
		}
		// A node that stays can be disputed: its one step must be cheap for the runtime.
		within(Limit::ChunkFanIn, cost.fan_in, self.budget).map_err(|e| over(label, e))?;
		let input_names: Vec<Option<String>> =
			kept.iter().map(|k| node.input.get(*k).filter(|n| !n.is_empty()).cloned()).collect();
		bind_outputs(
			&mut self.known,
			node,
			label,
			out_types.into_iter().map(|ty| Known { ty, constant: None }),
		)?;
		// Only the outputs the op produces: optional ones beyond them are read by no one.
		let output_names = node.output.iter().take(out_count).cloned().collect();
		// Only a rewritten node (Einsum) imports as more than one: the check is for those.
		if self.kept_nodes.len() >= MAX_NODES {
			return Err(unsupported(format!(
				"{label}: the canonical nodes go past the limit of {MAX_NODES}"
			)));
		}
		self.kept_nodes.push((node.op_type.clone(), op, input_names, output_names));
		Ok(())
	}

	/// Imports Einsum `node` (named `label`) as the nodes it is rewritten into, in order
	/// ([`einsum::expand`]). The model may not read the rewrite's internal values (a graph
	/// output of that name would otherwise be an internal value).
	fn import_einsum(&mut self, node: &NodeProto, label: &str) -> IResult<()> {
		if self.opset < 12 {
			return Err(unsupported(format!("{label}: Einsum before opset 12")));
		}
		let output = node.output.first().map_or("", String::as_str);
		if let Some(name) =
			einsum::internal_names(output).iter().find(|n| self.read.contains(n.as_str()))
		{
			return Err(unsupported(format!(
				"{label}: the model reads '{name}', a name the Einsum's rewrite uses"
			)));
		}
		let types: Vec<Option<&ValueType>> =
			node.input.iter().map(|n| self.known.get(n).map(|k| &k.ty)).collect();
		for (part, part_label) in einsum::expand(node, label, &types)? {
			self.import(&part, &part_label)?;
		}
		Ok(())
	}
}

/// Zero-size values: a node whose outputs are all empty computes nothing, so any op may have
/// them (its kernel never runs: [`ops::eval`] and a chunk's evaluation have no element to
/// compute). A non-empty output computed from an empty input is accepted only where the
/// element definition gives it a meaning: Concat skips the empty operand, and a reduction over
/// an empty set gives its kind's identity (0 for the sums, 1 for the product, -inf for Max and
/// the logarithms, +inf for Min, the type's bounds for integers).
fn zero_size(
	label: &str,
	op: &Op,
	in_types: &[Option<ValueType>],
	out_types: &[ValueType],
) -> IResult<()> {
	let empty = |shape: &[usize]| shape.contains(&0);
	if out_types.iter().all(|t| empty(&t.shape)) {
		return Ok(());
	}
	let Some((i, ty)) = in_types
		.iter()
		.enumerate()
		.find_map(|(i, t)| t.as_ref().filter(|t| empty(&t.shape)).map(|t| (i, t)))
	else {
		return Ok(());
	};
	match op {
		Op::Concat { .. } | Op::Reduce { .. } => Ok(()),
		_ => Err(unsupported(format!(
			"{label}: input {i} is empty {:?} and an output is not (zero-size operands reach \
			 only Concat and the reductions)",
			ty.shape
		))),
	}
}

/// The ops whose optional outputs may be declared and left unread (Dropout's mask, MaxPool's
/// Indices, LayerNormalization's Mean and InvStdDev): the import drops them, and tract, which
/// the node loads every model with as a cross-check, accepts them declared.
const DROPPABLE_OUTPUTS: [&str; 3] = ["Dropout", "MaxPool", "LayerNormalization"];

/// Records the outputs of `node`; a name already defined is an error.
fn bind_outputs(
	known: &mut BTreeMap<String, Known>,
	node: &NodeProto,
	label: &str,
	values: impl Iterator<Item = Known>,
) -> IResult<()> {
	for (name, k) in node.output.iter().zip(values) {
		if name.is_empty() {
			continue;
		}
		if known.insert(name.clone(), k).is_some() {
			return Err(invalid(format!("{label}: output '{name}' is defined twice")));
		}
	}
	Ok(())
}

/// Kahn's algorithm, always taking the ready node of smallest file index: deterministic, and
/// the file order when it is already topological.
fn topological_order(nodes: &[NodeProto], known: &BTreeMap<String, Known>) -> IResult<Vec<usize>> {
	let mut producer: BTreeMap<&str, usize> = BTreeMap::new();
	for (i, n) in nodes.iter().enumerate() {
		for o in n.output.iter().filter(|o| !o.is_empty()) {
			if known.contains_key(o) || producer.insert(o.as_str(), i).is_some() {
				return Err(invalid(format!("value '{o}' is defined twice")));
			}
		}
	}
	let mut waiting = vec![0usize; nodes.len()];
	let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
	for (i, n) in nodes.iter().enumerate() {
		let mut deps = BTreeSet::new();
		for name in n.input.iter().filter(|x| !x.is_empty()) {
			match producer.get(name.as_str()) {
				Some(p) => {
					deps.insert(*p);
				},
				None if known.contains_key(name) => {},
				None => {
					return Err(invalid(format!(
						"node {i} ({}) reads '{name}', which nothing produces",
						n.op_type
					)))
				},
			}
		}
		if let Some(w) = waiting.get_mut(i) {
			*w = deps.len();
		}
		for p in deps {
			if let Some(c) = consumers.get_mut(p) {
				c.push(i);
			}
		}
	}
	let mut ready: BTreeSet<usize> =
		waiting.iter().enumerate().filter(|(_, w)| **w == 0).map(|(i, _)| i).collect();
	let mut order = Vec::with_capacity(nodes.len());
	while let Some(i) = ready.pop_first() {
		order.push(i);
		// Each edge is counted once (`deps` is a set), so a count reaches 0 exactly once.
		for &c in consumers.get(i).map(Vec::as_slice).unwrap_or_default() {
			if let Some(w) = waiting.get_mut(c) {
				*w = w.saturating_sub(1);
				if *w == 0 {
					ready.insert(c);
				}
			}
		}
	}
	if order.len() != nodes.len() {
		return Err(invalid("the graph has a cycle".into()));
	}
	Ok(order)
}

/// Assigns value ids (inputs, constants, node outputs) and builds the graph.
fn assemble(
	known: &BTreeMap<String, Known>,
	graph_inputs: &[String],
	initializer_order: &[String],
	nodes: Vec<PendingNode>,
	outputs: &[String],
) -> IResult<Graph> {
	let mut ids: BTreeMap<String, ValueId> = BTreeMap::new();
	let mut values = Vec::new();
	let mut add = |name: &str, ids: &mut BTreeMap<String, ValueId>| -> IResult<ValueId> {
		if let Some(id) = ids.get(name) {
			return Ok(*id);
		}
		let k = known.get(name).ok_or_else(|| invalid(format!("value '{name}' is unknown")))?;
		let id = values.len() as ValueId;
		values.push(ValueInfo {
			name: name.into(),
			dtype: k.ty.dtype,
			shape: k.ty.shape.iter().map(|d| *d as u64).collect(),
		});
		ids.insert(name.into(), id);
		Ok(id)
	};
	let mut inputs = Vec::new();
	for n in graph_inputs {
		inputs.push(add(n, &mut ids)?);
	}
	// Constants that nodes or outputs read: initializers in file order, then folded ones in
	// order of first use.
	let used: BTreeSet<&str> = nodes
		.iter()
		.flat_map(|(_, _, ins, _)| ins.iter().flatten().map(|s| s.as_str()))
		.chain(outputs.iter().map(|s| s.as_str()))
		.filter(|n| known.get(*n).map(|k| k.constant.is_some()).unwrap_or(false))
		.collect();
	let mut constant_names: Vec<&str> = Vec::new();
	let mut listed: BTreeSet<&str> = BTreeSet::new();
	let later = nodes.iter().flat_map(|(_, _, ins, _)| ins.iter().flatten()).chain(outputs.iter());
	for n in initializer_order.iter().chain(later) {
		if used.contains(n.as_str()) && listed.insert(n.as_str()) {
			constant_names.push(n);
		}
	}
	let mut constants = Vec::new();
	for n in constant_names {
		let id = add(n, &mut ids)?;
		if let Some(t) = known.get(n).and_then(|k| k.constant.as_ref()) {
			constants.push((id, t.to_bytes()));
		}
	}
	let mut graph_nodes = Vec::with_capacity(nodes.len());
	for (onnx_op, op, ins, outs) in nodes {
		let inputs = ins
			.iter()
			.map(|n| n.as_ref().map(|n| add(n, &mut ids)).transpose())
			.collect::<IResult<Vec<_>>>()?;
		let mut outputs = Vec::new();
		for (i, o) in outs.iter().enumerate() {
			if o.is_empty() {
				// An unnamed optional output: give it a private name.
				let name = format!("{onnx_op}:{}:{i}", graph_nodes.len());
				return Err(invalid(format!("{name}: unnamed outputs are not supported")));
			}
			outputs.push(add(o, &mut ids)?);
		}
		graph_nodes.push(Node { onnx_op, op, inputs, outputs });
	}
	let mut out_ids = Vec::new();
	for n in outputs {
		out_ids.push(
			add(n, &mut ids)
				.map_err(|_| invalid(format!("graph output '{n}' is never produced")))?,
		);
	}
	if out_ids.is_empty() {
		return Err(invalid("the graph has no output".into()));
	}
	Ok(Graph { values, inputs, outputs: out_ids, constants, nodes: graph_nodes })
}
