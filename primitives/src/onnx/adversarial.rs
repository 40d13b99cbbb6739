//! Adversarial models: each built to stall, exhaust or split the chain, and the outcome the
//! cost model must give (refused at import, naming the limit, or imported and run within
//! budget). The primitives' tests import them natively, the node's tests through
//! `verity-node infer`, the wasm runtime and a real dev node.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	reason = "generates models for tests, benchmarks and the demo from fixed sizes; never given chain input"
)]

use alloc::{format, string::String, vec, vec::Vec};

use super::builder::{put_varint, Attr, ModelBuilder};
use crate::{
	cost::Limit,
	tensor::{DType, Tensor, TensorData, TensorError},
};

/// What importing an adversarial model must give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
	/// Refused as over budget, breaking this limit.
	OverBudget(Limit),
	/// Refused as unsupported or invalid (an attribute out of range).
	Refused,
	/// Imported; one run on zero inputs finishes within the budget.
	Runs,
}

/// One adversarial model.
pub struct Case {
	/// A file-name-like name.
	pub name: &'static str,
	/// What it tries.
	pub attack: &'static str,
	/// The ONNX bytes.
	pub bytes: Vec<u8>,
	/// The outcome required.
	pub expect: Expect,
}

fn f32s(shape: &[usize], v: f32) -> Result<Tensor, TensorError> {
	Tensor::f32(shape.to_vec(), vec![v; shape.iter().product()])
}

fn i64s(v: &[i64]) -> Result<Tensor, TensorError> {
	Tensor::i64(vec![v.len()], v.to_vec())
}

/// `y` = the sum of `names`, as two Sum nodes of half each and an Add (a node reads at most
/// 64 inputs).
fn sum_of(b: &mut ModelBuilder, names: &[String]) {
	let (lo, hi) = names.split_at(names.len() / 2);
	let lo: Vec<&str> = lo.iter().map(|s| s.as_str()).collect();
	let hi: Vec<&str> = hi.iter().map(|s| s.as_str()).collect();
	b.node("Sum", &lo, &["s0"], vec![]);
	b.node("Sum", &hi, &["s1"], vec![]);
	b.node("Add", &["s0", "s1"], &["y"], vec![]);
	b.output("y");
}

