//! Golden bits of the canonical engine: every zoo model, every op family's one-node limit model
//! and a model exercising every other kernel run on fixed inputs, and their canonical graphs'
//! hashes and trace roots must equal the constants pinned here (computed by the engine as it
//! stood before any of its kernels were rewritten). A rewrite that changes one output bit
//! anywhere fails this test.
//!
//! Each case checks three paths against each other and the pins:
//! - the full evaluation (`Graph::run`, fast paths), whose trace root is pinned, and the
//!   prepared graph's run (Gemm's relaid-out B);
//! - the element definition of every node (`eval_by_elements`) on the run's own node inputs,
//!   whose trace root must be the same (skipped where a node would take minutes that way);
//! - the dispute's chunk evaluation (`chunk_dependencies` + `eval_chunk`, with the row
//!   reductions' per-chunk statistics): chunks of every node's outputs, each of whose leaf
//!   hash must be the full run's.
//!
//! About 5 s in release (the profile `scripts/test.sh` tests with), minutes in debug.
//! `timings` (ignored) times the full evaluation and the one-steps, for speed work:
//! `cargo test -p verity-primitives --release -- --ignored --nocapture timings`.

use alloc::{format, string::String, vec, vec::Vec};

use codec::Encode;

use crate::{
	commitment::{chunk_count, chunk_leaf, hash, node_commitment, tensor_root, trace_root, H256},
	dispute::{
		limit::{limit_model, limit_step, Family},
		one_step_metered, StepVerdict,
	},
	graph::{Graph, TraceOptions},
	onnx::{
		builder::{Attr, ModelBuilder},
		zoo,
	},
	ops::{
		chunk_dependencies, eval_by_elements, eval_chunk, tensor_from_scalars, NodeTypes, ValueType,
	},
	tensor::{DType, Tensor, TensorData},
};

/// Deterministic values in [-2, 2), every one distinct enough to catch a moved element.
fn ramp(n: usize, seed: usize) -> Vec<f32> {
	(0..n).map(|i| (((i * 37 + seed * 11) % 101) as f32 - 50.0) / 25.0).collect()
}

fn f32t(shape: &[usize], data: Vec<f32>) -> Tensor {
	Tensor::f32(shape.to_vec(), data).unwrap()
}

fn i64t(shape: &[usize], data: Vec<i64>) -> Tensor {
	Tensor::i64(shape.to_vec(), data).unwrap()
}

/// How much of the slow paths a case runs.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Depth {
	/// Every node by its element definition and every chunk of every output.
	Full,
	/// The first, middle and last chunk of every output only.
	Sampled,
}

/// The pinned facts of one case: the canonical graph's hash and the trace root.
#[derive(Debug, PartialEq)]
pub(crate) struct Pins {
	graph: String,
	root: String,
}

/// Runs `g` on `inputs` by every path, checks the paths against each other and returns the
/// facts to pin.
pub(crate) fn check_paths(name: &str, g: &Graph, inputs: &[Tensor], depth: Depth) -> Pins {
	let keep = TraceOptions { keep_node_outputs: true, ..Default::default() };
	let trace = g.run(inputs, keep).unwrap_or_else(|e| panic!("{name}: {e}"));
	if depth == Depth::Full {
		// (The sampled cases have no Gemm, the only op preparing changes.)
		let prepared = g.clone().prepare().unwrap().run(inputs, TraceOptions::default()).unwrap();
		assert_eq!(prepared.root, trace.root, "{name}: the prepared run differs");
	}
	// Every value, dense: inputs, constants, then each node's outputs as the run made them.
	let mut values: Vec<Option<Tensor>> = vec![None; g.values.len()];
	for (v, t) in g.inputs.iter().zip(inputs) {
		values[*v as usize] = Some(t.clone());
	}
	for (v, t) in &g.constants {
		values[*v as usize] = Some(t.to_tensor().unwrap());
	}
	let mut element_commitments = Vec::new();
	for (k, node) in g.nodes.iter().enumerate() {
		let (ins, outs) = g.node_types(k).unwrap();
		let types = NodeTypes { inputs: &ins, outputs: &outs };
		let refs: Vec<Option<&Tensor>> =
			node.inputs.iter().map(|v| v.and_then(|v| values[v as usize].as_ref())).collect();
		let run_outs = &trace.node_outputs[k];
		if depth == Depth::Full {
			let by_elements = eval_by_elements(&node.op, &types, &refs)
				.unwrap_or_else(|e| panic!("{name} node {k}: {e}"));
			let roots: Vec<H256> = by_elements.iter().map(tensor_root).collect();
			element_commitments.push(node_commitment(k as u32, &roots));
		}
		for (o, ty) in outs.iter().enumerate() {
			let n = chunk_count(ty.numel());
			let chunks: Vec<usize> = match depth {
				Depth::Full => (0..n).collect(),
				Depth::Sampled => {
					let mut c = vec![0, n / 2, n - 1];
					c.dedup();
					c
				},
			};
			for c in chunks {
				let deps = chunk_dependencies(&node.op, &types, &refs, o, c)
					.unwrap_or_else(|e| panic!("{name} node {k} chunk {c}: {e}"));
				let got = eval_chunk(&node.op, &types, &deps, o, c).unwrap();
				let len = got.len();
				let t = tensor_from_scalars(&ValueType::new(ty.dtype, vec![len]), got).unwrap();
				let mut bytes = Vec::new();
				t.data().write_le_bytes(0..len, &mut bytes);
				assert_eq!(
					hash(&chunk_leaf(c as u32, &bytes)),
					run_outs[o].1.leaf_hashes[c],
					"{name} node {k} ({}) output {o} chunk {c}: the chunk evaluation differs",
					node.onnx_op
				);
			}
		}
		for (v, (t, _)) in node.outputs.iter().zip(run_outs) {
			values[*v as usize] = Some(t.clone());
		}
	}
	if depth == Depth::Full {
		assert_eq!(
			trace_root(&element_commitments),
			trace.root,
			"{name}: the element definitions differ from the full evaluation"
		);
	}
	Pins { graph: format!("{:?}", hash(&g.encode())), root: format!("{:?}", trace.root) }
}

