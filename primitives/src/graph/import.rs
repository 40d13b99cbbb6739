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
	shapes::{dim, norm_axis, reshape, slice_axis, window_axis, IResult},
	Graph, GraphError, Node, ValueId, ValueInfo, MAX_OPSET, MIN_OPSET,
};
use crate::{
	limits::{MAX_MODEL_BYTES, MAX_NODES, MAX_NODE_IO},
	onnx::{decode_model, DimValue, NodeProto},
	ops::{
		self, broadcast_shapes, BinaryOp, ConvAttrs, F32Bits, GemmAttrs, NodeTypes, Op, PoolAttrs,
		PoolKind, ReduceKind, UnaryOp, ValueType, VariadicOp,
	},
	tensor::{checked_numel, DType, Tensor, TensorData},
};

/// Constant subgraphs are folded when their outputs hold at most this many elements.
const FOLD_LIMIT: usize = 1 << 16;

fn invalid(s: String) -> GraphError {
	GraphError::Invalid(s)
}

fn unsupported(s: String) -> GraphError {
	GraphError::Unsupported(s)
}

/// What the importer knows of a value: its type and, for constants, its data.
#[derive(Clone)]
struct Known {
	ty: ValueType,
	constant: Option<Tensor>,
}

/// A node as imported: either constants, or a canonical op.
enum Imported {
	Constants(Vec<Tensor>),
	Op {
		op: Op,
		/// Which ONNX input positions stay inputs of the canonical node.
		kept: Vec<usize>,
		outputs: Vec<ValueType>,
	},
}

