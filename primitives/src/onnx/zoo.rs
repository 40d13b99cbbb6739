//! Small models generated in code, with deterministic weights: the demo model, the test
//! models and the benchmark models.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	reason = "generates models for tests, benchmarks and the demo from fixed sizes; never given chain input"
)]

use alloc::{format, string::String, vec, vec::Vec};

use super::builder::{Attr, ModelBuilder};
use crate::tensor::{DType, Tensor, TensorData, TensorError};

/// A deterministic xorshift generator for weights.
pub struct Rng(u64);

impl Rng {
	/// A generator from a seed.
	pub fn new(seed: u64) -> Self {
		Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
	}

	/// The next 64 random bits.
	pub fn next_u64(&mut self) -> u64 {
		let mut x = self.0;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		self.0 = x;
		x
	}

	/// A float uniform in `[-scale, scale)`.
	pub fn float(&mut self, scale: f32) -> f32 {
		((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
	}

	/// `n` floats uniform in `[-scale, scale)`.
	pub fn floats(&mut self, n: usize, scale: f32) -> Vec<f32> {
		(0..n).map(|_| self.float(scale)).collect()
	}
}

/// Weights of `shape`, uniform in `±1/sqrt(fan_in)`.
fn weights(rng: &mut Rng, shape: &[usize], fan_in: usize) -> Result<Tensor, TensorError> {
	let n = shape.iter().product();
	let scale = 1.0 / libm::sqrtf(fan_in as f32);
	Tensor::new(shape.to_vec(), TensorData::F32(rng.floats(n, scale)))
}

/// A multi-layer perceptron `sizes[0] -> sizes[1] -> ... -> sizes[n]` with ReLU between
/// layers and Softmax at the end, batch 1: input `x` of `[1, sizes[0]]`, output `y`.
/// Layers alternate between Gemm and MatMul + Add, to exercise both.
pub fn mlp(sizes: &[usize], seed: u64) -> Result<Vec<u8>, TensorError> {
	let mut rng = Rng::new(seed);
	let mut b = ModelBuilder::new("mlp", 17);
	b.input("x", DType::F32, &[1, sizes[0]]);
	let mut cur = String::from("x");
	for (l, w) in sizes.windows(2).enumerate() {
		let (fi, fo) = (w[0], w[1]);
		let wn = format!("w{l}");
		let bn = format!("b{l}");
		b.initializer(&wn, weights(&mut rng, &[fi, fo], fi)?);
		b.initializer(&bn, weights(&mut rng, &[fo], fi)?);
		let z = format!("z{l}");
		if l % 2 == 0 {
			b.node("Gemm", &[&cur, &wn, &bn], &[&z], vec![]);
		} else {
			let m = format!("m{l}");
			b.node("MatMul", &[&cur, &wn], &[&m], vec![]);
			b.node("Add", &[&m, &bn], &[&z], vec![]);
		}
		cur = if l + 2 < sizes.len() {
			let r = format!("r{l}");
			b.node("Relu", &[&z], &[&r], vec![]);
			r
		} else {
			z
		};
	}
	b.node("Softmax", &[&cur], &["y"], vec![Attr::Int("axis", -1)]);
	b.output("y");
	Ok(b.build())
}

/// A LeNet-5-size CNN on `[1, 1, 28, 28]`: conv 6@5x5 (pad 2) → ReLU → max pool 2 →
/// conv 16@5x5 → ReLU → average pool 2 → flatten → Gemm 120 → ReLU → Gemm 84 → ReLU →
/// Gemm 10 → LogSoftmax. Output `y` of `[1, 10]`.
pub fn lenet(seed: u64) -> Result<Vec<u8>, TensorError> {
	let mut rng = Rng::new(seed);
	let mut b = ModelBuilder::new("lenet", 17);
	b.input("x", DType::F32, &[1, 1, 28, 28]);
	b.initializer("c1w", weights(&mut rng, &[6, 1, 5, 5], 25)?);
	b.initializer("c1b", weights(&mut rng, &[6], 25)?);
	b.initializer("c2w", weights(&mut rng, &[16, 6, 5, 5], 150)?);
	b.initializer("c2b", weights(&mut rng, &[16], 150)?);
	b.initializer("f1w", weights(&mut rng, &[120, 400], 400)?);
	b.initializer("f1b", weights(&mut rng, &[120], 400)?);
	b.initializer("f2w", weights(&mut rng, &[84, 120], 120)?);
	b.initializer("f2b", weights(&mut rng, &[84], 120)?);
	b.initializer("f3w", weights(&mut rng, &[10, 84], 84)?);
	b.initializer("f3b", weights(&mut rng, &[10], 84)?);
	let k5 = || Attr::Ints("kernel_shape", vec![5, 5]);
	let pool = |kind: &'static str| {
		(kind, vec![Attr::Ints("kernel_shape", vec![2, 2]), Attr::Ints("strides", vec![2, 2])])
	};
	b.node("Conv", &["x", "c1w", "c1b"], &["c1"], vec![k5(), Attr::Ints("pads", vec![2, 2, 2, 2])]);
	b.node("Relu", &["c1"], &["r1"], vec![]);
	let (p, a) = pool("MaxPool");
	b.node(p, &["r1"], &["p1"], a);
	b.node("Conv", &["p1", "c2w", "c2b"], &["c2"], vec![k5()]);
	b.node("Relu", &["c2"], &["r2"], vec![]);
	let (p, a) = pool("AveragePool");
	b.node(p, &["r2"], &["p2"], a);
	b.node("Flatten", &["p2"], &["f"], vec![Attr::Int("axis", 1)]);
	b.node("Gemm", &["f", "f1w", "f1b"], &["h1"], vec![Attr::Int("transB", 1)]);
	b.node("Relu", &["h1"], &["a1"], vec![]);
	b.node("Gemm", &["a1", "f2w", "f2b"], &["h2"], vec![Attr::Int("transB", 1)]);
	b.node("Relu", &["h2"], &["a2"], vec![]);
	b.node("Gemm", &["a2", "f3w", "f3b"], &["h3"], vec![Attr::Int("transB", 1)]);
	b.node("LogSoftmax", &["h3"], &["y"], vec![Attr::Int("axis", 1)]);
	b.output("y");
	Ok(b.build())
}

/// Scales are powers of two: then `x / scale` and tract's `x * (1 / scale)` are the same
/// number, and tract agrees with the canonical QuantizeLinear (see `docs/determinism.md`).
///
/// An int8-quantized two-layer classifier on `[1, 64]` floats: QuantizeLinear →
/// QLinearMatMul (64→32) → DequantizeLinear → Relu → QuantizeLinear → MatMulInteger (32→10)
/// → Cast → Mul (scale) → output `y` of `[1, 10]`.
pub fn quantized_mlp(seed: u64) -> Result<Vec<u8>, TensorError> {
	let mut rng = Rng::new(seed);
	let mut b = ModelBuilder::new("qmlp", 13);
	b.input("x", DType::F32, &[1, 64]);
	let i8s = |rng: &mut Rng, shape: &[usize]| {
		let n = shape.iter().product();
		let v: Vec<i8> = (0..n).map(|_| (rng.next_u64() % 255) as i64 as i8).collect();
		Tensor::new(shape.to_vec(), TensorData::I8(v))
	};
	let f = |v: f32| Tensor::f32(vec![], vec![v]);
	let zp_i8 = |v: i8| Tensor::new(vec![], TensorData::I8(vec![v]));
	b.initializer("xs", f(1.0 / 64.0)?);
	b.initializer("xz", zp_i8(0)?);
	b.initializer("w1", i8s(&mut rng, &[64, 32])?);
	b.initializer("w1s", f(1.0 / 128.0)?);
	b.initializer("w1z", zp_i8(0)?);
	b.initializer("h1s", f(1.0 / 16.0)?);
	b.initializer("h1z", zp_i8(-3)?);
	b.initializer("w2", i8s(&mut rng, &[32, 10])?);
	b.initializer("w2z", zp_i8(0)?);
	b.initializer("scale", f(1.0 / 2048.0)?);
	b.node("QuantizeLinear", &["x", "xs", "xz"], &["xq"], vec![]);
	b.node(
		"QLinearMatMul",
		&["xq", "xs", "xz", "w1", "w1s", "w1z", "h1s", "h1z"],
		&["h1q"],
		vec![],
	);
	b.node("DequantizeLinear", &["h1q", "h1s", "h1z"], &["h1"], vec![]);
	b.node("Relu", &["h1"], &["a1"], vec![]);
	b.node("QuantizeLinear", &["a1", "xs", "xz"], &["a1q"], vec![]);
	b.node("MatMulInteger", &["a1q", "w2", "xz", "w2z"], &["acc"], vec![]);
	b.node("Cast", &["acc"], &["accf"], vec![Attr::Int("to", 1)]);
	b.node("Mul", &["accf", "scale"], &["y"], vec![]);
	b.output("y");
	Ok(b.build())
}

/// SqueezeNet 1.1 (the ONNX model zoo's architecture, random weights) on `[1, 3, 224, 224]`:
/// conv 64@3x3/2 → max pool 3/2 → fire ×2 → pool → fire ×2 → pool → fire ×4 → conv 1000@1x1
/// → global average pool → flatten. Output `y` of `[1, 1000]`. An ImageNet-class CNN for the
/// cost model's budget (`docs/cost.md`).
pub fn squeezenet(seed: u64) -> Result<Vec<u8>, TensorError> {
	let mut rng = Rng::new(seed);
	let mut b = ModelBuilder::new("squeezenet-1.1", 13);
	b.input("x", DType::F32, &[1, 3, 224, 224]);
	let mut conv = |b: &mut ModelBuilder, x: &str, name: &str, c_in, c_out, k: usize, attrs| {
		let (w, bias) = (format!("{name}_w"), format!("{name}_b"));
		b.initializer(&w, weights(&mut rng, &[c_out, c_in, k, k], c_in * k * k)?);
		b.initializer(&bias, weights(&mut rng, &[c_out], c_in * k * k)?);
		let (c, r) = (format!("{name}_c"), format!("{name}_r"));
		b.node("Conv", &[x, &w, &bias], &[&c], attrs);
		b.node("Relu", &[&c], &[&r], vec![]);
		Ok::<String, TensorError>(r)
	};
	let pool = |b: &mut ModelBuilder, x: &str, name: &str| {
		let attrs = vec![
			Attr::Ints("kernel_shape", vec![3, 3]),
			Attr::Ints("strides", vec![2, 2]),
			Attr::Int("ceil_mode", 1),
		];
		b.node("MaxPool", &[x], &[name], attrs);
		String::from(name)
	};
	let stride2 = vec![Attr::Ints("strides", vec![2, 2])];
	let mut x = conv(&mut b, "x", "conv1", 3, 64, 3, stride2)?;
	x = pool(&mut b, &x, "pool1");
	let fires: [(usize, usize, usize, bool); 8] = [
		(64, 16, 64, false),
		(128, 16, 64, true),
		(128, 32, 128, false),
		(256, 32, 128, true),
		(256, 48, 192, false),
		(384, 48, 192, false),
		(384, 64, 256, false),
		(512, 64, 256, false),
	];
	for (k, (c_in, s, e, pool_after)) in fires.into_iter().enumerate() {
		let name = format!("fire{}", k + 2);
		let sq = conv(&mut b, &x, &format!("{name}_s"), c_in, s, 1, vec![])?;
		let e1 = conv(&mut b, &sq, &format!("{name}_e1"), s, e, 1, vec![])?;
		let pad = vec![Attr::Ints("pads", vec![1, 1, 1, 1])];
		let e3 = conv(&mut b, &sq, &format!("{name}_e3"), s, e, 3, pad)?;
		let cat = format!("{name}_cat");
		b.node("Concat", &[&e1, &e3], &[&cat], vec![Attr::Int("axis", 1)]);
		x = if pool_after { pool(&mut b, &cat, &format!("{name}_pool")) } else { cat };
	}
	b.node("Dropout", &[&x], &["drop"], vec![]);
	let c10 = conv(&mut b, "drop", "conv10", 512, 1000, 1, vec![])?;
	b.node("GlobalAveragePool", &[&c10], &["gap"], vec![]);
	b.node("Flatten", &["gap"], &["y"], vec![Attr::Int("axis", 1)]);
	b.output("y");
	Ok(b.build())
}

/// A lookup table: `y = table[i]` for `i: i64[3]` taken from the input, over a 10 × 4 `f32`
/// table. An index outside `-10..10` makes the `Gather` node fail on that input (a job that
/// fails because of its inputs).
pub fn gather_table(seed: u64) -> Result<Vec<u8>, TensorError> {
	let mut rng = Rng::new(seed);
	let mut b = ModelBuilder::new("gather-table", 17);
	b.input("i", DType::I64, &[3]);
	b.initializer("table", Tensor::new(vec![10, 4], TensorData::F32(rng.floats(40, 1.0)))?);
	b.node("Gather", &["table", "i"], &["y"], vec![Attr::Int("axis", 0)]);
	b.output("y");
	Ok(b.build())
}

/// A residual block on `[1, 96]`: `h = Relu(x·W0 + b0)`, `z = h·W1 + b1`, `y = Relu(z + h)`,
/// then a Gemm to 10 and Softmax. The skip from `h` to the Add is the residual branch a
/// dispute's locate phase must handle (node `Add` reads a node two steps back).
pub fn residual(seed: u64) -> Result<Vec<u8>, TensorError> {
	let mut rng = Rng::new(seed);
	let mut b = ModelBuilder::new("residual", 17);
	b.input("x", DType::F32, &[1, 96]);
	b.initializer("w0", weights(&mut rng, &[96, 80], 96)?);
	b.initializer("b0", weights(&mut rng, &[80], 96)?);
	b.initializer("w1", weights(&mut rng, &[80, 80], 80)?);
	b.initializer("b1", weights(&mut rng, &[80], 80)?);
	b.initializer("w2", weights(&mut rng, &[80, 10], 80)?);
	b.initializer("b2", weights(&mut rng, &[10], 80)?);
	b.node("Gemm", &["x", "w0", "b0"], &["g0"], vec![]);
	b.node("Relu", &["g0"], &["h"], vec![]);
	b.node("Gemm", &["h", "w1", "b1"], &["z"], vec![]);
	b.node("Add", &["z", "h"], &["s"], vec![]);
	b.node("Relu", &["s"], &["r"], vec![]);
	b.node("Gemm", &["r", "w2", "b2"], &["g2"], vec![]);
	b.node("Softmax", &["g2"], &["y"], vec![Attr::Int("axis", -1)]);
	b.output("y");
	Ok(b.build())
}

/// A GPT-2-style transformer block (random weights) on `x: [1, 64, 128]`: LayerNorm →
/// one causal attention head (Q, K, V and output projections, `QKᵀ / √128`, a `Where` mask,
/// Softmax) → residual → LayerNorm → MLP 128-512-128 with Gelu written with `Erf` →
/// residual. Output `y` of `[1, 64, 128]`.
pub fn transformer_block(seed: u64) -> Result<Vec<u8>, TensorError> {
	const SEQ: usize = 64;
	const D: usize = 128;
	const HIDDEN: usize = 512;
	let mut rng = Rng::new(seed);
	let mut b = ModelBuilder::new("transformer-block", 17);
	b.input("x", DType::F32, &[1, SEQ, D]);
	let scalar = |v: f32| Tensor::f32(vec![1], vec![v]);
	for (name, rows, cols) in [
		("wq", D, D),
		("wk", D, D),
		("wv", D, D),
		("wo", D, D),
		("w1", D, HIDDEN),
		("w2", HIDDEN, D),
	] {
		b.initializer(name, weights(&mut rng, &[rows, cols], rows)?);
	}
	b.initializer("b1", weights(&mut rng, &[HIDDEN], D)?);
	for ln in ["ln1", "ln2"] {
		b.initializer(&format!("{ln}_g"), Tensor::f32(vec![D], vec![1.0; D])?);
		b.initializer(&format!("{ln}_b"), Tensor::f32(vec![D], vec![0.0; D])?);
	}
	let causal = (0..SEQ * SEQ).map(|i| i % SEQ <= i / SEQ).collect();
	b.initializer("causal", Tensor::new(vec![SEQ, SEQ], TensorData::Bool(causal))?);
	b.initializer("scale", scalar(libm::sqrtf(1.0 / D as f32))?);
	b.initializer("masked", scalar(-1e4)?);
	b.initializer("half", scalar(0.5)?);
	b.initializer("one", scalar(1.0)?);
	b.initializer("inv_sqrt2", scalar(core::f32::consts::FRAC_1_SQRT_2)?);
	let ln = vec![Attr::Int("axis", -1)];
	b.node("LayerNormalization", &["x", "ln1_g", "ln1_b"], &["n1"], ln.clone());
	b.node("MatMul", &["n1", "wq"], &["q"], vec![]);
	b.node("MatMul", &["n1", "wk"], &["k"], vec![]);
	b.node("MatMul", &["n1", "wv"], &["v"], vec![]);
	b.node("Transpose", &["k"], &["kt"], vec![Attr::Ints("perm", vec![0, 2, 1])]);
	b.node("MatMul", &["q", "kt"], &["s"], vec![]);
	b.node("Mul", &["s", "scale"], &["ss"], vec![]);
	b.node("Where", &["causal", "ss", "masked"], &["sm"], vec![]);
	b.node("Softmax", &["sm"], &["p"], vec![Attr::Int("axis", -1)]);
	b.node("MatMul", &["p", "v"], &["a"], vec![]);
	b.node("MatMul", &["a", "wo"], &["o"], vec![]);
	b.node("Add", &["x", "o"], &["h"], vec![]);
	b.node("LayerNormalization", &["h", "ln2_g", "ln2_b"], &["n2"], ln);
	b.node("MatMul", &["n2", "w1"], &["f"], vec![]);
	b.node("Add", &["f", "b1"], &["fb"], vec![]);
	b.node("Mul", &["fb", "inv_sqrt2"], &["fs"], vec![]);
	b.node("Erf", &["fs"], &["fe"], vec![]);
	b.node("Add", &["fe", "one"], &["f1"], vec![]);
	b.node("Mul", &["fb", "half"], &["fh"], vec![]);
	b.node("Mul", &["fh", "f1"], &["g"], vec![]);
	b.node("MatMul", &["g", "w2"], &["m"], vec![]);
	b.node("Add", &["h", "m"], &["y"], vec![]);
	b.output("y");
	Ok(b.build())
}

/// ResNet-50 (torchvision's v1.5, batch normalisation folded into the convolutions' biases as
/// an export in eval mode does; random weights) on `[1, 3, 224, 224]`: conv 64@7x7/2 → max
/// pool 3/2 → 3, 4, 6 and 3 bottleneck blocks (1x1, 3x3 with the stage's stride, 1x1 to 4×
/// the width, a projection on each stage's first block, residual Add, Relu) → global average
/// pool → flatten → Gemm 2048→1000. Output `y` of `[1, 1000]`. About 25.5 million weights,
/// 102 MB: more than [`crate::limits::MAX_MODEL_BYTES`], for measuring the engine on a model
/// larger than chain state holds (`verity-node infer --max-model-mib`).
pub fn resnet50(seed: u64) -> Result<Vec<u8>, TensorError> {
	let mut rng = Rng::new(seed);
	let mut b = ModelBuilder::new("resnet-50", 13);
	b.input("x", DType::F32, &[1, 3, 224, 224]);
	// A convolution (with its bias) and, unless `relu` is false, a Relu; the name of its output.
	let mut conv =
		|b: &mut ModelBuilder, x: &str, name: &str, c: [usize; 2], k: usize, s: i64, relu: bool| {
			let [c_in, c_out] = c;
			let (w, bias, y) = (format!("{name}_w"), format!("{name}_b"), format!("{name}_c"));
			b.initializer(&w, weights(&mut rng, &[c_out, c_in, k, k], c_in * k * k)?);
			b.initializer(&bias, weights(&mut rng, &[c_out], c_in * k * k)?);
			let p = (k / 2) as i64;
			let attrs = vec![
				Attr::Ints("kernel_shape", vec![k as i64, k as i64]),
				Attr::Ints("strides", vec![s, s]),
				Attr::Ints("pads", vec![p, p, p, p]),
			];
			b.node("Conv", &[x, &w, &bias], &[&y], attrs);
			if !relu {
				return Ok::<String, TensorError>(y);
			}
			let r = format!("{name}_r");
			b.node("Relu", &[&y], &[&r], vec![]);
			Ok(r)
		};
	let mut x = conv(&mut b, "x", "conv1", [3, 64], 7, 2, true)?;
	let pool = vec![
		Attr::Ints("kernel_shape", vec![3, 3]),
		Attr::Ints("strides", vec![2, 2]),
		Attr::Ints("pads", vec![1, 1, 1, 1]),
	];
	b.node("MaxPool", &[&x], &["pool1"], pool);
	x = String::from("pool1");
	let mut c_in = 64;
	for (stage, (blocks, width)) in [(3, 64), (4, 128), (6, 256), (3, 512)].into_iter().enumerate()
	{
		for block in 0..blocks {
			let name = format!("s{}b{block}", stage + 1);
			let stride = if block == 0 && stage > 0 { 2 } else { 1 };
			let a = conv(&mut b, &x, &format!("{name}_a"), [c_in, width], 1, 1, true)?;
			let m = conv(&mut b, &a, &format!("{name}_m"), [width, width], 3, stride, true)?;
			let z = conv(&mut b, &m, &format!("{name}_z"), [width, 4 * width], 1, 1, false)?;
			let skip = if block == 0 {
				conv(&mut b, &x, &format!("{name}_p"), [c_in, 4 * width], 1, stride, false)?
			} else {
				x.clone()
			};
			let (sum, out) = (format!("{name}_sum"), format!("{name}_out"));
			b.node("Add", &[&z, &skip], &[&sum], vec![]);
			b.node("Relu", &[&sum], &[&out], vec![]);
			x = out;
			c_in = 4 * width;
		}
	}
	b.node("GlobalAveragePool", &[&x], &["gap"], vec![]);
	b.node("Flatten", &["gap"], &["flat"], vec![Attr::Int("axis", 1)]);
	b.initializer("fc_w", weights(&mut rng, &[1000, 2048], 2048)?);
	b.initializer("fc_b", weights(&mut rng, &[1000], 2048)?);
	b.node("Gemm", &["flat", "fc_w", "fc_b"], &["y"], vec![Attr::Int("transB", 1)]);
	b.output("y");
	Ok(b.build())
}