/// A model with every kernel the zoo does not reach, and the reached ones in their other
/// modes (1-D windows, groups, dilations, padding counted, non-finite weights, batched and
/// 1-D matmuls, integer element types, per-axis quantization, movement ops).
fn kitchen() -> (Vec<u8>, Vec<Tensor>) {
	let mut b = ModelBuilder::new("kitchen", 17);
	let x = f32t(&[2, 3, 4, 5], ramp(120, 1));
	b.input("x", DType::F32, &[2, 3, 4, 5]);
	let c = |b: &mut ModelBuilder, name: &str, t: Tensor| {
		b.initializer(name, t);
	};
	let ints = |v: &[i64]| i64t(&[v.len()], v.to_vec());
	let scalar = |v: f32| f32t(&[], vec![v]);
	let mut outs: Vec<&str> = Vec::new();
	// Movement.
	b.node("Transpose", &["x"], &["t"], vec![Attr::Ints("perm", vec![0, 2, 1, 3])]);
	c(&mut b, "sl_s", ints(&[0, 4]));
	c(&mut b, "sl_e", ints(&[3, 0]));
	c(&mut b, "sl_a", ints(&[2, 3]));
	c(&mut b, "sl_p", ints(&[1, -2]));
	b.node("Slice", &["t", "sl_s", "sl_e", "sl_a", "sl_p"], &["sl"], vec![]);
	c(&mut b, "pads", ints(&[0, 1, 0, 2, 1, 0, 2, 0]));
	c(&mut b, "pad_v", scalar(0.5));
	b.node("Pad", &["sl", "pads", "pad_v"], &["pad"], vec![]);
	c(&mut b, "reps", ints(&[1, 2, 1, 1]));
	b.node("Tile", &["x", "reps"], &["tile2"], vec![]);
	c(&mut b, "split", ints(&[2, 4]));
	b.node("Split", &["tile2", "split"], &["sp0", "sp1"], vec![Attr::Int("axis", 1)]);
	b.node("Concat", &["sp1", "x", "sp0"], &["cat"], vec![Attr::Int("axis", 1)]);
	c(&mut b, "ex_s", ints(&[2, 3, 4]));
	c(&mut b, "col", f32t(&[4, 1], ramp(4, 2)));
	b.node("Mul", &["col", "col"], &["col2"], vec![]); // folded at import
	b.node("Add", &["x", "col2"], &["addc"], vec![]);
	b.node("ReduceMax", &["x"], &["rmx"], vec![Attr::Ints("axes", vec![2, 3])]);
	b.node("Reshape", &["rmx", "col_shape"], &["rcol"], vec![]);
	c(&mut b, "col_shape", ints(&[2, 3, 1]));
	b.node("Expand", &["rcol", "ex_s"], &["ex"], vec![]);
	c(&mut b, "g_i", i64t(&[2, 2], vec![2, -1, 0, 1]));
	b.node("Gather", &["x", "g_i"], &["ga"], vec![Attr::Int("axis", 1)]);
	c(&mut b, "g_j", Tensor::new(vec![3], TensorData::I32(vec![-1, 0, 3])).unwrap());
	b.node("Gather", &["x", "g_j"], &["gb"], vec![Attr::Int("axis", 3)]);
	outs.extend(["pad", "cat", "ex", "ga", "gb", "addc"]);
	// Normalisation, softmax, reductions.
	for (name, v) in [("bn_s", 1), ("bn_b", 2), ("bn_m", 3)] {
		c(&mut b, name, f32t(&[9], ramp(9, v)));
	}
	c(&mut b, "bn_v", f32t(&[9], ramp(9, 4).iter().map(|v| v * v + 0.1).collect()));
	b.node("BatchNormalization", &["cat", "bn_s", "bn_b", "bn_m", "bn_v"], &["bn"], vec![]);
	b.node("Softmax", &["bn"], &["sm1"], vec![Attr::Int("axis", 1)]);
	b.node("LogSoftmax", &["x"], &["lsm"], vec![Attr::Int("axis", 2)]);
	c(&mut b, "ln_s", f32t(&[5], ramp(5, 5)));
	c(&mut b, "ln_b", f32t(&[4, 1], ramp(4, 6)));
	b.node(
		"LayerNormalization",
		&["x", "ln_s", "ln_b"],
		&["ln"],
		vec![Attr::Int("axis", -2), Attr::Float("epsilon", 1e-3)],
	);
	b.node("LayerNormalization", &["x", "ln_s"], &["ln2"], vec![Attr::Int("axis", 3)]);
	c(&mut b, "rs_a", ints(&[1, 3]));
	b.node("ReduceSum", &["x", "rs_a"], &["rs"], vec![Attr::Int("keepdims", 0)]);
	b.node("ReduceMean", &["x"], &["rm"], vec![Attr::Ints("axes", vec![0, 2, 3])]);
	outs.extend(["sm1", "lsm", "ln", "ln2", "rs", "rm", "rmx"]);
	// Elementwise with broadcasting.
	c(&mut b, "c41", f32t(&[4, 1], ramp(4, 7)));
	c(&mut b, "c5", f32t(&[5], ramp(5, 8)));
	c(&mut b, "c311", f32t(&[3, 1, 1], ramp(3, 9)));
	b.node("Sub", &["x", "c41"], &["sub"], vec![]);
	b.node("Div", &["c5", "sub"], &["div"], vec![]);
	b.node("Pow", &["div", "c311"], &["pow"], vec![]);
	b.node("PRelu", &["x", "c311"], &["prelu"], vec![]);
	b.node("Sigmoid", &["prelu"], &["sig"], vec![]);
	b.node("Softplus", &["x"], &["spl"], vec![]);
	b.node("Elu", &["x"], &["elu"], vec![]);
	c(&mut b, "lo", scalar(-0.5));
	c(&mut b, "hi", scalar(0.75));
	b.node("Clip", &["x", "lo", "hi"], &["clip"], vec![]);
	b.node("Sum", &["x", "c41", "c5"], &["vsum"], vec![]);
	b.node("Max", &["x", "c311"], &["vmax"], vec![]);
	b.node("Min", &["x", "c5", "sig"], &["vmin"], vec![]);
	outs.extend(["pow", "spl", "elu", "clip", "vsum", "vmax", "vmin"]);
	// Integers: casts, integer elementwise and reductions.
	c(&mut b, "four", scalar(4.0));
	b.node("Mul", &["x", "four"], &["x4"], vec![]);
	b.node("Cast", &["x4"], &["xi"], vec![Attr::Int("to", 6)]);
	b.node("Add", &["xi", "xi"], &["xi2"], vec![]);
	c(&mut b, "ri_a", ints(&[3]));
	b.node("ReduceSum", &["xi2", "ri_a"], &["ris"], vec![]);
	b.node("ReduceMax", &["xi"], &["rim"], vec![Attr::Ints("axes", vec![1])]);
	b.node("ReduceMean", &["xi"], &["rime"], vec![Attr::Ints("axes", vec![2])]);
	b.node("Cast", &["x"], &["xb"], vec![Attr::Int("to", 9)]);
	outs.extend(["ris", "rim", "rime", "xb"]);
	// Convolutions and pools: 1-D (the element path), groups, dilations, infinite weights.
	c(&mut b, "r3", ints(&[2, 3, 20]));
	b.node("Reshape", &["x", "r3"], &["x1d"], vec![]);
	c(&mut b, "w1d", f32t(&[4, 3, 3], ramp(36, 10)));
	c(&mut b, "b1d", f32t(&[4], ramp(4, 11)));
	b.node(
		"Conv",
		&["x1d", "w1d", "b1d"],
		&["cv1"],
		vec![Attr::Ints("pads", vec![1, 1]), Attr::Ints("strides", vec![2])],
	);
	c(&mut b, "wg", f32t(&[6, 1, 2, 2], ramp(24, 12)));
	b.node(
		"Conv",
		&["x", "wg"],
		&["cvg"],
		vec![
			Attr::Int("group", 3),
			Attr::Ints("dilations", vec![2, 1]),
			Attr::Ints("pads", vec![1, 1, 1, 1]),
			Attr::Ints("strides", vec![1, 2]),
		],
	);
	let mut winf = ramp(54, 13);
	winf[4] = f32::INFINITY;
	c(&mut b, "winf", f32t(&[2, 3, 3, 3], winf));
	c(&mut b, "binf", f32t(&[2], ramp(2, 14)));
	let pad1 = || Attr::Ints("pads", vec![1, 1, 1, 1]);
	b.node("Conv", &["x", "winf", "binf"], &["cvi1"], vec![pad1()]);
	b.node("Conv", &["x", "winf"], &["cvi2"], vec![pad1(), Attr::Ints("strides", vec![2, 2])]);
	b.node(
		"MaxPool",
		&["x"],
		&["mp"],
		vec![
			Attr::Ints("kernel_shape", vec![2, 3]),
			Attr::Ints("strides", vec![1, 2]),
			Attr::Ints("pads", vec![1, 1, 0, 1]),
			Attr::Int("ceil_mode", 1),
		],
	);
	b.node(
		"MaxPool",
		&["x"],
		&["mpd"],
		vec![Attr::Ints("kernel_shape", vec![2, 2]), Attr::Ints("dilations", vec![2, 2])],
	);
	for (name, include) in [("ap1", 1), ("ap0", 0)] {
		b.node(
			"AveragePool",
			&["x"],
			&[name],
			vec![
				Attr::Ints("kernel_shape", vec![3, 3]),
				Attr::Ints("strides", vec![2, 2]),
				pad1(),
				Attr::Int("count_include_pad", include),
			],
		);
	}
	b.node(
		"AveragePool",
		&["x1d"],
		&["ap1d"],
		vec![Attr::Ints("kernel_shape", vec![3]), Attr::Ints("strides", vec![2])],
	);
	b.node("GlobalMaxPool", &["x"], &["gmp"], vec![]);
	b.node("GlobalAveragePool", &["x1d"], &["gap"], vec![]);
	outs.extend(["cv1", "cvg", "cvi1", "cvi2", "mp", "mpd", "ap1", "ap0", "ap1d", "gmp", "gap"]);
	// Matrix products: batched with broadcasting, 1-D operands, Gemm transposed with C.
	c(&mut b, "mb", f32t(&[5, 6], ramp(30, 15)));
	b.node("MatMul", &["x", "mb"], &["mm"], vec![]);
	c(&mut b, "mb3", f32t(&[1, 5, 3], ramp(15, 16)));
	b.node("MatMul", &["x", "mb3"], &["mm3"], vec![]);
	c(&mut b, "v4", f32t(&[4], ramp(4, 17)));
	b.node("MatMul", &["v4", "x"], &["mmv"], vec![]);
	b.node("MatMul", &["x", "c5"], &["mmw"], vec![]);
	c(&mut b, "r2", ints(&[20, 6]));
	b.node("Reshape", &["x", "r2"], &["x2d"], vec![]);
	c(&mut b, "gmb", f32t(&[3, 20], ramp(60, 18)));
	c(&mut b, "gc", f32t(&[3], ramp(3, 19)));
	b.node(
		"Gemm",
		&["x2d", "gmb", "gc"],
		&["gemm"],
		vec![
			Attr::Int("transA", 1),
			Attr::Int("transB", 1),
			Attr::Float("alpha", 0.5),
			Attr::Float("beta", 2.0),
		],
	);
	c(&mut b, "gb2", f32t(&[6, 4], ramp(24, 20)));
	c(&mut b, "gc2", f32t(&[20, 1], ramp(20, 21)));
	b.node("Gemm", &["x2d", "gb2", "gc2"], &["gemm2"], vec![]);
	outs.extend(["mm", "mm3", "mmv", "mmw", "gemm", "gemm2"]);
	// Quantization: per-axis QuantizeLinear, QLinearConv with a bias, QLinearMatMul.
	c(&mut b, "qs", f32t(&[3], vec![1.0 / 32.0, 1.0 / 64.0, 1.0 / 16.0]));
	c(&mut b, "qz", Tensor::new(vec![3], TensorData::U8(vec![128, 100, 140])).unwrap());
	b.node("QuantizeLinear", &["x", "qs", "qz"], &["xq"], vec![Attr::Int("axis", 1)]);
	b.node("DequantizeLinear", &["xq", "qs", "qz"], &["xdq"], vec![Attr::Int("axis", 1)]);
	c(&mut b, "s1", scalar(1.0 / 32.0));
	c(&mut b, "z8", Tensor::new(vec![], TensorData::I8(vec![3])).unwrap());
	b.node("QuantizeLinear", &["x", "s1", "z8"], &["xq8"], vec![]);
	let w8: Vec<i8> = (0..24).map(|i| ((i * 29) % 255) as u8 as i8).collect();
	c(&mut b, "w8", Tensor::new(vec![2, 3, 2, 2], TensorData::I8(w8)).unwrap());
	c(&mut b, "ws", f32t(&[2], vec![1.0 / 128.0, 1.0 / 64.0]));
	c(&mut b, "wz", Tensor::new(vec![2], TensorData::I8(vec![0, -2])).unwrap());
	c(&mut b, "ys", scalar(1.0 / 8.0));
	c(&mut b, "yz", Tensor::new(vec![], TensorData::I8(vec![-1])).unwrap());
	c(&mut b, "qb", Tensor::new(vec![2], TensorData::I32(vec![100, -300])).unwrap());
	b.node(
		"QLinearConv",
		&["xq8", "s1", "z8", "w8", "ws", "wz", "ys", "yz", "qb"],
		&["qc"],
		vec![pad1()],
	);
	let m8: Vec<i8> = (0..15).map(|i| ((i * 53) % 255) as u8 as i8).collect();
	c(&mut b, "m8", Tensor::new(vec![5, 3], TensorData::I8(m8)).unwrap());
	c(&mut b, "ms", scalar(1.0 / 64.0));
	b.node("QLinearMatMul", &["xq8", "s1", "z8", "m8", "ms", "z8", "ys", "yz"], &["qmm"], vec![]);
	b.node("MatMulInteger", &["xq8", "m8", "z8", "z8"], &["mmi"], vec![]);
	outs.extend(["xdq", "qc", "qmm", "mmi"]);
	for o in outs {
		b.output(o);
	}
	(b.build(), vec![x])
}