pub(super) fn import(bytes: &[u8]) -> Result<Graph, GraphError> {
	if bytes.len() > MAX_MODEL_BYTES {
		return Err(GraphError::TooLarge(bytes.len()));
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
	for vi in &graph.input {
		if known.contains_key(&vi.name) {
			if graph_inputs.contains(&vi.name) {
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
				DimValue::Value(v) if *v > 0 => shape.push(*v as usize),
				DimValue::Param(p) => {
					return Err(unsupported(format!(
						"graph input '{}' has a dynamic dimension '{p}' (static shapes only)",
						vi.name
					)))
				},
				_ => {
					return Err(unsupported(format!(
						"graph input '{}' has an unknown or zero dimension (static shapes only)",
						vi.name
					)))
				},
			}
		}
		checked_numel(&shape).map_err(|e| unsupported(format!("graph input '{}': {e}", vi.name)))?;
		known.insert(vi.name.clone(), Known { ty: ValueType::new(dtype, shape), constant: None });
		graph_inputs.push(vi.name.clone());
	}

	let order = topological_order(&graph.node, &known)?;
	// Canonical nodes before id assignment: (onnx op, op, input names, output names).
	let mut kept_nodes: Vec<(String, Op, Vec<Option<String>>, Vec<String>)> = Vec::new();
	for &i in &order {
		let node = &graph.node[i];
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
		let inputs: Vec<Option<&Known>> = node
			.input
			.iter()
			.map(|n| if n.is_empty() { None } else { known.get(n) })
			.collect();
		let imported = import_node(node, &label, &inputs, opset)?;
		let (op, kept, out_types) = match imported {
			Imported::Constants(ts) => {
				bind_outputs(&mut known, node, &label, ts.into_iter().map(|t| {
					let ty = ValueType::new(t.dtype(), t.shape().to_vec());
					Known { ty, constant: Some(t) }
				}))?;
				continue;
			},
			Imported::Op { op, kept, outputs } => (op, kept, outputs),
		};
		for ty in &out_types {
			checked_numel(&ty.shape).map_err(|e| unsupported(format!("{label}: output {e}")))?;
		}
		let kept_inputs: Vec<Option<&Known>> =
			kept.iter().map(|k| inputs.get(*k).copied().flatten()).collect();
		let all_const = kept_inputs.iter().all(|k| k.map(|k| k.constant.is_some()).unwrap_or(true));
		let small = out_types.iter().map(ValueType::numel).sum::<usize>() <= FOLD_LIMIT;
		if all_const && small {
			let in_types: Vec<Option<ValueType>> =
				kept_inputs.iter().map(|k| k.map(|k| k.ty.clone())).collect();
			let refs: Vec<Option<&Tensor>> =
				kept_inputs.iter().map(|k| k.and_then(|k| k.constant.as_ref())).collect();
			let types = NodeTypes { inputs: &in_types, outputs: &out_types };
			let ts = ops::eval(&op, &types, &refs).map_err(|e| invalid(format!("{label}: {e}")))?;
			bind_outputs(&mut known, node, &label, ts.into_iter().map(|t| {
				let ty = ValueType::new(t.dtype(), t.shape().to_vec());
				Known { ty, constant: Some(t) }
			}))?;
			continue;
		}
		let input_names: Vec<Option<String>> = kept
			.iter()
			.map(|k| node.input.get(*k).filter(|n| !n.is_empty()).cloned())
			.collect();
		bind_outputs(
			&mut known,
			node,
			&label,
			out_types.into_iter().map(|ty| Known { ty, constant: None }),
		)?;
		kept_nodes.push((node.op_type.clone(), op, input_names, node.output.clone()));
	}

	assemble(&known, &graph_inputs, &initializer_order, kept_nodes, &graph.output.iter().map(|o| o.name.clone()).collect::<Vec<_>>())
}

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
		waiting[i] = deps.len();
		for p in deps {
			consumers[p].push(i);
		}
	}
	let mut ready: BTreeSet<usize> = (0..nodes.len()).filter(|i| waiting[*i] == 0).collect();
	let mut order = Vec::with_capacity(nodes.len());
	while let Some(i) = ready.pop_first() {
		order.push(i);
		for &c in &consumers[i] {
			waiting[c] -= 1;
			if waiting[c] == 0 {
				ready.insert(c);
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
	nodes: Vec<(String, Op, Vec<Option<String>>, Vec<String>)>,
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
	let mut constant_names: Vec<&str> =
		initializer_order.iter().map(|s| s.as_str()).filter(|n| used.contains(n)).collect();
	for (_, _, ins, _) in &nodes {
		for n in ins.iter().flatten() {
			if used.contains(n.as_str()) && !constant_names.contains(&n.as_str()) {
				constant_names.push(n);
			}
		}
	}
	for n in outputs {
		if used.contains(n.as_str()) && !constant_names.contains(&n.as_str()) {
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

/// Access to one node's inputs while importing it.
struct In<'a> {
	label: &'a str,
	node: &'a NodeProto,
	inputs: &'a [Option<&'a Known>],
}

impl<'a> In<'a> {
	fn has(&self, i: usize) -> bool {
		self.inputs.get(i).map(|k| k.is_some()).unwrap_or(false)
	}

	fn ty(&self, i: usize) -> IResult<&'a ValueType> {
		self.inputs
			.get(i)
			.copied()
			.flatten()
			.map(|k| &k.ty)
			.ok_or_else(|| invalid(format!("{}: input {i} is missing", self.label)))
	}

	fn constant(&self, i: usize) -> IResult<&'a Tensor> {
		let name = self.node.input.get(i).map(|s| s.as_str()).unwrap_or("");
		self.inputs
			.get(i)
			.copied()
			.flatten()
			.and_then(|k| k.constant.as_ref())
			.ok_or_else(|| {
				unsupported(format!("{}: input {i} ('{name}') must be a constant", self.label))
			})
	}

	fn ints(&self, i: usize) -> IResult<Vec<i64>> {
		self.constant(i)?
			.to_i64_vec()
			.ok_or_else(|| invalid(format!("{}: input {i} must hold integers", self.label)))
	}

	fn float_scalar(&self, i: usize) -> IResult<Option<F32Bits>> {
		if !self.has(i) {
			return Ok(None);
		}
		let t = self.constant(i)?;
		match t.data() {
			TensorData::F32(v) if v.len() == 1 => Ok(Some(F32Bits::new(v[0]))),
			d => match t.to_i64_vec() {
				Some(v) if v.len() == 1 => Ok(Some(F32Bits::new(v[0] as f32))),
				_ => Err(invalid(format!("{}: input {i} must be a scalar ({:?})", self.label, d.dtype()))),
			},
		}
	}

	fn out(&self) -> usize {
		self.node.output.iter().filter(|o| !o.is_empty()).count()
	}
}

fn same(t: &ValueType) -> Vec<ValueType> {
	vec![t.clone()]
}

fn as_u32(v: &[usize]) -> Vec<u32> {
	v.iter().map(|x| *x as u32).collect()
}

/// Imports one node: its canonical op and output types, or its constant outputs.
fn import_node(node: &NodeProto, label: &str, inputs: &[Option<&Known>], opset: i64) -> IResult<Imported> {
	let a = Attrs { node: label, list: &node.attribute };
	let i = In { label, node, inputs };
	let op_only = |op: Op, outputs: Vec<ValueType>| Ok(Imported::Op { op, kept: vec![0], outputs });
	let unary = |u: UnaryOp| -> IResult<Imported> { op_only(Op::Unary(u), same(i.ty(0)?)) };
	let f = |name: &str, d: f32| F32Bits::new(a.float(name, d));
	match node.op_type.as_str() {
		"Neg" => unary(UnaryOp::Neg),
		"Abs" => unary(UnaryOp::Abs),
		"Sqrt" => unary(UnaryOp::Sqrt),
		"Exp" => unary(UnaryOp::Exp),
		"Log" => unary(UnaryOp::Log),
		"Relu" => unary(UnaryOp::Relu),
		"Sigmoid" => unary(UnaryOp::Sigmoid),
		"Tanh" => unary(UnaryOp::Tanh),
		"Softplus" => unary(UnaryOp::Softplus),
		"Sign" => unary(UnaryOp::Sign),
		"LeakyRelu" => unary(UnaryOp::LeakyRelu { alpha: f("alpha", 0.01) }),
		"Elu" => unary(UnaryOp::Elu { alpha: f("alpha", 1.0) }),
		"Selu" => unary(UnaryOp::Selu {
			alpha: f("alpha", 1.673_263_2),
			gamma: f("gamma", 1.050_701),
		}),
		"HardSigmoid" => unary(UnaryOp::HardSigmoid { alpha: f("alpha", 0.2), beta: f("beta", 0.5) }),
		"Add" | "Sub" | "Mul" | "Div" | "Pow" | "PRelu" => {
			let b = match node.op_type.as_str() {
				"Add" => BinaryOp::Add,
				"Sub" => BinaryOp::Sub,
				"Mul" => BinaryOp::Mul,
				"Div" => BinaryOp::Div,
				"Pow" => BinaryOp::Pow,
				_ => BinaryOp::PRelu,
			};
			let (x, y) = (i.ty(0)?, i.ty(1)?);
			if b != BinaryOp::Pow && x.dtype != y.dtype {
				return Err(invalid(format!("{label}: inputs of {:?} and {:?}", x.dtype, y.dtype)));
			}
			let shape = broadcast_shapes(&x.shape, &y.shape).ok_or_else(|| {
				invalid(format!("{label}: shapes {:?} and {:?} do not broadcast", x.shape, y.shape))
			})?;
			if b == BinaryOp::PRelu && shape != x.shape {
				return Err(invalid(format!("{label}: slope does not broadcast to the input")));
			}
			Ok(Imported::Op {
				op: Op::Binary(b),
				kept: vec![0, 1],
				outputs: vec![ValueType::new(x.dtype, shape)],
			})
		},
		"Sum" | "Max" | "Min" => {
			let v = match node.op_type.as_str() {
				"Sum" => VariadicOp::Sum,
				"Max" => VariadicOp::Max,
				_ => VariadicOp::Min,
			};
			let n = node.input.len();
			if n == 0 || (0..n).any(|k| !i.has(k)) {
				return Err(invalid(format!("{label}: needs at least one input")));
			}
			let first = i.ty(0)?;
			let mut shape = first.shape.clone();
			for k in 1..n {
				let t = i.ty(k)?;
				if t.dtype != first.dtype {
					return Err(invalid(format!("{label}: mixed input types")));
				}
				shape = broadcast_shapes(&shape, &t.shape)
					.ok_or_else(|| invalid(format!("{label}: shapes do not broadcast")))?;
			}
			Ok(Imported::Op {
				op: Op::Variadic(v),
				kept: (0..n).collect(),
				outputs: vec![ValueType::new(first.dtype, shape)],
			})
		},
		"Clip" => {
			let (min, max) = if opset < 11 {
				(
					a.has("min").then(|| f("min", 0.0)),
					a.has("max").then(|| f("max", 0.0)),
				)
			} else {
				(i.float_scalar(1)?, i.float_scalar(2)?)
			};
			op_only(Op::Clip { min, max }, same(i.ty(0)?))
		},
		"Cast" => {
			let to = DType::from_onnx(a.int("to", 0) as i32).ok_or_else(|| {
				unsupported(format!("{label}: cast to type {}", a.int("to", 0)))
			})?;
			op_only(Op::Cast { to }, vec![ValueType::new(to, i.ty(0)?.shape.clone())])
		},
		"Identity" => op_only(Op::Identity, same(i.ty(0)?)),
		"Dropout" => {
			if i.out() > 1 {
				return Err(unsupported(format!("{label}: the mask output is not supported")));
			}
			op_only(Op::Identity, same(i.ty(0)?))
		},
		"MatMul" | "MatMulInteger" => {
			let shape = matmul_shape(&i.ty(0)?.shape, &i.ty(1)?.shape, label)?;
			let (op, dtype, kept) = if node.op_type == "MatMul" {
				(Op::MatMul, i.ty(0)?.dtype, vec![0, 1])
			} else {
				(Op::MatMulInteger, DType::I32, vec![0, 1, 2, 3])
			};
			Ok(Imported::Op { op, kept, outputs: vec![ValueType::new(dtype, shape)] })
		},
		"QLinearMatMul" => {
			let shape = matmul_shape(&i.ty(0)?.shape, &i.ty(3)?.shape, label)?;
			Ok(Imported::Op {
				op: Op::QLinearMatMul,
				kept: (0..8).collect(),
				outputs: vec![ValueType::new(i.ty(7)?.dtype, shape)],
			})
		},
		"Gemm" => {
			let g = GemmAttrs {
				alpha: f("alpha", 1.0),
				beta: f("beta", 1.0),
				trans_a: a.int("transA", 0) != 0,
				trans_b: a.int("transB", 0) != 0,
			};
			let (x, w) = (&i.ty(0)?.shape, &i.ty(1)?.shape);
			if x.len() != 2 || w.len() != 2 {
				return Err(invalid(format!("{label}: Gemm needs 2-D inputs")));
			}
			let (m, k) = if g.trans_a { (x[1], x[0]) } else { (x[0], x[1]) };
			let (k2, n) = if g.trans_b { (w[1], w[0]) } else { (w[0], w[1]) };
			if k != k2 {
				return Err(invalid(format!("{label}: inner dimensions {k} and {k2}")));
			}
			if i.has(2) && broadcast_shapes(&i.ty(2)?.shape, &[m, n]).as_deref() != Some(&[m, n][..]) {
				return Err(invalid(format!("{label}: C does not broadcast to [{m}, {n}]")));
			}
			Ok(Imported::Op {
				op: Op::Gemm(g),
				kept: vec![0, 1, 2],
				outputs: vec![ValueType::new(DType::F32, vec![m, n])],
			})
		},
		"Conv" | "QLinearConv" => {
			let q = node.op_type == "QLinearConv";
			let (xi, wi) = if q { (0, 3) } else { (0, 1) };
			let (x, w) = (&i.ty(xi)?.shape, &i.ty(wi)?.shape);
			let (attrs, out_spatial) = conv_attrs(&a, x, w, label)?;
			let group = attrs.group as usize;
			if x[1] != w[1] * group || w[0] % group != 0 {
				return Err(invalid(format!("{label}: channels {} vs weights {w:?}, group {group}", x[1])));
			}
			let mut shape = vec![x[0], w[0]];
			shape.extend(out_spatial);
			let (op, kept, dtype) = if q {
				(Op::QLinearConv(attrs), (0..9).collect(), i.ty(7)?.dtype)
			} else {
				(Op::Conv(attrs), vec![0, 1, 2], DType::F32)
			};
			Ok(Imported::Op { op, kept, outputs: vec![ValueType::new(dtype, shape)] })
		},
		"MaxPool" | "AveragePool" => {
			if i.out() > 1 {
				return Err(unsupported(format!("{label}: the Indices output is not supported")));
			}
			let kind = if node.op_type == "MaxPool" { PoolKind::Max } else { PoolKind::Average };
			let (p, shape) = pool_attrs(&a, kind, &i.ty(0)?.shape, label)?;
			op_only(Op::Pool(p), vec![ValueType::new(DType::F32, shape)])
		},
		"GlobalAveragePool" | "GlobalMaxPool" => {
			let x = &i.ty(0)?.shape;
			if x.len() < 3 {
				return Err(invalid(format!("{label}: input of rank {}", x.len())));
			}
			let mut shape = x[..2].to_vec();
			shape.extend(core::iter::repeat(1).take(x.len() - 2));
			let kind = if node.op_type == "GlobalMaxPool" { PoolKind::Max } else { PoolKind::Average };
			op_only(Op::GlobalPool(kind), vec![ValueType::new(DType::F32, shape)])
		},
		"BatchNormalization" => {
			if i.out() > 1 {
				return Err(unsupported(format!("{label}: training outputs are not supported")));
			}
			let x = i.ty(0)?;
			let c = x.shape.get(1).copied().unwrap_or(1);
			for k in 1..5 {
				if i.ty(k)?.numel() != c {
					return Err(invalid(format!("{label}: input {k} does not have {c} elements")));
				}
			}
			Ok(Imported::Op {
				op: Op::BatchNorm { epsilon: f("epsilon", 1e-5) },
				kept: (0..5).collect(),
				outputs: same(x),
			})
		},
		"LayerNormalization" => {
			if i.out() > 1 {
				return Err(unsupported(format!("{label}: Mean / InvStdDev outputs are not supported")));
			}
			let x = i.ty(0)?;
			let axis = norm_axis(a.int("axis", -1), x.shape.len(), label)?;
			Ok(Imported::Op {
				op: Op::LayerNorm { axis: axis as u32, epsilon: f("epsilon", 1e-5) },
				kept: vec![0, 1, 2],
				outputs: same(x),
			})
		},
		"Softmax" | "LogSoftmax" => {
			let x = i.ty(0)?;
			let default = if opset < 13 { 1 } else { -1 };
			let axis = norm_axis(a.int("axis", default), x.shape.len(), label)?;
			if opset < 13 && axis + 1 != x.shape.len() && x.shape[axis + 1..].iter().any(|d| *d != 1) {
				return Err(unsupported(format!(
					"{label}: opset < 13 softmax over a flattened axis {axis} of {:?}",
					x.shape
				)));
			}
			op_only(Op::Softmax { axis: axis as u32, log: node.op_type == "LogSoftmax" }, same(x))
		},
		"ReduceMean" | "ReduceSum" | "ReduceMax" => {
			let kind = match node.op_type.as_str() {
				"ReduceMean" => ReduceKind::Mean,
				"ReduceSum" => ReduceKind::Sum,
				_ => ReduceKind::Max,
			};
			let x = i.ty(0)?;
			let axes_from_input = kind == ReduceKind::Sum && opset >= 13 || opset >= 18;
			let axes = if axes_from_input {
				if i.has(1) {
					Some(i.ints(1)?)
				} else {
					None
				}
			} else {
				a.ints("axes")
			};
			let keep = a.int("keepdims", 1) != 0;
			let axes: Vec<usize> = match axes {
				Some(v) if !v.is_empty() =>
					v.iter().map(|ax| norm_axis(*ax, x.shape.len(), label)).collect::<IResult<_>>()?,
				_ if a.int("noop_with_empty_axes", 0) != 0 =>
					return op_only(Op::Identity, same(x)),
				_ => (0..x.shape.len()).collect(),
			};
			let axes: BTreeSet<usize> = axes.into_iter().collect();
			let shape: Vec<usize> = x
				.shape
				.iter()
				.enumerate()
				.filter_map(|(d, n)| match (axes.contains(&d), keep) {
					(true, true) => Some(1),
					(true, false) => None,
					(false, _) => Some(*n),
				})
				.collect();
			op_only(
				Op::Reduce { kind, axes: axes.iter().map(|d| *d as u32).collect(), keepdims: keep },
				vec![ValueType::new(x.dtype, shape)],
			)
		},
		"QuantizeLinear" | "DequantizeLinear" => {
			let x = i.ty(0)?;
			let axis = norm_axis(a.int("axis", 1), x.shape.len().max(1), label)? as u32;
			if node.op_type == "QuantizeLinear" {
				let dtype = if i.has(2) { i.ty(2)?.dtype } else { DType::U8 };
				Ok(Imported::Op {
					op: Op::QuantizeLinear { axis },
					kept: vec![0, 1, 2],
					outputs: vec![ValueType::new(dtype, x.shape.clone())],
				})
			} else {
				Ok(Imported::Op {
					op: Op::DequantizeLinear { axis },
					kept: vec![0, 1, 2],
					outputs: vec![ValueType::new(DType::F32, x.shape.clone())],
				})
			}
		},
		"Reshape" => {
			let x = i.ty(0)?;
			let spec = if opset < 5 { a.ints("shape").unwrap_or_default() } else { i.ints(1)? };
			let shape = reshape(&x.shape, &spec, a.int("allowzero", 0) != 0, label)?;
			op_only(Op::Reshape, vec![ValueType::new(x.dtype, shape)])
		},
		"Flatten" => {
			let x = i.ty(0)?;
			let r = x.shape.len();
			let axis = if a.int("axis", 1) == r as i64 { r } else { norm_axis(a.int("axis", 1), r, label)? };
			let shape = vec![x.shape[..axis].iter().product(), x.shape[axis..].iter().product()];
			op_only(Op::Reshape, vec![ValueType::new(x.dtype, shape)])
		},
		"Squeeze" | "Unsqueeze" => {
			let x = i.ty(0)?;
			let axes = if opset >= 13 {
				if i.has(1) {
					Some(i.ints(1)?)
				} else {
					None
				}
			} else {
				a.ints("axes")
			};
			let shape = if node.op_type == "Squeeze" {
				match axes {
					None => x.shape.iter().copied().filter(|d| *d != 1).collect(),
					Some(axes) => {
						let axes: BTreeSet<usize> = axes
							.iter()
							.map(|ax| norm_axis(*ax, x.shape.len(), label))
							.collect::<IResult<_>>()?;
						if axes.iter().any(|d| x.shape[*d] != 1) {
							return Err(invalid(format!("{label}: squeezing a dimension that is not 1")));
						}
						x.shape.iter().enumerate().filter(|(d, _)| !axes.contains(d)).map(|(_, n)| *n).collect()
					},
				}
			} else {
				let axes = axes.ok_or_else(|| invalid(format!("{label}: no axes")))?;
				let r = x.shape.len() + axes.len();
				let axes: BTreeSet<usize> =
					axes.iter().map(|ax| norm_axis(*ax, r, label)).collect::<IResult<_>>()?;
				let mut src = x.shape.iter();
				(0..r).map(|d| if axes.contains(&d) { 1 } else { src.next().copied().unwrap_or(1) }).collect()
			};
			op_only(Op::Reshape, vec![ValueType::new(x.dtype, shape)])
		},
		"Transpose" => {
			let x = i.ty(0)?;
			let r = x.shape.len();
			let perm: Vec<usize> = match a.ints("perm") {
				Some(p) => p.iter().map(|v| norm_axis(*v, r, label)).collect::<IResult<_>>()?,
				None => (0..r).rev().collect(),
			};
			let distinct: BTreeSet<usize> = perm.iter().copied().collect();
			if perm.len() != r || distinct.len() != r {
				return Err(invalid(format!("{label}: perm {perm:?} for rank {r}")));
			}
			let shape = perm.iter().map(|p| x.shape[*p]).collect();
			op_only(Op::Transpose { perm: as_u32(&perm) }, vec![ValueType::new(x.dtype, shape)])
		},
		"Concat" => {
			let n = node.input.len();
			let first = i.ty(0)?;
			let axis = norm_axis(a.int("axis", 0), first.shape.len(), label)?;
			let mut shape = first.shape.clone();
			shape[axis] = 0;
			for k in 0..n {
				let t = i.ty(k)?;
				let compatible = t.dtype == first.dtype &&
					t.shape.len() == first.shape.len() &&
					t.shape.iter().zip(&first.shape).enumerate().all(|(d, (x, y))| d == axis || x == y);
				if !compatible {
					return Err(invalid(format!("{label}: input {k} of shape {:?} does not fit", t.shape)));
				}
				shape[axis] += t.shape[axis];
			}
			Ok(Imported::Op {
				op: Op::Concat { axis: axis as u32 },
				kept: (0..n).collect(),
				outputs: vec![ValueType::new(first.dtype, shape)],
			})
		},
		"Split" => {
			let x = i.ty(0)?;
			let axis = norm_axis(a.int("axis", 0), x.shape.len(), label)?;
			let n_out = node.output.len().max(1);
			let given = if opset >= 13 {
				if i.has(1) {
					Some(i.ints(1)?)
				} else {
					None
				}
			} else {
				a.ints("split")
			};
			let len = x.shape[axis];
			let splits: Vec<usize> = match given {
				Some(s) => s.iter().map(|v| dim(*v, label)).collect::<IResult<_>>()?,
				None => {
					let piece = len.div_ceil(n_out);
					(0..n_out).map(|k| piece.min(len.saturating_sub(k * piece))).collect()
				},
			};
			if splits.iter().sum::<usize>() != len || splits.len() != n_out {
				return Err(invalid(format!("{label}: splits {splits:?} of {len}")));
			}
			let outputs = splits
				.iter()
				.map(|s| {
					let mut shape = x.shape.clone();
					shape[axis] = *s;
					ValueType::new(x.dtype, shape)
				})
				.collect();
			op_only(Op::Split { axis: axis as u32, splits: as_u32(&splits) }, outputs)
		},
		"Slice" => {
			let x = i.ty(0)?;
			let r = x.shape.len();
			let (starts, ends, axes, steps) = if opset < 10 {
				(a.ints("starts").unwrap_or_default(), a.ints("ends").unwrap_or_default(), a.ints("axes"), None)
			} else {
				(
					i.ints(1)?,
					i.ints(2)?,
					if i.has(3) { Some(i.ints(3)?) } else { None },
					if i.has(4) { Some(i.ints(4)?) } else { None },
				)
			};
			let axes: Vec<i64> = axes.unwrap_or_else(|| (0..starts.len() as i64).collect());
			let steps = steps.unwrap_or_else(|| vec![1; starts.len()]);
			if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
				return Err(invalid(format!("{label}: starts, ends, axes and steps differ in length")));
			}
			let mut st = vec![0i64; r];
			let mut sp = vec![1i64; r];
			let mut shape = x.shape.clone();
			for k in 0..starts.len() {
				let d = norm_axis(axes[k], r, label)?;
				let (s, step, len) = slice_axis(x.shape[d], starts[k], ends[k], steps[k], label)?;
				st[d] = s;
				sp[d] = step;
				shape[d] = len;
			}
			op_only(Op::Slice { starts: st, steps: sp }, vec![ValueType::new(x.dtype, shape)])
		},
		"Gather" => {
			let (x, ind) = (i.ty(0)?, i.ty(1)?);
			if !matches!(ind.dtype, DType::I32 | DType::I64) {
				return Err(invalid(format!("{label}: indices must be int32 or int64")));
			}
			let axis = norm_axis(a.int("axis", 0), x.shape.len(), label)?;
			let mut shape = x.shape[..axis].to_vec();
			shape.extend(&ind.shape);
			shape.extend(&x.shape[axis + 1..]);
			Ok(Imported::Op {
				op: Op::Gather { axis: axis as u32 },
				kept: vec![0, 1],
				outputs: vec![ValueType::new(x.dtype, shape)],
			})
		},
		"Expand" => {
			let x = i.ty(0)?;
			let target: Vec<usize> =
				i.ints(1)?.iter().map(|v| dim(*v, label)).collect::<IResult<_>>()?;
			let shape = broadcast_shapes(&x.shape, &target)
				.ok_or_else(|| invalid(format!("{label}: {:?} does not expand to {target:?}", x.shape)))?;
			op_only(Op::Expand, vec![ValueType::new(x.dtype, shape)])
		},
		"Tile" => {
			let x = i.ty(0)?;
			let reps = i.ints(1)?;
			if reps.len() != x.shape.len() {
				return Err(invalid(format!("{label}: {} repeats for rank {}", reps.len(), x.shape.len())));
			}
			let mut shape = Vec::new();
			for (d, r) in x.shape.iter().zip(&reps) {
				shape.push(d.checked_mul(dim(*r, label)?).ok_or_else(|| invalid(format!("{label}: tile overflow")))?);
			}
			op_only(Op::Tile, vec![ValueType::new(x.dtype, shape)])
		},
		"Pad" => {
			let x = i.ty(0)?;
			let r = x.shape.len();
			let mode = a.string("mode", "constant")?;
			if mode != "constant" {
				return Err(unsupported(format!("{label}: pad mode '{mode}'")));
			}
			let (pads, value) = if opset < 11 {
				(a.ints("pads").unwrap_or_default(), f("value", 0.0))
			} else {
				(i.ints(1)?, i.float_scalar(2)?.unwrap_or_default())
			};
			let axes: Vec<usize> = if opset >= 18 && i.has(3) {
				i.ints(3)?.iter().map(|ax| norm_axis(*ax, r, label)).collect::<IResult<_>>()?
			} else {
				(0..r).collect()
			};
			if pads.len() != 2 * axes.len() {
				return Err(invalid(format!("{label}: {} pads for {} axes", pads.len(), axes.len())));
			}
			let mut begin = vec![0i64; r];
			let mut shape = x.shape.clone();
			for (k, d) in axes.iter().enumerate() {
				begin[*d] = pads[k];
				let n = x.shape[*d] as i64 + pads[k] + pads[k + axes.len()];
				shape[*d] = dim(n, label)?;
			}
			op_only(Op::Pad { pads: begin, value }, vec![ValueType::new(x.dtype, shape)])
		},
		"Constant" => {
			let t = if let Some(t) = a.tensor("value")? {
				t
			} else if a.has("value_float") {
				Tensor::f32(vec![], vec![a.float("value_float", 0.0)])?
			} else if let Some(v) = a.floats("value_floats") {
				Tensor::f32(vec![v.len()], v)?
			} else if a.has("value_int") {
				Tensor::i64(vec![], vec![a.int("value_int", 0)])?
			} else if let Some(v) = a.ints("value_ints") {
				Tensor::i64(vec![v.len()], v)?
			} else {
				return Err(unsupported(format!("{label}: Constant without a tensor, float or int value")));
			};
			Ok(Imported::Constants(vec![t]))
		},
		"ConstantOfShape" => {
			let shape: Vec<usize> = i.ints(0)?.iter().map(|v| dim(*v, label)).collect::<IResult<_>>()?;
			let n = checked_numel(&shape).map_err(|e| unsupported(format!("{label}: {e}")))?;
			let value = a.tensor("value")?.unwrap_or(Tensor::f32(vec![1], vec![0.0])?);
			if value.len() != 1 {
				return Err(invalid(format!("{label}: value must have one element")));
			}
			let data = match value.data() {
				TensorData::F32(v) => TensorData::F32(vec![v[0]; n]),
				TensorData::I64(v) => TensorData::I64(vec![v[0]; n]),
				TensorData::I32(v) => TensorData::I32(vec![v[0]; n]),
				TensorData::I8(v) => TensorData::I8(vec![v[0]; n]),
				TensorData::U8(v) => TensorData::U8(vec![v[0]; n]),
				TensorData::Bool(v) => TensorData::Bool(vec![v[0]; n]),
			};
			Ok(Imported::Constants(vec![Tensor::new(shape, data)?]))
		},
		"Shape" => {
			let x = i.ty(0)?;
			let r = x.shape.len() as i64;
			let clampi = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
			let (s, e) = (clampi(a.int("start", 0)), clampi(a.int("end", r)));
			let dims: Vec<i64> = x.shape.get(s..e.max(s)).unwrap_or(&[]).iter().map(|d| *d as i64).collect();
			Ok(Imported::Constants(vec![Tensor::i64(vec![dims.len()], dims)?]))
		},
		other => Err(unsupported(format!("{label}: op '{other}' is not supported"))),
	}
}

