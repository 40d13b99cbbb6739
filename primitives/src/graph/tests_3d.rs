//! 3-D convolution and pooling (video and volume models): by the element definition, equal to
//! a plain loop in the definition's order, and the same on every evaluation path (full run,
//! element definitions, chunk evaluations, one-step).

use alloc::{vec, vec::Vec};

use super::*;
use crate::{
	onnx::{
		builder::{Attr, ModelBuilder},
		zoo::Rng,
	},
	ops::golden::{check_paths, Depth},
	tensor::{DType, Tensor},
};

/// `x` of `[1, 4, 5, 6, 7]` through Conv 3x2x3 (2 groups, 6 output channels, bias; strides
/// 2,1,2; dilations 1,2,1; pads 1,0,1 / 0,1,1), then MaxPool and AveragePool 2x2x2.
fn model(w: &Tensor, b: &Tensor) -> Vec<u8> {
	let mut m = ModelBuilder::new("conv3d", 13);
	m.input("x", DType::F32, &[1, 4, 5, 6, 7]);
	m.initializer("w", w.clone()).initializer("b", b.clone());
	let conv = vec![
		Attr::Ints("strides", vec![2, 1, 2]),
		Attr::Ints("dilations", vec![1, 2, 1]),
		Attr::Ints("pads", vec![1, 0, 1, 0, 1, 1]),
		Attr::Int("group", 2),
	];
	m.node("Conv", &["x", "w", "b"], &["c"], conv);
	let pool = || {
		vec![Attr::Ints("kernel_shape", vec![2, 2, 2]), Attr::Ints("pads", vec![0, 1, 0, 0, 1, 0])]
	};
	m.node("MaxPool", &["c"], &["mp"], pool());
	m.node("AveragePool", &["c"], &["ap"], pool());
	m.output("c").output("mp").output("ap");
	m.build()
}

#[test]
fn three_d_convolution_and_pooling_follow_their_definitions() {
	let mut rng = Rng::new(3);
	let x = Tensor::f32(vec![1, 4, 5, 6, 7], rng.floats(4 * 5 * 6 * 7, 1.0)).unwrap();
	let w = Tensor::f32(vec![6, 2, 3, 2, 3], rng.floats(6 * 2 * 18, 0.5)).unwrap();
	let b = Tensor::f32(vec![6], rng.floats(6, 0.5)).unwrap();
	let g = Graph::from_onnx(&model(&w, &b)).unwrap();
	check_paths("conv3d", &g, core::slice::from_ref(&x), Depth::Full);
	let out = g.run(core::slice::from_ref(&x), TraceOptions::default()).unwrap().outputs;

	// Output sizes: (5 + 1 - 3) / 2 + 1 = 2, (6 + 1 - 3) / 1 + 1 = 5, (7 + 2 - 3) / 2 + 1 = 4.
	let (xs, ws, bs) = (x.as_f32().unwrap(), w.as_f32().unwrap(), b.as_f32().unwrap());
	let (od, oh, ow) = (2, 5, 4);
	assert_eq!(out[0].shape(), &[1, 6, od, oh, ow]);
	let mut want = Vec::new();
	for m in 0..6 {
		let group = m / 3;
		for (d, h, v) in
			(0..od).flat_map(|d| (0..oh).flat_map(move |h| (0..ow).map(move |v| (d, h, v))))
		{
			let mut s = 0.0f32;
			for ci in 0..2 {
				for (kd, kh, kw) in
					(0..3).flat_map(|a| (0..2).flat_map(move |b| (0..3).map(move |c| (a, b, c))))
				{
					let (id, ih, iw) = (d * 2 + kd, h + kh * 2, v * 2 + kw);
					let (Some(id), Some(ih), Some(iw)) =
						(id.checked_sub(1), Some(ih), iw.checked_sub(1))
					else {
						continue;
					};
					if id >= 5 || ih >= 6 || iw >= 7 {
						continue;
					}
					let c = group * 2 + ci;
					let xv = xs[((c * 5 + id) * 6 + ih) * 7 + iw];
					let wv = ws[(((m * 2 + ci) * 3 + kd) * 2 + kh) * 3 + kw];
					s += xv * wv;
				}
			}
			want.push(s + bs[m]);
		}
	}
	let got: Vec<u32> = out[0].as_f32().unwrap().iter().map(|v| v.to_bits()).collect();
	assert_eq!(got, want.iter().map(|v| v.to_bits()).collect::<Vec<_>>());

	// Pools over [2, 5, 4] with a 2x2x2 window, pads 0,1,0 / 0,1,0: [1, 6, 1, 6, 3].
	let c = out[0].as_f32().unwrap();
	assert_eq!(out[1].shape(), &[1, 6, 1, 6, 3]);
	let mut max = Vec::new();
	for m in 0..6 {
		for (h, v) in (0..6usize).flat_map(|h| (0..3usize).map(move |v| (h, v))) {
			let mut best = f32::NEG_INFINITY;
			for (kd, kh, kw) in
				(0..2).flat_map(|a| (0..2).flat_map(move |b| (0..2).map(move |c| (a, b, c))))
			{
				let Some(ih) = (h + kh as usize).checked_sub(1).filter(|i| *i < oh) else {
					continue;
				};
				best = best.max(c[((m * od + kd) * oh + ih) * ow + v + kw]);
			}
			max.push(best);
		}
	}
	assert_eq!(out[1].as_f32().unwrap(), max.as_slice());
	assert_eq!(out[2].shape(), &[1, 6, 1, 6, 3]);
}
