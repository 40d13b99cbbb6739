//! Kernel tests: known answers (hand-computed or ONNX's documented examples), chunk
//! evaluation equal to full evaluation bit for bit, fast paths equal to element definitions.
#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads best in tests.

use alloc::{vec, vec::Vec};

use super::*;
use crate::tensor::{DType, Tensor, TensorData};

fn vt(t: &Tensor) -> Option<ValueType> {
	Some(ValueType::new(t.dtype(), t.shape().to_vec()))
}

/// Runs `op` on `inputs` with outputs of `outs` types; also checks every chunk of every
/// output against the full result, bit for bit, from its recorded dependencies alone.
pub(super) fn run(op: Op, inputs: &[Option<Tensor>], outs: Vec<ValueType>) -> Vec<Tensor> {
	let in_types: Vec<Option<ValueType>> = inputs.iter().map(|t| t.as_ref().and_then(vt)).collect();
	let types = NodeTypes { inputs: &in_types, outputs: &outs };
	let refs: Vec<Option<&Tensor>> = inputs.iter().map(|t| t.as_ref()).collect();
	let full = eval(&op, &types, &refs).expect("op evaluates");
	let slow = eval_by_elements(&op, &types, &refs).expect("element definition evaluates");
	for (f, s) in full.iter().zip(&slow) {
		assert_eq!(f.to_le_bytes(), s.to_le_bytes(), "fast path differs from the definition");
	}
	for (o, t) in full.iter().enumerate() {
		for c in 0..crate::commitment::chunk_count(t.len()) {
			let deps = chunk_dependencies(&op, &types, &refs, o, c).expect("deps");
			let got = eval_chunk(&op, &types, &deps, o, c).expect("chunk evaluates");
			let want: Vec<Scalar> = crate::commitment::chunk_range(t.len(), c)
				.map(|i| scalar_at(t, i).unwrap())
				.collect();
			let bits = |v: &[Scalar]| {
				v.iter()
					.map(|s| match s {
						Scalar::F(x) => crate::tensor::canonical_f32_bits(*x) as i64,
						Scalar::I(i) => *i,
					})
					.collect::<Vec<_>>()
			};
			assert_eq!(bits(&got), bits(&want), "chunk {c} of output {o}");
			// A witness missing any one dependency is refused.
			if let Some(first) = deps.keys().next().copied() {
				let mut partial = deps.clone();
				partial.remove(&first);
				assert!(eval_chunk(&op, &types, &partial, o, c).is_err());
			}
		}
	}
	full
}

fn f(shape: &[usize], data: &[f32]) -> Option<Tensor> {
	Some(Tensor::f32(shape.to_vec(), data.to_vec()).unwrap())
}

fn i64t(shape: &[usize], data: &[i64]) -> Option<Tensor> {
	Some(Tensor::i64(shape.to_vec(), data.to_vec()).unwrap())
}

pub(super) fn out(dtype: DType, shape: &[usize]) -> Vec<ValueType> {
	vec![ValueType::new(dtype, shape.to_vec())]
}

fn vals(t: &Tensor) -> Vec<f32> {
	t.as_f32().unwrap().to_vec()
}

fn ramp(n: usize, scale: f32) -> Vec<f32> {
	(0..n).map(|i| ((i * 7919) % 23) as f32 * scale - 1.0).collect()
}

fn close(a: &[f32], b: &[f32]) {
	assert_eq!(a.len(), b.len());
	for (x, y) in a.iter().zip(b) {
		assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{a:?} != {b:?}");
	}
}