impl From<crate::tensor::TensorError> for GraphError {
	fn from(e: crate::tensor::TensorError) -> Self {
		GraphError::Invalid(e.to_string())
	}
}

/// The output shape of NumPy matmul.
fn matmul_shape(a: &[usize], b: &[usize], label: &str) -> IResult<Vec<usize>> {
	if a.is_empty() || b.is_empty() {
		return Err(invalid(format!("{label}: matmul of a scalar")));
	}
	let (ra, rb) = (a.len(), b.len());
	let k = a[ra - 1];
	let kb = if rb == 1 { b[0] } else { b[rb - 2] };
	if k != kb {
		return Err(invalid(format!("{label}: shapes {a:?} and {b:?} do not multiply")));
	}
	let batch_a = if ra > 2 { &a[..ra - 2] } else { &[][..] };
	let batch_b = if rb > 2 { &b[..rb - 2] } else { &[][..] };
	let mut shape = broadcast_shapes(batch_a, batch_b)
		.ok_or_else(|| invalid(format!("{label}: batch dimensions of {a:?} and {b:?}")))?;
	if ra > 1 {
		shape.push(a[ra - 2]);
	}
	if rb > 1 {
		shape.push(b[rb - 1]);
	}
	Ok(shape)
}

/// Per-spatial-axis attributes: strides, dilations, pads (begin, end).
fn spatial(a: &Attrs, n: usize, label: &str) -> IResult<(Vec<usize>, Vec<usize>, Vec<(usize, usize)>)> {
	let get = |name: &str| -> IResult<Vec<usize>> {
		match a.ints(name) {
			Some(v) if v.len() == n => v.iter().map(|x| dim(*x, label)).collect(),
			Some(v) => Err(invalid(format!("{label}: '{name}' has {} values for {n} axes", v.len()))),
			None => Ok(vec![1; n]),
		}
	};
	let strides = get("strides")?;
	let dilations = get("dilations")?;
	let pads = match a.ints("pads") {
		Some(p) if p.len() == 2 * n =>
			(0..n).map(|d| Ok((dim(p[d], label)?, dim(p[d + n], label)?))).collect::<IResult<_>>()?,
		Some(p) => return Err(invalid(format!("{label}: {} pads for {n} axes", p.len()))),
		None => vec![(0, 0); n],
	};
	Ok((strides, dilations, pads))
}