/// A GPT-2-style block for the ops of issue 13: LayerNorm, attention scores with a causal
/// mask built by Less/Equal/Not/And/Or/Xor and applied by Where, Softmax, GELU (erf and tanh)
/// and Erf, comparisons against NaN, -0 and infinities.
fn transformer() -> (Vec<u8>, Vec<Tensor>) {
	let mut b = ModelBuilder::new("transformer", 20);
	let mut x = ramp(4 * 8, 7);
	// Special values where the comparisons differ from the obvious.
	if let [a, z, n, inf, ..] = x.as_mut_slice() {
		(*a, *z, *n, *inf) = (0.0, -0.0, f32::NAN, f32::INFINITY);
	}
	b.input("x", DType::F32, &[4, 8]);
	b.initializer("scale", f32t(&[8], ramp(8, 8)));
	b.initializer("bias", f32t(&[8], ramp(8, 9)));
	b.initializer("wq", f32t(&[8, 8], ramp(64, 10)));
	b.initializer("wk", f32t(&[8, 8], ramp(64, 11)));
	b.initializer("rows", i64t(&[4, 1], vec![0, 1, 2, 3]));
	b.initializer("cols", i64t(&[1, 4], vec![0, 1, 2, 3]));
	b.initializer("neg", f32t(&[], vec![-1e9]));
	b.initializer("zero", f32t(&[], vec![0.0]));
	b.node("LayerNormalization", &["x", "scale", "bias"], &["ln"], vec![]);
	b.node("MatMul", &["ln", "wq"], &["q"], vec![]);
	b.node("MatMul", &["ln", "wk"], &["k"], vec![]);
	b.node("Transpose", &["k"], &["kt"], vec![Attr::Ints("perm", vec![1, 0])]);
	b.node("MatMul", &["q", "kt"], &["scores"], vec![]);
	// The causal mask, by a path through every logic op: col <= row, i.e.
	// (col < row or col == row), xor'ed twice with "col > row" and its negation.
	b.node("Less", &["cols", "rows"], &["lt"], vec![]);
	b.node("Equal", &["cols", "rows"], &["eq"], vec![]);
	b.node("Or", &["lt", "eq"], &["le"], vec![]);
	b.node("Greater", &["cols", "rows"], &["gt"], vec![]);
	b.node("Not", &["gt"], &["ngt"], vec![]);
	b.node("And", &["le", "ngt"], &["both"], vec![]);
	b.node("Xor", &["both", "gt"], &["mask"], vec![]);
	b.node("Where", &["mask", "scores", "neg"], &["masked"], vec![]);
	b.node("Softmax", &["masked"], &["attn"], vec![Attr::Int("axis", -1)]);
	b.node("MatMul", &["attn", "q"], &["ctx"], vec![]);
	b.node("Gelu", &["ctx"], &["gelu"], vec![]);
	b.node("Gelu", &["x"], &["gelu_tanh"], vec![Attr::Str("approximate", "tanh".into())]);
	b.node("Erf", &["x"], &["erf"], vec![]);
	// Float comparisons of the special values, and a float Where.
	b.node("GreaterOrEqual", &["x", "zero"], &["ge"], vec![]);
	b.node("LessOrEqual", &["x", "zero"], &["le0"], vec![]);
	b.node("Equal", &["x", "zero"], &["eq0"], vec![]);
	b.node("Where", &["ge", "erf", "gelu_tanh"], &["picked"], vec![]);
	// Pads by reflection and edge, as wide as reflection allows on three sides.
	b.initializer("pads", i64t(&[4], vec![1, 7, 3, 2]));
	b.node("Pad", &["x", "pads"], &["reflect"], vec![Attr::Str("mode", "reflect".into())]);
	b.node("Pad", &["x", "pads"], &["edge"], vec![Attr::Str("mode", "edge".into())]);
	// The reductions of issue 13, over the rows and over everything.
	let mut outs = vec!["gelu", "picked", "le0", "eq0", "reflect", "edge"];
	for (op, out_rows, out_all) in [
		("ReduceMin", "min_r", "min_a"),
		("ReduceProd", "prod_r", "prod_a"),
		("ReduceSumSquare", "ssq_r", "ssq_a"),
		("ReduceL1", "l1_r", "l1_a"),
		("ReduceL2", "l2_r", "l2_a"),
		("ReduceLogSum", "ls_r", "ls_a"),
		("ReduceLogSumExp", "lse_r", "lse_a"),
	] {
		b.node(op, &["ctx"], &[out_rows], vec![Attr::Ints("axes", vec![1])]);
		b.node(op, &["ctx"], &[out_all], vec![Attr::Int("keepdims", 0)]);
		outs.extend([out_rows, out_all]);
	}
	for o in outs {
		b.output(o);
	}
	(b.build(), vec![f32t(&[4, 8], x)])
}