/// Every adversarial case.
pub fn corpus() -> Result<Vec<Case>, TensorError> {
	let mut out = Vec::new();
	let mut cases = Vec::new();
	let mut case = |name, attack, b: &ModelBuilder, expect| {
		out.push(Case { name, attack, bytes: b.build(), expect })
	};
	let mut case_bytes =
		|name, attack, bytes| cases.push(Case { name, attack, bytes, expect: Expect::Refused });

	// A 2^32-wide pooling window over a folded constant.
	let mut b = ModelBuilder::new("huge-pool-window", 17);
	b.initializer("c", f32s(&[1, 1, 4], 1.0)?);
	b.node(
		"MaxPool",
		&["c"],
		&["y"],
		vec![Attr::Ints("kernel_shape", vec![1 << 32]), Attr::Ints("pads", vec![1 << 32, 1 << 32])],
	);
	b.output("y");
	case("huge-pool-window", "a 2^32-wide pooling window folded at import", &b, Expect::Refused);

	// The widest window the attribute limit allows, folded: work far beyond the fold budget.
	let mut b = ModelBuilder::new("wide-pool-fold", 17);
	b.initializer("c", f32s(&[1, 1, 16], 1.0)?);
	b.node(
		"AveragePool",
		&["c"],
		&["y"],
		vec![
			Attr::Ints("kernel_shape", vec![1 << 22]),
			Attr::Ints("pads", vec![1 << 21, 1 << 21]),
			Attr::Int("count_include_pad", 1),
		],
	);
	b.output("y");
	case(
		"wide-pool-fold",
		"a 4-million-wide pooling window and pads folded at import",
		&b,
		Expect::OverBudget(Limit::FoldWork),
	);

	// LayerNormalization over a 65,536-wide constant row: quadratic by the element definition.
	let mut b = ModelBuilder::new("layer-norm-fold", 17);
	b.input("x", DType::F32, &[1, 1]);
	b.initializer("row", f32s(&[1, 1 << 16], 0.5)?);
	b.initializer("scale", f32s(&[1 << 16], 1.0)?);
	b.node("LayerNormalization", &["row", "scale"], &["n"], vec![Attr::Int("axis", 1)]);
	b.node("ReduceSum", &["n"], &["s"], vec![Attr::Int("keepdims", 1)]);
	b.node("Add", &["x", "s"], &["y"], vec![]);
	b.output("y");
	case(
		"layer-norm-fold",
		"a quadratic reduction over a large constant row, folded at import",
		&b,
		Expect::Runs,
	);

	// The same row as a graph input: each disputed chunk would re-read the row 64 times.
	let mut b = ModelBuilder::new("layer-norm-fan-in", 17);
	b.input("x", DType::F32, &[1, 1 << 16]);
	b.initializer("scale", f32s(&[1 << 16], 1.0)?);
	b.node("LayerNormalization", &["x", "scale"], &["y"], vec![Attr::Int("axis", 1)]);
	b.output("y");
	case(
		"layer-norm-fan-in",
		"a reduction whose one-step re-execution reads millions of elements",
		&b,
		Expect::OverBudget(Limit::ChunkFanIn),
	);

	// ConstantOfShape: four million elements from a 3-byte attribute.
	let mut b = ModelBuilder::new("constant-of-shape", 17);
	b.initializer("shape", i64s(&[1 << 22])?);
	b.node("ConstantOfShape", &["shape"], &["y"], vec![]);
	b.output("y");
	case("constant-of-shape", "a ConstantOfShape blow-up", &b, Expect::Refused);

	// Many ConstantOfShape of the largest folded size: 20 MiB of int64 constants from nothing.
	let mut b = ModelBuilder::new("constant-of-shape-many", 17);
	b.initializer("shape", i64s(&[1 << 16])?);
	let names: Vec<String> = (0..40).map(|k| format!("c{k}")).collect();
	let seven = Attr::Tensor("value", Tensor::i64(vec![1], vec![7])?);
	for n in &names {
		b.node("ConstantOfShape", &["shape"], &[n.as_str()], vec![seven.clone()]);
	}
	sum_of(&mut b, &names);
	case(
		"constant-of-shape-many",
		"many folded ConstantOfShape filling memory at import",
		&b,
		Expect::OverBudget(Limit::FoldWork),
	);

	// A tiny input expanded to 4 million elements and convolved with an 11x11 kernel.
	let mut b = ModelBuilder::new("expand-conv", 17);
	b.input("x", DType::F32, &[1, 1, 1, 1]);
	b.initializer("shape", i64s(&[1, 16, 512, 512])?);
	b.initializer("w", f32s(&[16, 16, 11, 11], 0.01)?);
	b.node("Expand", &["x", "shape"], &["e"], vec![]);
	b.node("Conv", &["e", "w"], &["y"], vec![]);
	b.output("y");
	case(
		"expand-conv",
		"a tiny input expanded and convolved with a large kernel",
		&b,
		Expect::OverBudget(Limit::NodeMemory),
	);

	// A grouped convolution whose group truncates to 1 in 32 bits.
	let mut b = ModelBuilder::new("group-overflow", 17);
	b.input("x", DType::F32, &[1, 2, 4, 4]);
	b.initializer("w", f32s(&[2, 2, 1, 1], 1.0)?);
	b.node("Conv", &["x", "w"], &["y"], vec![Attr::Int("group", (1 << 32) + 1)]);
	b.output("y");
	case("group-overflow", "a grouped conv whose group overflows 32 bits", &b, Expect::Refused);

	// Gather with indices from the input: imported; a bad index is a run error, not a crash.
	let mut b = ModelBuilder::new("gather-input", 17);
	b.input("i", DType::I64, &[3]);
	b.initializer("table", f32s(&[10, 4], 2.0)?);
	b.node("Gather", &["table", "i"], &["y"], vec![Attr::Int("axis", 0)]);
	b.output("y");
	case("gather-input", "Gather indices taken from the input", &b, Expect::Runs);

	// Pads of 2^40 on a constant pad.
	let mut b = ModelBuilder::new("huge-pads", 17);
	b.input("x", DType::F32, &[1, 4]);
	b.initializer("pads", i64s(&[0, 1 << 40, 0, 1 << 40])?);
	b.node("Pad", &["x", "pads"], &["y"], vec![]);
	b.output("y");
	case("huge-pads", "pads far beyond any tensor", &b, Expect::Refused);

	// A Reshape whose target's element count wraps to the input's in 32 bits.
	let mut b = ModelBuilder::new("reshape-wrap", 17);
	b.input("x", DType::F32, &[1, 2]);
	b.initializer("shape", i64s(&[65537, 65535, 2])?);
	b.node("Reshape", &["x", "shape"], &["y"], vec![]);
	b.output("y");
	case("reshape-wrap", "a reshape whose size wraps in 32 bits", &b, Expect::Refused);

	// Five 1024x1024 products: 10 G units of work, over the model budget.
	let mut b = ModelBuilder::new("matmul-chain", 17);
	b.input("x", DType::F32, &[1024, 1024]);
	b.initializer("w", f32s(&[1024, 1024], 0.001)?);
	let mut prev = String::from("x");
	for k in 0..5 {
		let next = format!("h{k}");
		b.node("MatMul", &[prev.as_str(), "w"], &[next.as_str()], vec![]);
		prev = next;
	}
	b.output(&prev);
	case(
		"matmul-chain",
		"a model whose total work exceeds the budget",
		&b,
		Expect::OverBudget(Limit::ModelWork),
	);

	// 80 live 16 MiB intermediates read by one Sum: over a gigabyte alive at once.
	let mut b = ModelBuilder::new("live-memory", 17);
	b.input("x", DType::F32, &[1]);
	b.initializer("shape", i64s(&[1 << 22])?);
	let names: Vec<String> = (0..80).map(|k| format!("e{k}")).collect();
	for n in &names {
		b.node("Expand", &["x", "shape"], &[n.as_str()], vec![]);
	}
	sum_of(&mut b, &names);
	case(
		"live-memory",
		"intermediates that are all alive at once",
		&b,
		Expect::OverBudget(Limit::PeakMemory),
	);

	// A zero-size constant whose other dimensions multiply past 2^32: once wrapped on wasm32
	// (Flatten of it gave [0, 2^32] natively and [0, 0] in the runtime).
	let mut b = ModelBuilder::new("zero-dim-wrap", 17);
	b.input("x", DType::F32, &[2]);
	b.raw_initializer("z", DType::F32, &[0, 65536, 65536], &[]);
	b.node("Flatten", &["z"], &["f"], vec![Attr::Int("axis", 1)]);
	b.node("Shape", &["f"], &["s"], vec![]);
	b.node("Cast", &["s"], &["c"], vec![Attr::Int("to", 1)]);
	b.node("Add", &["x", "c"], &["y"], vec![]);
	b.output("y");
	case("zero-dim-wrap", "a zero-size constant with dimensions past 2^32", &b, Expect::Refused);

	// A graph input dimension of 2^32 + 1 (1 in 32 bits).
	let mut b = ModelBuilder::new("input-dim-wrap", 17);
	b.raw_input("x", DType::F32, &[(1 << 32) + 1]);
	b.node("Relu", &["x"], &["y"], vec![]);
	b.output("y");
	case("input-dim-wrap", "an input dimension that truncates in 32 bits", &b, Expect::Refused);

	// Softmax over an empty axis of a tensor whose other axes are large: an empty output has no
	// element to compute, so no kernel loops over the other axes (its cost is nothing); the
	// rest folds to a constant.
	let mut b = ModelBuilder::new("empty-softmax", 17);
	b.input("x", DType::F32, &[1]);
	b.raw_initializer("e", DType::F32, &[4096, 0, 1024], &[]);
	b.node("Softmax", &["e"], &["s"], vec![Attr::Int("axis", 1)]);
	b.node("Shape", &["s"], &["n"], vec![]);
	b.node("Cast", &["n"], &["c"], vec![Attr::Int("to", 1)]);
	b.node("ReduceSum", &["c"], &["r"], vec![Attr::Int("keepdims", 1)]);
	b.node("Add", &["x", "r"], &["y"], vec![]);
	b.output("y");
	case("empty-softmax", "a kernel over an empty tensor", &b, Expect::Runs);
	// A reduction over that empty axis would make values from nothing: its identity, one per
	// element of the other axes, each counted as output.
	let mut b = ModelBuilder::new("empty-reduce", 17);
	b.raw_initializer("e", DType::F32, &[64, 0, 64], &[]);
	b.input("x", DType::F32, &[64, 1, 64]);
	b.node("ReduceMax", &["e"], &["m"], vec![Attr::Ints("axes", vec![1])]);
	b.node("Add", &["x", "m"], &["y"], vec![]);
	b.output("y");
	case("empty-reduce", "a reduction over an empty set, counted as its output", &b, Expect::Runs);

	// A convolution with zero output channels (its fast path sliced past an empty weight; an
	// empty output now takes no kernel at all).
	let mut b = ModelBuilder::new("conv-zero-channels", 17);
	b.input("x", DType::F32, &[1, 1, 2, 2]);
	b.raw_initializer("w", DType::F32, &[0, 1, 1, 1], &[]);
	b.node("Conv", &["x", "w"], &["y"], vec![]);
	b.node("Relu", &["x"], &["r"], vec![]);
	b.output("y").output("r");
	case("conv-zero-channels", "a convolution with no output channel", &b, Expect::Runs);

	// An int64 bias the fast path dropped and the element definition added.
	let mut b = ModelBuilder::new("conv-int-bias", 17);
	b.input("x", DType::F32, &[1, 1, 2, 2]);
	b.initializer("w", f32s(&[1, 1, 1, 1], 1.0)?);
	b.initializer("b", Tensor::i64(vec![1], vec![5])?);
	b.node("Conv", &["x", "w", "b"], &["y"], vec![]);
	b.output("y");
	case("conv-int-bias", "a bias the two evaluations read differently", &b, Expect::Refused);

	// A LayerNormalization scale that does not broadcast (NaN in one evaluation, an error in
	// the other).
	let mut b = ModelBuilder::new("layer-norm-scale", 17);
	b.input("x", DType::F32, &[2, 4]);
	b.initializer("scale", f32s(&[3], 1.0)?);
	b.node("LayerNormalization", &["x", "scale"], &["y"], vec![Attr::Int("axis", 1)]);
	b.output("y");
	case("layer-norm-scale", "a scale of the wrong shape", &b, Expect::Refused);

	// A million-element constant read as Slice's starts (it was copied once per reading node).
	let mut b = ModelBuilder::new("huge-shape-input", 17);
	b.input("x", DType::F32, &[1, 1]);
	b.initializer("c", Tensor::new(vec![1 << 20], TensorData::U8(vec![0; 1 << 20]))?);
	b.node("Slice", &["x", "c", "c"], &["y"], vec![]);
	b.output("y");
	case("huge-shape-input", "a huge constant as a shape-like input", &b, Expect::Refused);

	// Outputs nothing reads: freed at once (they once lived to the end of the run).
	let mut b = ModelBuilder::new("dead-outputs", 17);
	b.input("x", DType::F32, &[1, 1 << 18]);
	for k in 0..20 {
		let o = format!("d{k}");
		b.node("Relu", &["x"], &[o.as_str()], vec![]);
	}
	b.node("Neg", &["x"], &["y"], vec![]);
	b.output("y");
	case("dead-outputs", "many outputs nothing reads", &b, Expect::Runs);

	// An Einsum equation of 100,000 commas: 100,000 terms if it were parsed.
	let mut b = ModelBuilder::new("einsum-long-equation", 17);
	b.input("x", DType::F32, &[2]);
	b.node("Einsum", &["x"], &["y"], vec![Attr::Str("equation", ",".repeat(100_000))]);
	b.output("y");
	case("einsum-long-equation", "an Einsum equation parsed into many terms", &b, Expect::Refused);

	// 1025 Einsums of two canonical nodes each: past the node limit only once rewritten.
	let mut b = ModelBuilder::new("einsum-node-blowup", 17);
	b.input("a", DType::F32, &[2, 2]).input("b", DType::F32, &[2, 2]);
	for k in 0..1025 {
		let y = format!("y{k}");
		b.node(
			"Einsum",
			&["a", "b"],
			&[y.as_str()],
			vec![Attr::Str("equation", "ji,jk->ik".into())],
		);
		b.output(&y);
	}
	case("einsum-node-blowup", "Einsums that rewrite past the node limit", &b, Expect::Refused);

	// Range from 0 to 2^63 - 1: refused by its length before anything is allocated.
	let mut b = ModelBuilder::new("range-huge", 17);
	b.initializer("start", Tensor::i64(vec![], vec![0])?);
	b.initializer("limit", Tensor::i64(vec![], vec![i64::MAX])?);
	b.initializer("delta", Tensor::i64(vec![], vec![1])?);
	b.node("Range", &["start", "limit", "delta"], &["y"], vec![]);
	b.output("y");
	case("range-huge", "a Range of 2^63 elements folded at import", &b, Expect::Refused);

	// A 3-D convolution with a 40 × 40 × 40 kernel: a dispute step would read 8 million.
	let mut b = ModelBuilder::new("conv3d-fan-in", 17);
	b.input("x", DType::F32, &[1, 1, 48, 48, 48]);
	b.initializer("w", f32s(&[1, 1, 40, 40, 40], 0.5)?);
	b.node("Conv", &["x", "w"], &["y"], vec![]);
	b.output("y");
	case(
		"conv3d-fan-in",
		"a 3-D kernel whose one-step reads millions",
		&b,
		Expect::OverBudget(Limit::ChunkFanIn),
	);

	// A small 3-D convolution: by the element definition, within budget.
	let mut b = ModelBuilder::new("conv3d", 17);
	b.input("x", DType::F32, &[1, 2, 6, 6, 6]);
	b.initializer("w", f32s(&[3, 2, 3, 3, 3], 0.5)?);
	b.node("Conv", &["x", "w"], &["y"], vec![]);
	b.output("y");
	case("conv3d", "a 3-D convolution, evaluated by its element definition", &b, Expect::Runs);

	// 900,000 empty attributes on one node: 1.8 MB of wire, hundreds of MB decoded.
	let mut node = Vec::new();
	for _ in 0..900_000 {
		node.extend_from_slice(&[0x2a, 0x00]);
	}
	delimited(&mut node, 4, b"Relu");
	delimited(&mut node, 1, b"x");
	delimited(&mut node, 2, b"y");
	case_bytes("decoder-amplification", "a compact wire form that decodes huge", model_of(&node));

	out.extend(cases);
	Ok(out)
}