fn conv_attrs(a: &Attrs, x: &[usize], w: &[usize], label: &str) -> IResult<(ConvAttrs, Vec<usize>)> {
	if x.len() < 3 || x.len() > 4 || w.len() != x.len() {
		return Err(unsupported(format!("{label}: only 1-D and 2-D convolutions ({x:?}, {w:?})")));
	}
	let n = x.len() - 2;
	let (strides, dilations, pads) = spatial(a, n, label)?;
	if let Some(k) = a.ints("kernel_shape") {
		if k.iter().map(|v| *v as usize).ne(w[2..].iter().copied()) {
			return Err(invalid(format!("{label}: kernel_shape {k:?} differs from the weights {w:?}")));
		}
	}
	let auto_pad = a.string("auto_pad", "NOTSET")?;
	let group = a.int("group", 1);
	if group < 1 {
		return Err(invalid(format!("{label}: group {group}")));
	}
	let mut out = Vec::new();
	let mut pads_begin = Vec::new();
	for d in 0..n {
		let win = window_axis(x[2 + d], w[2 + d], strides[d], dilations[d], pads[d], &auto_pad, false, label)?;
		out.push(win.out);
		pads_begin.push(win.pad_begin);
	}
	Ok((
		ConvAttrs {
			strides: as_u32(&strides),
			pads_begin: as_u32(&pads_begin),
			dilations: as_u32(&dilations),
			group: group as u32,
		},
		out,
	))
}