/// A CNN's head: LRN (AlexNet's and GoogLeNet's settings, and an even window) and the
/// ArgMax/ArgMin of classifiers, over special values (NaN, infinities, ties) and integers;
/// LayerNormalization with its Mean and InvStdDev read.
fn heads() -> (Vec<u8>, Vec<Tensor>) {
	let mut b = ModelBuilder::new("heads", 13);
	let mut x = ramp(2 * 6 * 3 * 3, 12);
	if let [a, z, n, inf, ninf, t1, t2, ..] = x.as_mut_slice() {
		(*a, *z, *n, *inf, *ninf) = (0.0, -0.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY);
		(*t1, *t2) = (0.25, 0.25);
	}
	b.input("x", DType::F32, &[2, 6, 3, 3]);
	b.input("ids", DType::I64, &[2, 5]);
	let lrn = |size: i64, alpha: f32, beta: f32, bias: f32| {
		vec![
			Attr::Int("size", size),
			Attr::Float("alpha", alpha),
			Attr::Float("beta", beta),
			Attr::Float("bias", bias),
		]
	};
	b.node("LRN", &["x"], &["alexnet"], lrn(5, 1e-4, 0.75, 2.0));
	b.node("LRN", &["x"], &["even"], lrn(4, 0.5, 1.5, 1.0));
	b.node("Relu", &["x"], &["relu"], vec![]);
	b.node("LRN", &["relu"], &["googlenet"], lrn(5, 1e-4, 0.75, 1.0));
	// LayerNormalization with its statistics read (output 1 through a node).
	b.initializer("scale", f32t(&[3, 3], ramp(9, 13)));
	b.node(
		"LayerNormalization",
		&["x", "scale"],
		&["ln", "mean", "inv"],
		vec![Attr::Int("axis", 2)],
	);
	b.node("Neg", &["mean"], &["neg_mean"], vec![]);
	let mut outs = vec!["alexnet", "even", "googlenet", "ln", "neg_mean", "inv"];
	for (op, input, out, attrs) in [
		("ArgMax", "x", "max_c", vec![Attr::Int("axis", 1)]),
		(
			"ArgMin",
			"x",
			"min_c_last",
			vec![Attr::Int("axis", 1), Attr::Int("select_last_index", 1)],
		),
		("ArgMax", "even", "max_w", vec![Attr::Int("axis", -1), Attr::Int("keepdims", 0)]),
		("ArgMax", "ids", "max_id", vec![Attr::Int("axis", 1), Attr::Int("select_last_index", 1)]),
		("ArgMin", "ids", "min_id", vec![Attr::Int("keepdims", 0)]),
	] {
		b.node(op, &[input], &[out], attrs);
		outs.push(out);
	}
	for o in outs {
		b.output(o);
	}
	let ids = i64t(&[2, 5], vec![3, -1, 3, 1 << 40, 1 << 40, 7, 7, -9, 0, -9]);
	(b.build(), vec![f32t(&[2, 6, 3, 3], x), ids])
}