#[test]
fn unary_ops_match_known_values() {
	let x = f(&[5], &[-2.0, -0.5, 0.0, 0.5, 2.0]);
	let r = |op| vals(&run(Op::Unary(op), &[x.clone()], out(DType::F32, &[5]))[0]);
	assert_eq!(r(UnaryOp::Relu), vec![0.0, 0.0, 0.0, 0.5, 2.0]);
	assert_eq!(r(UnaryOp::Neg), vec![2.0, 0.5, -0.0, -0.5, -2.0]);
	assert_eq!(r(UnaryOp::Abs), vec![2.0, 0.5, 0.0, 0.5, 2.0]);
	assert_eq!(r(UnaryOp::Sign), vec![-1.0, -1.0, 0.0, 1.0, 1.0]);
	close(&r(UnaryOp::Sigmoid), &[0.11920292, 0.37754067, 0.5, 0.62245935, 0.8807971]);
	close(&r(UnaryOp::Tanh), &[-0.9640276, -0.46211717, 0.0, 0.46211717, 0.9640276]);
	close(&r(UnaryOp::Exp), &[0.13533528, 0.60653067, 1.0, 1.6487213, 7.389056]);
	close(
		&r(UnaryOp::Softplus),
		&[0.126_928_05, 0.474_077, core::f32::consts::LN_2, 0.974_077, 2.126_928],
	);
	let alpha = F32Bits::new(0.1);
	close(&r(UnaryOp::LeakyRelu { alpha }), &[-0.2, -0.05, 0.0, 0.5, 2.0]);
	close(
		&r(UnaryOp::Elu { alpha: F32Bits::new(1.0) }),
		&[-0.86466473, -0.39346933, 0.0, 0.5, 2.0],
	);
	// ONNX Selu defaults.
	let selu = UnaryOp::Selu { alpha: F32Bits::new(1.6732632), gamma: F32Bits::new(1.050701) };
	close(&r(selu), &[-1.5201665, -0.69175816, 0.0, 0.5253505, 2.101402]);
	let hs = UnaryOp::HardSigmoid { alpha: F32Bits::new(0.2), beta: F32Bits::new(0.5) };
	close(&r(hs), &[0.1, 0.4, 0.5, 0.6, 0.9]);
	let p = f(&[3], &[1.0, 4.0, 9.0]);
	assert_eq!(
		vals(&run(Op::Unary(UnaryOp::Sqrt), &[p.clone()], out(DType::F32, &[3]))[0]),
		vec![1.0, 2.0, 3.0]
	);
	close(
		&vals(&run(Op::Unary(UnaryOp::Log), &[p], out(DType::F32, &[3]))[0]),
		&[0.0, 1.3862944, 2.1972246],
	);
}