/// Appends protobuf field `field` holding `body` (length-delimited) to `out`.
fn delimited(out: &mut Vec<u8>, field: u64, body: &[u8]) {
	put_varint(out, (field << 3) | 2);
	put_varint(out, body.len() as u64);
	out.extend_from_slice(body);
}

/// A model of one graph holding `node`, with graph input `x` of `[1]` and output `y`.
fn model_of(node: &[u8]) -> Vec<u8> {
	let mut b = ModelBuilder::new("raw", 17);
	b.input("x", DType::F32, &[1]);
	b.output("y");
	// The builder's model with one node spliced into its graph (field 7, then node field 1).
	let mut graph = Vec::new();
	delimited(&mut graph, 1, node);
	let built = b.build();
	let mut model = Vec::new();
	delimited(&mut model, 7, &graph);
	// Protobuf merges repeated occurrences of the graph message: the builder's graph (inputs,
	// outputs) and this one (the node) form one graph.
	model.extend_from_slice(&built);
	model
}

/// Models whose import folds constants up to the whole fold budget, each through another kind
/// of kernel (by its element definition, the slowest per unit of work): the candidates for the
/// worst folding a registration can do. `examples/fold.rs` times each; [`worst_fold`] is the
/// slowest per unit.
pub fn fold_heavy() -> Result<Vec<(&'static str, Vec<u8>)>, TensorError> {
	let mut out = Vec::new();
	// Rank-8 transposes of a 65,536-element constant, chained.
	let mut b = ModelBuilder::new("fold-transpose", 17);
	b.input("x", DType::F32, &[1]);
	b.initializer("c0", f32s(&[2, 2, 2, 2, 4, 4, 8, 8], 0.5)?);
	let perm = Attr::Ints("perm", vec![7, 6, 5, 4, 3, 2, 1, 0]);
	for k in 0..5 {
		let (i, o) = (format!("c{k}"), format!("c{}", k + 1));
		b.node("Transpose", &[i.as_str()], &[o.as_str()], vec![perm.clone()]);
	}
	tail(&mut b, "c5");
	out.push(("transpose", b.build()));
	// 1-D convolutions (no fast path) of a constant, 1x1 kernels over 16 channels.
	let mut b = ModelBuilder::new("fold-conv1d", 17);
	b.input("x", DType::F32, &[1]);
	b.initializer("c", f32s(&[1, 16, 256], 0.5)?);
	b.initializer("w", f32s(&[64, 16, 1], 0.25)?);
	b.node("Conv", &["c", "w"], &["y0"], vec![]);
	tail(&mut b, "y0");
	out.push(("conv1d", b.build()));
	// 1-D pooling (no fast path) with an 8-wide window.
	// (The constant comes from a ConstantOfShape: the model stays a few hundred bytes.)
	let mut b = ModelBuilder::new("fold-pool1d", 17);
	b.input("x", DType::F32, &[1]);
	b.initializer("shape", i64s(&[1, 1, 16384])?);
	b.node("ConstantOfShape", &["shape"], &["c"], vec![]);
	let attrs = vec![
		Attr::Ints("kernel_shape", vec![8]),
		Attr::Ints("pads", vec![4, 3]),
		Attr::Int("count_include_pad", 1),
	];
	for k in 0..2 {
		let o = format!("p{k}");
		b.node("AveragePool", &["c"], &[o.as_str()], attrs.clone());
	}
	b.node("Add", &["p0", "p1"], &["p"], vec![]);
	tail(&mut b, "p");
	out.push(("pool1d", b.build()));
	// Integer reductions over six of eight axes.
	let mut b = ModelBuilder::new("fold-reduce", 17);
	b.input("x", DType::F32, &[1]);
	b.initializer("c", Tensor::i64(vec![2, 2, 2, 2, 4, 4, 8, 32], vec![3; 65536])?);
	b.initializer("axes", i64s(&[1, 2, 3, 4, 5, 6])?);
	for k in 0..1 {
		let o = format!("r{k}");
		b.node("ReduceSum", &["c", "axes"], &[o.as_str()], vec![]);
	}
	b.node("Identity", &["r0"], &["r"], vec![]);
	b.node("Cast", &["r"], &["rf"], vec![Attr::Int("to", 1)]);
	tail(&mut b, "rf");
	out.push(("reduce", b.build()));
	Ok(out)
}

/// `y = x + ReduceSum(folded)`: keeps one node, so the folded constant is used.
fn tail(b: &mut ModelBuilder, folded: &str) {
	b.node("ReduceSum", &[folded], &["s"], vec![Attr::Int("keepdims", 0)]);
	b.node("Add", &["x", "s"], &["y"], vec![]);
	b.output("y");
}

/// The fold-heavy model that is slowest per unit of fold work (1-D pooling by its element
/// definition, 14 ns per unit natively against 7–11 for the others, measured with
/// `cargo run --release -p verity-primitives --example fold`): the registration benchmark
/// registers it, so the `register` weight covers the worst folding the budget allows.
pub fn worst_fold() -> Result<Vec<u8>, TensorError> {
	fold_heavy()?
		.into_iter()
		.find(|(name, _)| *name == "pool1d")
		.map(|(_, b)| b)
		.ok_or(TensorError::TooManyElements)
}