/// Resize in every mode: nearest upsampling (integers too, on chosen axes), linear and cubic
/// with their coordinate transformations, antialiased downsampling, a crop with extrapolated
/// positions, and sizes with a kept aspect ratio.
fn resizes() -> (Vec<u8>, Vec<Tensor>) {
	let mut b = ModelBuilder::new("resizes", 19);
	let mut x = ramp(2 * 3 * 5 * 6, 14);
	if let [z, n, inf, ..] = x.as_mut_slice() {
		(*z, *n, *inf) = (-0.0, f32::NAN, f32::INFINITY);
	}
	b.input("x", DType::F32, &[2, 3, 5, 6]).input("q", DType::U8, &[1, 2, 3, 4]);
	let scales = |name: &str, v: [f32; 4]| (name.to_string(), f32t(&[4], v.to_vec()));
	let mut outs = Vec::new();
	for (k, (mode, coords, s, extra)) in [
		("nearest", "half_pixel", [1.0, 1.0, 2.0, 1.5], vec![]),
		(
			"nearest",
			"asymmetric",
			[1.0, 2.0, 0.6, 3.0],
			vec![Attr::Str("nearest_mode", "ceil".into())],
		),
		("linear", "half_pixel", [1.0, 1.0, 1.7, 0.5], vec![]),
		("linear", "align_corners", [1.0, 1.0, 2.0, 2.0], vec![]),
		("linear", "pytorch_half_pixel", [1.0, 1.0, 0.6, 0.4], vec![Attr::Int("antialias", 1)]),
		("cubic", "half_pixel_symmetric", [1.0, 1.0, 1.3, 0.7], vec![]),
		("cubic", "half_pixel", [1.0, 1.0, 0.5, 0.35], vec![Attr::Int("antialias", 1)]),
		(
			"cubic",
			"asymmetric",
			[1.0, 1.0, 2.0, 1.0],
			vec![Attr::Float("cubic_coeff_a", -0.5), Attr::Int("exclude_outside", 1)],
		),
	]
	.into_iter()
	.enumerate()
	{
		let (sname, st) = scales(&format!("s{k}"), s);
		b.initializer(&sname, st);
		let mut attrs = vec![
			Attr::Str("mode", mode.into()),
			Attr::Str("coordinate_transformation_mode", coords.into()),
		];
		attrs.extend(extra);
		let out = format!("r{k}");
		b.node("Resize", &["x", "", &sname], &[&out], attrs);
		outs.push(out);
	}
	// A crop reaching outside the input, by sizes on two axes.
	b.initializer("roi", f32t(&[4], vec![-0.2, 0.1, 0.9, 1.3]));
	b.initializer("crop_sizes", i64t(&[2], vec![4, 7]));
	b.node(
		"Resize",
		&["x", "roi", "", "crop_sizes"],
		&["crop"],
		vec![
			Attr::Str("mode", "linear".into()),
			Attr::Str("coordinate_transformation_mode", "tf_crop_and_resize".into()),
			Attr::Float("extrapolation_value", -7.5),
			Attr::Ints("axes", vec![2, 3]),
		],
	);
	// Integers, nearest, axes in another order, the aspect ratio kept.
	b.initializer("q_sizes", i64t(&[2], vec![9, 5]));
	b.node(
		"Resize",
		&["q", "", "", "q_sizes"],
		&["q_up"],
		vec![
			Attr::Ints("axes", vec![3, 2]),
			Attr::Str("keep_aspect_ratio_policy", "not_larger".into()),
		],
	);
	outs.extend(["crop".to_string(), "q_up".to_string()]);
	for o in &outs {
		b.output(o);
	}
	let q = Tensor::new(vec![1, 2, 3, 4], TensorData::U8((0..24).map(|i| i * 10).collect()));
	(b.build(), vec![f32t(&[2, 3, 5, 6], x), q.unwrap()])
}