#[test]
fn binary_ops_broadcast() {
	let a = f(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
	let b = f(&[3], &[10.0, 20.0, 30.0]);
	let r = |op| vals(&run(Op::Binary(op), &[a.clone(), b.clone()], out(DType::F32, &[2, 3]))[0]);
	assert_eq!(r(BinaryOp::Add), vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
	assert_eq!(r(BinaryOp::Sub), vec![-9.0, -18.0, -27.0, -6.0, -15.0, -24.0]);
	assert_eq!(r(BinaryOp::Mul), vec![10.0, 40.0, 90.0, 40.0, 100.0, 180.0]);
	close(&r(BinaryOp::Div), &[0.1, 0.1, 0.1, 0.4, 0.25, 0.2]);
	let col = f(&[2, 1], &[2.0, 3.0]);
	let p = run(Op::Binary(BinaryOp::Pow), &[a.clone(), col], out(DType::F32, &[2, 3]));
	assert_eq!(vals(&p[0]), vec![1.0, 4.0, 9.0, 64.0, 125.0, 216.0]);
	let x = f(&[4], &[-2.0, -1.0, 1.0, 2.0]);
	let slope = f(&[1], &[0.25]);
	assert_eq!(
		vals(&run(Op::Binary(BinaryOp::PRelu), &[x, slope], out(DType::F32, &[4]))[0]),
		vec![-0.5, -0.25, 1.0, 2.0]
	);
	// Integers wrap and divide truncating; division by zero gives 0.
	let ia = i64t(&[3], &[7, -7, 5]);
	let ib = i64t(&[3], &[2, 2, 0]);
	let d = run(Op::Binary(BinaryOp::Div), &[ia, ib], out(DType::I64, &[3]));
	assert_eq!(d[0].to_i64_vec().unwrap(), vec![3, -3, 0]);
}

#[test]
fn variadic_and_clip() {
	let a = f(&[3], &[1.0, 5.0, f32::NAN]);
	let b = f(&[3], &[4.0, 2.0, 1.0]);
	let c = f(&[1], &[3.0]);
	let ins = [a, b, c];
	let r = |op| vals(&run(Op::Variadic(op), &ins, out(DType::F32, &[3]))[0]);
	assert_eq!(r(VariadicOp::Sum)[..2], [8.0, 10.0]);
	assert_eq!(r(VariadicOp::Max)[..2], [4.0, 5.0]);
	assert!(r(VariadicOp::Max)[2].is_nan());
	assert_eq!(r(VariadicOp::Min)[..2], [1.0, 2.0]);
	let x = f(&[4], &[-3.0, -1.0, 1.0, 3.0]);
	let clip = Op::Clip { min: Some(F32Bits::new(-2.0)), max: Some(F32Bits::new(2.0)) };
	assert_eq!(
		vals(&run(clip, &[x.clone()], out(DType::F32, &[4]))[0]),
		vec![-2.0, -1.0, 1.0, 2.0]
	);
	let lower = Op::Clip { min: Some(F32Bits::new(0.0)), max: None };
	assert_eq!(vals(&run(lower, &[x], out(DType::F32, &[4]))[0]), vec![0.0, 0.0, 1.0, 3.0]);
}

#[test]
fn matmul_shapes_and_values() {
	let a = f(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
	let b = f(&[3, 2], &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0]);
	assert_eq!(
		vals(&run(Op::MatMul, &[a.clone(), b.clone()], out(DType::F32, &[2, 2]))[0]),
		vec![58.0, 64.0, 139.0, 154.0]
	);
	// 1-D operands.
	let v = f(&[3], &[1.0, 0.0, -1.0]);
	assert_eq!(
		vals(&run(Op::MatMul, &[v.clone(), b.clone()], out(DType::F32, &[2]))[0]),
		vec![-4.0, -4.0]
	);
	assert_eq!(vals(&run(Op::MatMul, &[a.clone(), v], out(DType::F32, &[2]))[0]), vec![-2.0, -2.0]);
	// Batched with broadcasting: [2,1,2,3] x [3,3,2] -> [2,3,2,2].
	let ba = f(&[2, 1, 2, 3], &ramp(12, 0.5));
	let bb = f(&[3, 3, 2], &ramp(18, 0.25));
	let y = run(Op::MatMul, &[ba, bb], out(DType::F32, &[2, 3, 2, 2]));
	assert_eq!(y[0].shape(), &[2, 3, 2, 2]);
	// A large one spans several chunks.
	let big_a = f(&[9, 40], &ramp(360, 0.1));
	let big_b = f(&[40, 30], &ramp(1200, 0.05));
	run(Op::MatMul, &[big_a, big_b], out(DType::F32, &[9, 30]));
}

#[test]
fn gemm_transposes_and_bias() {
	let a = f(&[3, 2], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]); // A^T of [[1,2,3],[4,5,6]]
	let b = f(&[2, 3], &[7.0, 9.0, 11.0, 8.0, 10.0, 12.0]); // B^T of [[7,8],[9,10],[11,12]]
	let c = f(&[2], &[1.0, -1.0]);
	let g = GemmAttrs {
		alpha: F32Bits::new(2.0),
		beta: F32Bits::new(0.5),
		trans_a: true,
		trans_b: true,
	};
	let y = run(Op::Gemm(g), &[a, b, c], out(DType::F32, &[2, 2]));
	assert_eq!(vals(&y[0]), vec![116.5, 127.5, 278.5, 307.5]);
	let a = f(&[5, 70], &ramp(350, 0.1));
	let b = f(&[70, 3], &ramp(210, 0.1));
	let g = GemmAttrs {
		alpha: F32Bits::new(1.0),
		beta: F32Bits::new(1.0),
		trans_a: false,
		trans_b: false,
	};
	run(Op::Gemm(g), &[a, b, None], out(DType::F32, &[5, 3]));
}

#[test]
fn conv_known_answer_and_variants() {
	// ONNX Conv example: 5x5 input 0..24, 3x3 ones kernel, pads 1.
	let x = f(&[1, 1, 5, 5], &(0..25).map(|i| i as f32).collect::<Vec<_>>());
	let w = f(&[1, 1, 3, 3], &[1.0; 9]);
	let attrs = |s: u32, p: u32| ConvAttrs {
		strides: vec![s, s],
		pads_begin: vec![p, p],
		dilations: vec![1, 1],
		group: 1,
	};
	let y =
		run(Op::Conv(attrs(1, 1)), &[x.clone(), w.clone(), None], out(DType::F32, &[1, 1, 5, 5]));
	assert_eq!(
		vals(&y[0]),
		vec![
			12.0, 21.0, 27.0, 33.0, 24.0, 33.0, 54.0, 63.0, 72.0, 51.0, 63.0, 99.0, 108.0, 117.0,
			81.0, 93.0, 144.0, 153.0, 162.0, 111.0, 72.0, 111.0, 117.0, 123.0, 84.0
		]
	);
	let y =
		run(Op::Conv(attrs(1, 0)), &[x.clone(), w.clone(), None], out(DType::F32, &[1, 1, 3, 3]));
	assert_eq!(vals(&y[0]), vec![54.0, 63.0, 72.0, 99.0, 108.0, 117.0, 144.0, 153.0, 162.0]);
	let y = run(Op::Conv(attrs(2, 1)), &[x, w, None], out(DType::F32, &[1, 1, 3, 3]));
	assert_eq!(vals(&y[0]), vec![12.0, 27.0, 24.0, 63.0, 108.0, 81.0, 72.0, 117.0, 84.0]);
	// Groups, bias, dilation, several channels.
	let x = f(&[2, 4, 6, 6], &ramp(288, 0.1));
	let w = f(&[6, 2, 3, 3], &ramp(108, 0.05));
	let b = f(&[6], &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
	let c =
		ConvAttrs { strides: vec![1, 2], pads_begin: vec![2, 1], dilations: vec![2, 1], group: 2 };
	run(Op::Conv(c), &[x, w, b], out(DType::F32, &[2, 6, 6, 3]));
	// Column stride 1 (a patch row is one copied run with zeros around it), column dilation
	// 2 and padding wider than a dilated tap.
	let x = f(&[1, 3, 9, 11], &ramp(297, 0.07));
	let w = f(&[4, 3, 3, 3], &ramp(108, 0.03));
	let c =
		ConvAttrs { strides: vec![2, 1], pads_begin: vec![1, 2], dilations: vec![1, 2], group: 1 };
	run(Op::Conv(c), &[x, w, None], out(DType::F32, &[1, 4, 5, 11]));
	// A non-finite weight takes the row-wise path, which skips padded taps: still the definition.
	let x = f(&[1, 1, 4, 4], &ramp(16, 0.5));
	let mut wv = ramp(9, 0.5);
	wv[0] = f32::INFINITY;
	let c =
		ConvAttrs { strides: vec![1, 1], pads_begin: vec![1, 1], dilations: vec![1, 1], group: 1 };
	let y = run(Op::Conv(c), &[x, f(&[1, 1, 3, 3], &wv), None], out(DType::F32, &[1, 1, 4, 4]));
	assert!(vals(&y[0])[0].is_finite(), "the padded tap of the infinite weight is skipped");
	// 1-D.
	let x = f(&[1, 2, 7], &ramp(14, 0.3));
	let w = f(&[3, 2, 2], &ramp(12, 0.2));
	let c = ConvAttrs { strides: vec![2], pads_begin: vec![1], dilations: vec![1], group: 1 };
	run(Op::Conv(c), &[x, w, None], out(DType::F32, &[1, 3, 4]));
}

#[test]
fn pooling() {
	let x = f(&[1, 1, 4, 4], &(1..=16).map(|i| i as f32).collect::<Vec<_>>());
	let p = |kind, pad: u32, inc| PoolAttrs {
		kind,
		kernel: vec![2, 2],
		strides: vec![2, 2],
		pads_begin: vec![pad, pad],
		pads_end: vec![pad, pad],
		dilations: vec![1, 1],
		count_include_pad: inc,
	};
	let y = run(Op::Pool(p(PoolKind::Max, 0, false)), &[x.clone()], out(DType::F32, &[1, 1, 2, 2]));
	assert_eq!(vals(&y[0]), vec![6.0, 8.0, 14.0, 16.0]);
	let y =
		run(Op::Pool(p(PoolKind::Average, 0, false)), &[x.clone()], out(DType::F32, &[1, 1, 2, 2]));
	assert_eq!(vals(&y[0]), vec![3.5, 5.5, 11.5, 13.5]);
	// Padding: excluded vs included in the divisor.
	let y =
		run(Op::Pool(p(PoolKind::Average, 1, false)), &[x.clone()], out(DType::F32, &[1, 1, 3, 3]));
	assert_eq!(vals(&y[0])[0], 1.0);
	let y =
		run(Op::Pool(p(PoolKind::Average, 1, true)), &[x.clone()], out(DType::F32, &[1, 1, 3, 3]));
	assert_eq!(vals(&y[0])[0], 0.25);
	let g = run(Op::GlobalPool(PoolKind::Average), &[x.clone()], out(DType::F32, &[1, 1, 1, 1]));
	assert_eq!(vals(&g[0]), vec![8.5]);
	let g = run(Op::GlobalPool(PoolKind::Max), &[x], out(DType::F32, &[1, 1, 1, 1]));
	assert_eq!(vals(&g[0]), vec![16.0]);
}

#[test]
fn global_pooling_and_relu_fast_paths_equal_their_definitions() {
	// Two images of 40 channels of 7 x 5 (over one piece of planes), with NaN, infinities,
	// signed zeros and values whose sums depend on the order.
	let n = 2 * 40 * 35;
	let values: Vec<f32> = (0..n)
		.map(|i| match i % 97 {
			0 => f32::NAN,
			1 => f32::INFINITY,
			2 => -0.0,
			_ => ((i * 7919) % 1000) as f32 * 1e-3 - 0.4 + (i % 13) as f32 * 1e4,
		})
		.collect();
	let x = Tensor::f32(vec![2, 40, 7, 5], values).unwrap();
	// `run` compares the fast path with the element definition bit for bit.
	for kind in [PoolKind::Average, PoolKind::Max] {
		let g = run(
			Op::GlobalPool(kind),
			&[Some(x.clone())],
			vec![ValueType::new(DType::F32, vec![2, 40, 1, 1])],
		);
		assert_eq!(g[0].len(), 80);
	}
	// Max pooling with padding, strides and a dilation: windows cut by the edges.
	for (k, st, pad, dil, oh, ow) in [(3, 2, 1, 1, 4, 3), (2, 1, 0, 2, 5, 3), (3, 3, 2, 1, 3, 3)] {
		let attrs = PoolAttrs {
			kind: PoolKind::Max,
			kernel: vec![k, k],
			strides: vec![st, st],
			pads_begin: vec![pad, pad],
			pads_end: vec![pad, pad],
			dilations: vec![dil, dil],
			count_include_pad: false,
		};
		let shape = vec![2, 40, oh, ow];
		let y = run(Op::Pool(attrs), &[Some(x.clone())], vec![ValueType::new(DType::F32, shape)]);
		assert_eq!(y[0].len(), 80 * oh * ow);
	}
	let y = run(
		Op::Unary(UnaryOp::Relu),
		&[Some(x.clone())],
		vec![ValueType::new(DType::F32, vec![2, 40, 7, 5])],
	);
	let y = y[0].as_f32().unwrap();
	assert_eq!(y[2].to_bits(), (-0.0f32).to_bits(), "Relu keeps -0");
	assert!(y[0].is_nan() && y.iter().all(|v| v.is_nan() || *v >= 0.0));
}

#[test]
fn where_fast_path_equals_its_definition_under_broadcast() {
	// An attention mask: cond [1, 1, 4, 4] over scores [2, 3, 4, 4], the other side a scalar
	// -inf; then x broadcast along rows and y in full, with NaN and -0 among the values.
	let mask: Vec<bool> = (0..16).map(|i| i % 4 <= i / 4).collect();
	let cond = Tensor::new(vec![1, 1, 4, 4], TensorData::Bool(mask)).unwrap();
	let scores = f(&[2, 3, 4, 4], &ramp(96, 0.25));
	let ninf = f(&[], &[f32::NEG_INFINITY]);
	let y =
		run(Op::Where, &[Some(cond.clone()), scores.clone(), ninf], out(DType::F32, &[2, 3, 4, 4]));
	let v = vals(&y[0]);
	assert_eq!((v[1], v[4]), (f32::NEG_INFINITY, ramp(96, 0.25)[4]));
	let row = f(&[4], &[f32::NAN, -0.0, 1.5, -2.0]);
	run(Op::Where, &[Some(cond), row, scores], out(DType::F32, &[2, 3, 4, 4]));
}

#[test]
fn softmax_and_libm_ops_split_over_threads_equal_their_definitions() {
	// Rows of 100 (several pieces of rows on the node's threads), with -inf (masked), NaN,
	// an all -inf row; and Erf and Exp over pieces of a weighted map.
	let mut v = ramp(64 * 100, 0.37);
	v[5] = f32::NEG_INFINITY;
	v[250] = f32::NAN;
	v[300..400].iter_mut().for_each(|x| *x = f32::NEG_INFINITY);
	let x = Tensor::f32(vec![64, 100], v).unwrap();
	let cases = [
		(Op::Softmax { axis: 1, log: false }, vec![64, 100]),
		(Op::Unary(UnaryOp::Erf), vec![64, 100]),
		(Op::Unary(UnaryOp::Exp), vec![64, 100]),
	];
	for (op, shape) in cases {
		let in_types = vec![vt(&x)];
		let outs = vec![ValueType::new(DType::F32, shape)];
		let types = NodeTypes { inputs: &in_types, outputs: &outs };
		let refs = [Some(&x)];
		let fast = crate::in_pool(|| eval(&op, &types, &refs)).unwrap();
		let slow = eval_by_elements(&op, &types, &refs).unwrap();
		assert_eq!(fast[0].to_le_bytes(), slow[0].to_le_bytes(), "{op:?}");
	}
}

#[test]
fn binary_ops_with_a_repeated_operand_equal_their_definitions() {
	// A bias over the last axis, over the last two, on either side, under a pool split; and
	// shapes that repeat along a middle axis (the odometer), with NaN, -0 and infinities.
	let mut v = ramp(4 * 60 * 70, 0.5);
	v[3] = f32::NAN;
	v[70] = -0.0;
	v[71] = f32::INFINITY;
	let x = Tensor::f32(vec![4, 60, 70], v).unwrap();
	let cases: [(&[usize], BinaryOp); 5] = [
		(&[70], BinaryOp::Add),
		(&[1, 60, 70], BinaryOp::Mul),
		(&[1, 1, 70], BinaryOp::Sub),
		(&[60, 1], BinaryOp::Div),
		(&[4, 1, 70], BinaryOp::Add),
	];
	for (shape, op) in cases {
		let n: usize = shape.iter().product();
		let mut w = ramp(n, 0.3);
		w[0] = -0.0;
		let w = Tensor::f32(shape.to_vec(), w).unwrap();
		for (a, c) in [(&x, &w), (&w, &x)] {
			let in_types = vec![vt(a), vt(c)];
			let outs = vec![ValueType::new(DType::F32, vec![4, 60, 70])];
			let types = NodeTypes { inputs: &in_types, outputs: &outs };
			let refs = [Some(a), Some(c)];
			let fast = crate::in_pool(|| eval(&Op::Binary(op), &types, &refs)).unwrap();
			let slow = eval_by_elements(&Op::Binary(op), &types, &refs).unwrap();
			assert_eq!(fast[0].to_le_bytes(), slow[0].to_le_bytes(), "{op:?} {shape:?}");
		}
	}
}

#[test]
fn normalisations_and_softmax() {
	// ONNX BatchNormalization example (inference).
	let x = f(&[1, 2, 1, 3], &[-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]);
	let s = f(&[2], &[1.0, 1.5]);
	let b = f(&[2], &[0.0, 1.0]);
	let mean = f(&[2], &[0.0, 3.0]);
	let var = f(&[2], &[1.0, 1.5]);
	let y = run(
		Op::BatchNorm { epsilon: F32Bits::new(1e-5) },
		&[x, s, b, mean, var],
		out(DType::F32, &[1, 2, 1, 3]),
	);
	close(&vals(&y[0]), &[-0.999995, 0.0, 0.999995, -0.22474074, 1.0, 2.2247407]);
	let x = f(&[2, 3], &[1.0, 2.0, 3.0, 1.0, 1.0, 1.0]);
	let y = run(Op::Softmax { axis: 1, log: false }, &[x.clone()], out(DType::F32, &[2, 3]));
	close(&vals(&y[0]), &[0.09003057, 0.24472847, 0.66524096, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]);
	let y = run(Op::Softmax { axis: 1, log: true }, &[x.clone()], out(DType::F32, &[2, 3]));
	close(&vals(&y[0])[..3], &[-2.407606, -1.4076059, -0.40760595]);
	let y = run(Op::Softmax { axis: 0, log: false }, &[x.clone()], out(DType::F32, &[2, 3]));
	close(&vals(&y[0])[..1], &[0.5]);
	let scale = f(&[3], &[1.0, 2.0, 1.0]);
	let bias = f(&[3], &[0.0, 0.0, 1.0]);
	let y = run(
		Op::LayerNorm { axis: 1, epsilon: F32Bits::new(0.0) },
		&[x, scale, bias],
		out(DType::F32, &[2, 3]),
	);
	close(&vals(&y[0])[..3], &[-1.2247449, 0.0, 2.2247449]);
}

#[test]
fn reductions() {
	let x = f(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
	let r = |kind, axes: Vec<u32>, keep, shape: &[usize]| {
		vals(
			&run(Op::Reduce { kind, axes, keepdims: keep }, &[x.clone()], out(DType::F32, shape))
				[0],
		)
	};
	assert_eq!(r(ReduceKind::Sum, vec![1], false, &[2]), vec![6.0, 15.0]);
	assert_eq!(r(ReduceKind::Sum, vec![0], true, &[1, 3]), vec![5.0, 7.0, 9.0]);
	assert_eq!(r(ReduceKind::Mean, vec![0, 1], false, &[]), vec![3.5]);
	assert_eq!(r(ReduceKind::Max, vec![1], true, &[2, 1]), vec![3.0, 6.0]);
}

#[test]
fn movement_ops() {
	let x = f(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
	let t = run(Op::Transpose { perm: vec![1, 0] }, &[x.clone()], out(DType::F32, &[3, 2]));
	assert_eq!(vals(&t[0]), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
	let c = run(
		Op::Concat { axis: 1 },
		&[x.clone(), f(&[2, 1], &[7.0, 8.0])],
		out(DType::F32, &[2, 4]),
	);
	assert_eq!(vals(&c[0]), vec![1.0, 2.0, 3.0, 7.0, 4.0, 5.0, 6.0, 8.0]);
	let outs = vec![ValueType::new(DType::F32, vec![2, 1]), ValueType::new(DType::F32, vec![2, 2])];
	let s = run(Op::Split { axis: 1, splits: vec![1, 2] }, &[x.clone()], outs);
	assert_eq!(vals(&s[0]), vec![1.0, 4.0]);
	assert_eq!(vals(&s[1]), vec![2.0, 3.0, 5.0, 6.0]);
	let sl = run(
		Op::Slice { starts: vec![1, 2], steps: vec![1, -2] },
		&[x.clone()],
		out(DType::F32, &[1, 2]),
	);
	assert_eq!(vals(&sl[0]), vec![6.0, 4.0]);
	let g = run(
		Op::Gather { axis: 0 },
		&[x.clone(), i64t(&[2, 1], &[1, -2])],
		out(DType::F32, &[2, 1, 3]),
	);
	assert_eq!(vals(&g[0]), vec![4.0, 5.0, 6.0, 1.0, 2.0, 3.0]);
	let g =
		run(Op::Gather { axis: 1 }, &[x.clone(), i64t(&[2], &[2, 0])], out(DType::F32, &[2, 2]));
	assert_eq!(vals(&g[0]), vec![3.0, 1.0, 6.0, 4.0]);
	let e = run(Op::Expand, &[f(&[3, 1], &[1.0, 2.0, 3.0])], out(DType::F32, &[2, 3, 2]));
	assert_eq!(vals(&e[0]), vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
	let t = run(Op::Tile, &[f(&[2], &[1.0, 2.0])], out(DType::F32, &[5]));
	assert_eq!(vals(&t[0]), vec![1.0, 2.0, 1.0, 2.0, 1.0]);
	let p = run(
		Op::Pad { pads: vec![1, -1], value: F32Bits::new(9.0) },
		&[x.clone()],
		out(DType::F32, &[3, 2]),
	);
	assert_eq!(vals(&p[0]), vec![9.0, 9.0, 2.0, 3.0, 5.0, 6.0]);
	let r = run(Op::Reshape, &[x.clone()], out(DType::F32, &[3, 2]));
	assert_eq!(vals(&r[0]), vals(x.as_ref().unwrap()));
	let c =
		run(Op::Cast { to: DType::I32 }, &[f(&[3], &[1.7, -1.7, 300.0])], out(DType::I32, &[3]));
	assert_eq!(c[0].to_i64_vec().unwrap(), vec![1, -1, 300]);
	let c = run(Op::Cast { to: DType::U8 }, &[f(&[1], &[300.0])], out(DType::U8, &[1]));
	assert_eq!(c[0].to_i64_vec().unwrap(), vec![44]);
}

#[test]
fn out_of_range_gather_is_an_error_not_a_panic() {
	let x = f(&[2], &[1.0, 2.0]);
	let idx = i64t(&[1], &[2]);
	let in_types = vec![vt(x.as_ref().unwrap()), vt(idx.as_ref().unwrap())];
	let outs = out(DType::F32, &[1]);
	let types = NodeTypes { inputs: &in_types, outputs: &outs };
	let r = eval(&Op::Gather { axis: 0 }, &types, &[x.as_ref(), idx.as_ref()]);
	assert!(matches!(r, Err(KernelError::IndexOutOfRange(_))));
}

#[test]
fn quantized_ops() {
	// ONNX QuantizeLinear example.
	let x = f(&[6], &[0.0, 2.0, 3.0, 1000.0, -254.0, -1000.0]);
	let scale = f(&[], &[2.0]);
	let zp = Some(Tensor::new(vec![], TensorData::U8(vec![128])).unwrap());
	let q =
		run(Op::QuantizeLinear { axis: 1 }, &[x, scale.clone(), zp.clone()], out(DType::U8, &[6]));
	assert_eq!(q[0].to_i64_vec().unwrap(), vec![128, 129, 130, 255, 1, 0]);
	let xq = Some(Tensor::new(vec![4], TensorData::U8(vec![0, 3, 128, 255])).unwrap());
	let d = run(Op::DequantizeLinear { axis: 1 }, &[xq, scale, zp], out(DType::F32, &[4]));
	assert_eq!(vals(&d[0]), vec![-256.0, -250.0, 0.0, 254.0]);
	// MatMulInteger example from the ONNX docs.
	let a = Some(
		Tensor::new(vec![4, 3], TensorData::U8(vec![11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0]))
			.unwrap(),
	);
	let b = Some(Tensor::new(vec![3, 2], TensorData::U8(vec![1, 4, 2, 5, 3, 6])).unwrap());
	let za = Some(Tensor::new(vec![], TensorData::U8(vec![12])).unwrap());
	let zb = Some(Tensor::new(vec![], TensorData::U8(vec![0])).unwrap());
	let y = run(Op::MatMulInteger, &[a, b, za, zb], out(DType::I32, &[4, 2]));
	assert_eq!(y[0].to_i64_vec().unwrap(), vec![-38, -83, -44, -98, -50, -113, -56, -128]);
	// QLinearMatMul example from the ONNX docs.
	let u8t =
		|s: &[usize], d: &[u8]| Some(Tensor::new(s.to_vec(), TensorData::U8(d.to_vec())).unwrap());
	let a = u8t(&[2, 4], &[208, 236, 0, 238, 3, 214, 255, 29]);
	let b = u8t(&[4, 3], &[152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247]);
	let y = run(
		Op::QLinearMatMul,
		&[
			a,
			f(&[], &[0.0066]),
			u8t(&[], &[113]),
			b,
			f(&[], &[0.00705]),
			u8t(&[], &[114]),
			f(&[], &[0.0107]),
			u8t(&[], &[118]),
		],
		out(DType::U8, &[2, 3]),
	);
	assert_eq!(y[0].to_i64_vec().unwrap(), vec![168, 115, 255, 1, 66, 151]);
	// QLinearConv: agrees with the float convolution of the dequantized values, requantized.
	let x = u8t(&[1, 1, 3, 3], &[10, 20, 30, 40, 50, 60, 70, 80, 90]);
	let w = u8t(&[1, 1, 2, 2], &[1, 2, 3, 4]);
	let c =
		ConvAttrs { strides: vec![1, 1], pads_begin: vec![0, 0], dilations: vec![1, 1], group: 1 };
	let y = run(
		Op::QLinearConv(c),
		&[
			x,
			f(&[], &[0.5]),
			u8t(&[], &[10]),
			w,
			f(&[], &[1.0]),
			u8t(&[], &[0]),
			f(&[], &[2.0]),
			u8t(&[], &[5]),
			None,
		],
		out(DType::U8, &[1, 1, 2, 2]),
	);
	// Integer sums 270, 370, 570, 670 scaled by 0.5 * 1 / 2, rounded half to even, + 5.
	assert_eq!(y[0].to_i64_vec().unwrap(), vec![73, 97, 147, 173]);
}

#[test]
fn cast_to_bool_is_true_for_any_non_zero() {
	// ONNX: non-zero (fractions and NaN included) is true; truncating 0.5 to 0 would be false.
	let x = f(&[4], &[0.5, 0.0, -0.25, f32::NAN]);
	let y = run(Op::Cast { to: DType::Bool }, &[x], out(DType::Bool, &[4]));
	assert_eq!(y[0].data(), &TensorData::Bool(vec![true, false, true, true]));
}

#[test]
fn layer_norm_fast_path_equals_the_definition_with_broadcast_scale() {
	let x = f(&[2, 2, 3], &[1.0, 2.0, 3.5, -1.0, 0.25, 8.0, 3.0, 3.0, 1.0, 0.0, -2.0, 5.0]);
	let scale = f(&[3], &[1.0, 0.5, -2.0]);
	let bias = f(&[2, 1], &[0.125, -1.0]);
	// `run` compares the fast path with the element definition bit for bit.
	let y = run(
		Op::LayerNorm { axis: 1, epsilon: F32Bits::new(1e-5) },
		&[x.clone(), scale.clone(), bias],
		out(DType::F32, &[2, 2, 3]),
	);
	assert_eq!(y[0].len(), 12);
	run(
		Op::LayerNorm { axis: 2, epsilon: F32Bits::new(0.0) },
		&[x, scale],
		out(DType::F32, &[2, 2, 3]),
	);
}

#[test]
fn chunk_ranges_past_the_end_are_empty_on_every_target() {
	assert_eq!(crate::commitment::chunk_range(10, usize::MAX), 10..10);
	assert_eq!(crate::commitment::chunk_range(100, 1), 64..100);
}

#[test]
fn keep_all_copies_its_input_and_masks_every_element() {
	let x = f(&[70], &ramp(70, 0.5));
	let outs = vec![ValueType::new(DType::F32, vec![70]), ValueType::new(DType::Bool, vec![70])];
	let y = run(Op::KeepAll, &[x.clone()], outs);
	assert_eq!(y[0], x.unwrap());
	assert_eq!(y[1].data(), &TensorData::Bool(vec![true; 70]));
}
