//! The quantized operators, tract vs canonical.
//!
//! tract's QuantizeLinear with a scalar scale computes `round_half_even(x * (1 / scale))`
//! (tract-onnx 0.23.9 `ops/quant.rs`, `scale.recip()`), whereas ONNX (and the canonical
//! kernel) computes `round_half_even(x / scale)`. The two differ by one where `x / scale` is
//! within an ulp of a half-integer, which decimal scales such as 0.02 make common. These tests
//! pin that divergence, check that [`LoadedModel::run_both`] reports it rather than picking an
//! answer, and check that the other quantized ops agree exactly.

mod common;

use common::*;
use verity_engine::{EngineError, LoadedModel};
use verity_primitives::{
	onnx::{builder::ModelBuilder, zoo::Rng},
	tensor::{DType, Tensor, TensorData},
};

fn f32s(v: f32) -> Tensor {
	Tensor::f32(vec![], vec![v]).unwrap()
}

fn i8s(v: i8) -> Tensor {
	Tensor::new(vec![], TensorData::I8(vec![v])).unwrap()
}

#[test]
fn quantize_linear_ties_differ_and_are_reported() {
	let mut b = ModelBuilder::new("q", 13);
	b.input("x", DType::F32, &[1, 4]);
	b.initializer("s", f32s(0.02));
	b.initializer("z", i8s(0));
	b.node("QuantizeLinear", &["x", "s", "z"], &["y"], vec![]);
	b.output("y");
	let model = load(&b.build());
	let x = vec![2.45f32, 1.45, 0.97, 0.3];
	let inputs = vec![Tensor::f32(vec![1, 4], x.clone()).unwrap()];

	let canonical = model.run_canonical(&inputs, false).unwrap().outputs.remove(0);
	let tract = model.run_tract(&inputs).unwrap().remove(0);
	// The ONNX definition, in f32: x / scale, rounded half to even.
	let spec: Vec<i8> = x.iter().map(|x| (x / 0.02f32).round_ties_even() as i8).collect();
	let recip: Vec<i8> = x.iter().map(|x| (x * 0.02f32.recip()).round_ties_even() as i8).collect();
	assert_eq!(spec, [123, 73, 49, 15]);
	assert_eq!(recip, [122, 72, 48, 15]);
	assert_eq!(canonical.data(), &TensorData::I8(spec));
	assert_eq!(tract.data(), &TensorData::I8(recip));

	match model.run_both(&inputs).unwrap_err() {
		EngineError::Mismatch { output: 0, index: 0, canonical, tract, max_abs_diff, .. } => {
			assert_eq!((canonical, tract, max_abs_diff), (123.0, 122.0, 1.0));
		},
		e => panic!("{e:?}"),
	}
}

#[test]
fn quantized_zoo_model_agrees_within_tolerance() {
	// Its scales are powers of two, so QuantizeLinear's division and tract's multiplication
	// by the reciprocal give the same number (the test above shows where they differ).
	let model = load(&qmlp_bytes());
	let mut worst = 0.0f64;
	for seed in 0..8 {
		let inputs = random_inputs(&model, 100 + seed, 1.0);
		let both = model.run_both(&inputs).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
		worst = worst.max(both.max_abs_diff);
	}
	println!("quantized mlp: max |canonical - tract| over 8 inputs = {worst:e}");
	assert!(worst <= 1e-4, "{worst}");
}

/// QLinearMatMul alone (the zoo's first layer) on random int8 inputs, which hit many
/// requantization ties: exact agreement.
#[test]
fn qlinear_matmul_agrees_exactly() {
	let mut rng = Rng::new(1);
	let w: Vec<i8> = (0..64 * 32).map(|_| (rng.next_u64() % 255) as i64 as i8).collect();
	let mut b = ModelBuilder::new("qmm", 13);
	b.input("xq", DType::I8, &[1, 64]);
	b.initializer("xs", f32s(0.02));
	b.initializer("xz", i8s(0));
	b.initializer("w", Tensor::new(vec![64, 32], TensorData::I8(w)).unwrap());
	b.initializer("ws", f32s(0.01));
	b.initializer("wz", i8s(0));
	b.initializer("ys", f32s(0.05));
	b.initializer("yz", i8s(-3));
	b.node("QLinearMatMul", &["xq", "xs", "xz", "w", "ws", "wz", "ys", "yz"], &["y"], vec![]);
	b.output("y");
	let model = LoadedModel::load(&b.build()).unwrap();
	let mut r = Rng::new(5);
	for _ in 0..200 {
		let a: Vec<i8> = (0..64).map(|_| (r.next_u64() % 61) as i8 - 30).collect();
		let inputs = vec![Tensor::new(vec![1, 64], TensorData::I8(a)).unwrap()];
		assert_eq!(model.run_both(&inputs).unwrap().max_abs_diff, 0.0);
	}
}

/// MatMulInteger → Cast → Mul (the zoo's second layer) on random int8 inputs.
#[test]
fn matmul_integer_agrees_exactly() {
	let mut rng = Rng::new(2);
	let w: Vec<i8> = (0..32 * 10).map(|_| rng.next_u64() as i8).collect();
	let mut b = ModelBuilder::new("mmi", 13);
	b.input("a", DType::I8, &[1, 32]);
	b.initializer("w", Tensor::new(vec![32, 10], TensorData::I8(w)).unwrap());
	b.initializer("az", i8s(0));
	b.initializer("wz", i8s(3));
	b.initializer("scale", f32s(0.0005));
	b.node("MatMulInteger", &["a", "w", "az", "wz"], &["acc"], vec![]);
	b.output("acc");
	let model = LoadedModel::load(&b.build()).unwrap();
	let mut r = Rng::new(5);
	for _ in 0..200 {
		let a: Vec<i8> = (0..32).map(|_| r.next_u64() as i8).collect();
		let inputs = vec![Tensor::new(vec![1, 32], TensorData::I8(a)).unwrap()];
		let both = model.run_both(&inputs).unwrap();
		assert_eq!(both.tract_outputs[0].dtype(), DType::I32);
		assert_eq!(both.max_abs_diff, 0.0);
	}
}