fn pool_attrs(a: &Attrs, kind: PoolKind, x: &[usize], label: &str) -> IResult<(PoolAttrs, Vec<usize>)> {
	if x.len() < 3 {
		return Err(invalid(format!("{label}: input of rank {}", x.len())));
	}
	let n = x.len() - 2;
	let kernel: Vec<usize> = a
		.ints("kernel_shape")
		.ok_or_else(|| invalid(format!("{label}: no kernel_shape")))?
		.iter()
		.map(|v| dim(*v, label))
		.collect::<IResult<_>>()?;
	if kernel.len() != n {
		return Err(invalid(format!("{label}: kernel_shape of {} axes for {n}", kernel.len())));
	}
	let (strides, dilations, pads) = spatial(a, n, label)?;
	let auto_pad = a.string("auto_pad", "NOTSET")?;
	let ceil = a.int("ceil_mode", 0) != 0;
	let mut shape = x[..2].to_vec();
	let (mut pb, mut pe) = (Vec::new(), Vec::new());
	for d in 0..n {
		let win = window_axis(x[2 + d], kernel[d], strides[d], dilations[d], pads[d], &auto_pad, ceil, label)?;
		shape.push(win.out);
		pb.push(win.pad_begin);
		pe.push(win.pad_end);
	}
	Ok((
		PoolAttrs {
			kind,
			kernel: as_u32(&kernel),
			strides: as_u32(&strides),
			pads_begin: as_u32(&pb),
			pads_end: as_u32(&pe),
			dilations: as_u32(&dilations),
			count_include_pad: a.int("count_include_pad", 0) != 0,
		},
		shape,
	))
}