/// bfloat16 and the float8 types: every Cast to them (saturating or not, float8e8m0's
/// rounding modes) of float32 edges (NaN, infinities, -0, ties, values past each format's
/// largest), the ops that move them, and Casts back to float32, float16 and int32; a float8
/// graph input.
fn narrow_floats() -> (Vec<u8>, Vec<Tensor>) {
	let mut b = ModelBuilder::new("narrow-floats", 24);
	let mut x = ramp(2 * 8, 15);
	let edges = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0, 464.0, 470.0, 61440.0, 1e-7];
	x[..8].copy_from_slice(&edges);
	b.input("x", DType::F32, &[2, 8]).input("y", DType::F8E5M2, &[4]);
	let casts: [(&str, i64, Vec<Attr>); 8] = [
		("a", 17, vec![]),
		("b", 17, vec![Attr::Int("saturate", 0)]),
		("c", 18, vec![]),
		("d", 19, vec![Attr::Int("saturate", 0)]),
		("e", 20, vec![Attr::Int("saturate", 0)]),
		("m", 24, vec![Attr::Str("round_mode", "nearest".into())]),
		("n", 24, vec![Attr::Str("round_mode", "down".into()), Attr::Int("saturate", 0)]),
		("h", 16, vec![]),
	];
	for (out, to, mut attrs) in casts {
		attrs.push(Attr::Int("to", to));
		b.node("Cast", &["x"], &[out], attrs).output(out);
	}
	b.initializer("idx", i64t(&[3], vec![7, 0, 3]))
		.node("Transpose", &["a"], &["at"], vec![])
		.node("Concat", &["a", "b"], &["ab"], vec![Attr::Int("axis", 0)])
		.node("Gather", &["d", "idx"], &["dg"], vec![Attr::Int("axis", 1)])
		.node("Cast", &["at"], &["back"], vec![Attr::Int("to", 1)])
		.node("Cast", &["h"], &["h16"], vec![Attr::Int("to", 10)])
		.node("Cast", &["e"], &["e32"], vec![Attr::Int("to", 6)])
		.node("Cast", &["y"], &["y32"], vec![Attr::Int("to", 1)]);
	for o in ["at", "ab", "dg", "back", "h16", "e32", "y32"] {
		b.output(o);
	}
	let y = Tensor::new(vec![4], TensorData::F8(DType::F8E5M2, vec![0x7c, 0x7f, 0x80, 0x3b]));
	(b.build(), vec![f32t(&[2, 8], x), y.unwrap()])
}

/// The cases: name, model, inputs, depth.
fn cases() -> Vec<(String, Vec<u8>, Vec<Tensor>, Depth)> {
	let mut v: Vec<(String, Vec<u8>, Vec<Tensor>, Depth)> = vec![
		(
			"mlp".into(),
			zoo::mlp(&[16, 100, 70, 10], 1).unwrap(),
			vec![f32t(&[1, 16], ramp(16, 0))],
			Depth::Full,
		),
		(
			"mlp-784".into(),
			zoo::mlp(&[784, 256, 128, 10], 1).unwrap(),
			vec![f32t(&[1, 784], ramp(784, 1))],
			Depth::Full,
		),
		(
			"lenet".into(),
			zoo::lenet(2).unwrap(),
			vec![f32t(&[1, 1, 28, 28], ramp(784, 2))],
			Depth::Full,
		),
		(
			"qmlp".into(),
			zoo::quantized_mlp(3).unwrap(),
			vec![f32t(&[1, 64], ramp(64, 3))],
			Depth::Full,
		),
		(
			"residual".into(),
			zoo::residual(4).unwrap(),
			vec![f32t(&[1, 96], ramp(96, 4))],
			Depth::Full,
		),
		(
			"gather".into(),
			zoo::gather_table(5).unwrap(),
			vec![i64t(&[3], vec![1, -2, 9])],
			Depth::Full,
		),
		(
			"squeezenet".into(),
			zoo::squeezenet(1).unwrap(),
			vec![f32t(&[1, 3, 224, 224], ramp(3 * 224 * 224, 6))],
			Depth::Sampled,
		),
	];
	let (k, ki) = kitchen();
	v.push(("kitchen".into(), k, ki, Depth::Full));
	let (t, ti) = transformer();
	v.push(("transformer".into(), t, ti, Depth::Full));
	let (h, hi) = heads();
	v.push(("heads".into(), h, hi, Depth::Full));
	let (r, ri) = resizes();
	v.push(("resizes".into(), r, ri, Depth::Full));
	let (n, ni) = narrow_floats();
	v.push(("narrow-floats".into(), n, ni, Depth::Full));
	for family in Family::ALL {
		let (bytes, inputs) = limit_model(family).unwrap();
		v.push((format!("limit-{family:?}"), bytes, inputs, Depth::Sampled));
	}
	v
}

/// Pinned from the engine before its kernels were converted to checked access (issue 10).
/// Name, blake2-256 of the SCALE-encoded canonical graph, trace root of the full run.
#[rustfmt::skip]
const PINS: &[(&str, &str, &str)] = &[
	("mlp", "0x3b87e6c4168a8d0cc695020807454ea7d8505eff44a5b29f8534d7e6827a4c89", "0x6a597afad1de67d6ff97c50d9c874818849a5b6db6a4add6e018f5f3109748fc"),
	("mlp-784", "0xed36fc429646a6aaeed17539d08347161f0577ea4cdf447ea3ef1d0d4be3c60b", "0xe9e068c38052835d31ed0f389d026fe5d422cc723da5df37317dd7c07ac4afe1"),
	("lenet", "0xb9759739811826d0f0528f65e9b967cf0d40df1ca041c9e5932e38829fbd9c45", "0xb308f1fd373dd38cc45cfb98c739ab36414d9898edb4e03ef9f59c623555f7ac"),
	("qmlp", "0xf1ca04e80fa179781cda2e5531cabac2e8b660978687a14702badb9225ef94af", "0xa09ff7874650c704d90a08d7e1aabeaa1dc8b41c41b2a044b7c20ddd8a1afbf8"),
	("residual", "0xbe8f87d5c46f9e885d623f52b7e865c5703b024ca7fa4d8d70bdd87685685db3", "0x416cdd16675091bdd3cc708e0bf0fa681366e83f5f342aaaf18c282467d1b624"),
	("gather", "0xa576af63ca842efa45e00ccb066d2aea78aaceecd7d780b47477ea7cc50fe428", "0xf9fd6b1f6a30abb9a6afa02de2654762ad74b6586cc880ea2c5859a26cb5f6fb"),
	("squeezenet", "0x2b346bec0776b60080a2ab50dcf319e0a682980e036ce39da885ee3d0eead980", "0x122777247b43c267220465ea3bd09b92e79c928bc74c114e54248825e17f29cb"),
	("kitchen", "0x2da934b7b0c205a97bda042a60d94d787c67c7c6deb91bf61fd1ec77c5adafa0", "0x6101d361cac30dc4552add8c9f7c29195cb989094a35c84ca5f84895513751c8"),
	// Pinned when the ops of issue 13 (comparisons, logic, Where, Erf, GELU, pad modes, the
	// other reductions) came in.
	("transformer", "0x8490530a6ea7fc81eaa40f2470ca8fd5d603aa4590aa42d625a07c924fec266f", "0x782b4ae82f88158ba7943253bbab57124ab9d0df759acc875fdf8fe7fa370ab8"),
	// Pinned when LRN, ArgMax, ArgMin and LayerNormalization's statistics came in.
	("heads", "0x49a4cd6040ffbcae631e9c1f89ca90e14802d3d4ca1401e3ee947cafbb619c68", "0xa6244c74eea20824fec449f1ed6efbe95b6d2d30f18bfc0dc76464e94af6f6dd"),
	// Pinned when Resize came in.
	("resizes", "0x4a33c3b999c0b4d15b4b30bfe66376cbfea8c8be8631399461e36a7ab04c2761", "0x3aad0065b358fe7e92c9c44d8ff3b700f8067ee7ed0cb088d3e1d31749a3df03"),
	// Pinned when bfloat16 and the float8 types came in.
	("narrow-floats", "0x4a7c68deab43df35d23e411755a6038d245d0ef3a9f240ab9322ee64900583f5", "0x7de5a9418cb5cf0d910b2107e573fdeec8f06ee795ebc9c993731d1c083586b2"),
	("limit-MatMul", "0x810742581df823fbf15b0b254e7a364de0d5c693a5cd0eb69cadede27c41459a", "0x85dd6d7bb3245b2d28244136cf3931b0d3f5e2256aef720cbef0364a22b1cb33"),
	("limit-QLinearMatMul", "0x7ffe34ace3a66ad610262347c1c633b7369621dbbd3b7319a537e50bf8520acc", "0xded03c4c38a44e671c6cee51fb6a4598925d905e8121bea26366e509daf75305"),
	("limit-Conv", "0x1e898af32c46748acdeecf39eef75c60f60cc450baec83febd657b5f7407511d", "0x0914faba73d82d974241e6c558783b7b1f8aaa7e1e82a5e423be39c723fa3d37"),
	("limit-QLinearConv", "0x2f1f92b207464db2a53e61a199834b9bf145e6742ba6cd84812bff691d2805d0", "0xa94696584d5ec260d8a686c2edf2f47f14e9d9e79d813157e118a268e2027909"),
	("limit-Pool", "0x5f15e5e1f836eda5bc3b0c1319670472ed72c18d05b1a386e3a01e7d0cf9d5d9", "0xab5ff197686adf01aa4e92215928001cfb11601d53bf19296afb5667ab2632a4"),
	("limit-GlobalPool", "0x4f2aff45e05900cb4ea274dbd39ac3945ddf67770618ea62af1b1226019f347b", "0x36c425f90594376fc5e8f07dd13f040273f73806d6965950953c4a16623cd426"),
	("limit-Reduce", "0xd2171a20e58e77123b68963bcb4bf3cc910369616f76df64bcb947c2801a338f", "0xfb7b9d53c80143bda97d92877ddaef4e86dde5cd1166ddc22e4e4e0069153ea6"),
	("limit-Softmax", "0x5a3adec33c7eb1387c9e4ad6378cbb80d00aa87efcf2376c3bb96fc952e795f0", "0x8d380611fc17e4ba26d2d43fd9daa109c7f8ded1de1b1dc668f3774c06496d15"),
	("limit-LayerNorm", "0xfd6173163cf7bdebffe928575f36c8b1a9fd0226f3660c7fe3270b46634e9e39", "0x7fa627087e66a70af7d75f4f1d03be9056d95c436b345e9a9d5f02fa0073b21a"),
];

#[test]
fn golden_bits_of_every_model_and_path() {
	let mut got = Vec::new();
	for (name, bytes, inputs, depth) in cases() {
		let g = Graph::from_onnx(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
		let pins = check_paths(&name, &g, &inputs, depth);
		// Again on a pool's thread, where the split fast paths and hashing run (with
		// `parallel`): the same bits as on one thread.
		let pooled = crate::in_pool(|| check_paths(&name, &g, &inputs, depth));
		assert_eq!((&pins.graph, &pins.root), (&pooled.graph, &pooled.root), "{name}: threads");
		got.push((name, pins));
	}
	// The limit steps (the disputes pallet's priced steps) recompute their honest leaf.
	for family in Family::ALL {
		let step = limit_step(family).unwrap();
		let (verdict, _) = one_step_metered(&step.node, &step.inputs, &step.witness, 0, step.chunk);
		assert_eq!(verdict, Ok(StepVerdict::Computes(step.leaf)), "{family:?}");
	}
	let listing: String = got
		.iter()
		.map(|(n, p)| format!("\t(\"{n}\", \"{}\", \"{}\"),\n", p.graph, p.root))
		.collect();
	assert_eq!(got.len(), PINS.len(), "cases and pins differ; got:\n{listing}");
	for ((name, pins), (pn, pg, pr)) in got.iter().zip(PINS) {
		assert_eq!(name, pn, "got:\n{listing}");
		assert_eq!(
			(pins.graph.as_str(), pins.root.as_str()),
			(*pg, *pr),
			"{name}: the bits changed; got:\n{listing}"
		);
	}
}

/// The fastest of `rounds` timings of `runs` calls of `f`, per call (the round least
/// disturbed by other load on the machine).
fn fastest(rounds: u32, runs: u32, mut f: impl FnMut()) -> std::time::Duration {
	(0..rounds)
		.map(|_| {
			let t = std::time::Instant::now();
			for _ in 0..runs {
				f();
			}
			t.elapsed() / runs.max(1)
		})
		.min()
		.unwrap_or_default()
}

/// Times the full evaluation of the zoo's CNNs and MLP, and each limit family's one-step, each
/// the fastest of several rounds (`VERITY_TIMINGS=<name>` times only the cases whose name
/// contains it).
#[test]
#[ignore = "timing, run by hand in release"]
fn timings() {
	let only = std::env::var("VERITY_TIMINGS").unwrap_or_default();
	let runs = [
		("squeezenet", zoo::squeezenet(1).unwrap(), f32t(&[1, 3, 224, 224], ramp(150_528, 6)), 1),
		("lenet", zoo::lenet(2).unwrap(), f32t(&[1, 1, 28, 28], ramp(784, 2)), 50),
		("mlp-784", zoo::mlp(&[784, 256, 128, 10], 1).unwrap(), f32t(&[1, 784], ramp(784, 1)), 200),
	];
	for (name, bytes, x, n) in runs {
		if !name.contains(only.as_str()) {
			continue;
		}
		let g = Graph::from_onnx(&bytes).unwrap().prepare().unwrap();
		let x = [x];
		let t = fastest(7, n, || {
			g.run(&x, TraceOptions::default()).unwrap();
		});
		std::println!("{name}: full evaluation {t:?}");
	}
	for family in Family::ALL {
		let name = format!("limit {family:?}");
		if !name.contains(only.as_str()) {
			continue;
		}
		let step = limit_step(family).unwrap();
		let t = fastest(15, 1, || {
			one_step_metered(&step.node, &step.inputs, &step.witness, 0, step.chunk).0.unwrap();
		});
		std::println!("{name}: one-step {t:?}");
	}
}
