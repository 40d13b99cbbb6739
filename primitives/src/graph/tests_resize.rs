//! Resize against ONNX's reference implementation (values from `onnx.reference` and ONNX's
//! node tests), and its refusals.

use alloc::{
	string::{String, ToString},
	vec,
	vec::Vec,
};

use super::*;
use crate::{
	onnx::builder::{Attr, ModelBuilder},
	tensor::{DType, Tensor, TensorData},
};

/// A model of one Resize of `x` (`shape`) with constant `scales` or `sizes`.
fn resize(
	opset: i64,
	dtype: DType,
	shape: &[usize],
	scales: Option<Vec<f32>>,
	sizes: Option<Vec<i64>>,
	attrs: Vec<Attr>,
) -> Vec<u8> {
	let mut b = ModelBuilder::new("resize", opset);
	b.input("x", dtype, shape);
	let mut inputs = vec!["x", "", "", ""];
	if let Some(s) = scales {
		b.initializer("scales", Tensor::f32(vec![s.len()], s).unwrap());
		inputs[2] = "scales";
	}
	if let Some(s) = sizes {
		b.initializer("sizes", Tensor::i64(vec![s.len()], s).unwrap());
		inputs[3] = "sizes";
	}
	let inputs: Vec<&str> = inputs.into_iter().rev().skip_while(|n| n.is_empty()).collect();
	let inputs: Vec<&str> = inputs.into_iter().rev().collect();
	b.node("Resize", &inputs, &["y"], attrs).output("y");
	b.build()
}

fn run_f32(model: &[u8], shape: &[usize], x: Vec<f32>) -> (Vec<usize>, Vec<f32>) {
	let g = Graph::from_onnx(model).unwrap();
	let t = g.run(&[Tensor::f32(shape.to_vec(), x).unwrap()], TraceOptions::default()).unwrap();
	let TensorData::F32(v) = t.outputs[0].data() else { panic!("not f32") };
	(t.outputs[0].shape().to_vec(), v.clone())
}

fn refusal(model: &[u8]) -> String {
	Graph::from_onnx(model).unwrap_err().to_string()
}

fn close(got: &[f32], want: &[f32], tol: f32) {
	assert_eq!(got.len(), want.len());
	for (k, (g, w)) in got.iter().zip(want).enumerate() {
		assert!((g - w).abs() <= tol, "element {k}: {g} vs {w}");
	}
}

#[test]
fn linear_and_antialiased_resizes_give_the_references_values() {
	// ONNX's test_resize_upsample_scales_linear: exact in float32.
	let m = resize(
		19,
		DType::F32,
		&[1, 1, 2, 2],
		Some(vec![1.0, 1.0, 2.0, 2.0]),
		None,
		vec![Attr::Str("mode", "linear".into())],
	);
	let (shape, y) = run_f32(&m, &[1, 1, 2, 2], vec![1.0, 2.0, 3.0, 4.0]);
	assert_eq!(shape, [1, 1, 4, 4]);
	#[rustfmt::skip]
	let want = [1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0];
	assert_eq!(y, want);
	// test_resize_downsample_scales_linear_antialias: 4 taps per axis.
	let m = resize(
		19,
		DType::F32,
		&[1, 1, 4, 4],
		Some(vec![1.0, 1.0, 0.6, 0.6]),
		None,
		vec![Attr::Str("mode", "linear".into()), Attr::Int("antialias", 1)],
	);
	let x: Vec<f32> = (1..=16).map(|v| v as f32).collect();
	let (shape, y) = run_f32(&m, &[1, 1, 4, 4], x.clone());
	assert_eq!(shape, [1, 1, 2, 2]);
	close(&y, &[2.875, 4.5, 9.375, 11.0], 1e-6);
	// test_resize_upsample_scales_cubic_align_corners (first row and the corners).
	let m = resize(
		19,
		DType::F32,
		&[1, 1, 4, 4],
		Some(vec![1.0, 1.0, 2.0, 2.0]),
		None,
		vec![
			Attr::Str("mode", "cubic".into()),
			Attr::Str("coordinate_transformation_mode", "align_corners".into()),
		],
	);
	let (shape, y) = run_f32(&m, &[1, 1, 4, 4], x);
	assert_eq!(shape, [1, 1, 8, 8]);
	#[rustfmt::skip]
	let row = [1.0, 1.341_107_8, 1.800_291_5, 2.329_446, 2.670_554, 3.199_708_5, 3.658_892_2, 4.0];
	close(&y[..8], &row, 2e-6);
	close(
		&y[56..],
		&[13.0, 13.341_109, 13.800_292, 14.329_446, 14.670_554, 15.199_708, 15.658_892, 16.0],
		2e-6,
	);
}

#[test]
fn a_crop_extrapolates_and_nearest_copies_integers_on_chosen_axes() {
	// test_resize_tf_crop_and_resize_extrapolation_value.
	let mut b = ModelBuilder::new("crop", 19);
	b.input("x", DType::F32, &[1, 1, 4, 4])
		.initializer(
			"roi",
			Tensor::f32(vec![8], vec![0.0, 0.0, 0.4, 0.6, 1.0, 1.0, 1.2, 1.7]).unwrap(),
		)
		.initializer("sizes", Tensor::i64(vec![4], vec![1, 1, 3, 3]).unwrap())
		.node(
			"Resize",
			&["x", "roi", "", "sizes"],
			&["y"],
			vec![
				Attr::Str("mode", "linear".into()),
				Attr::Str("coordinate_transformation_mode", "tf_crop_and_resize".into()),
				Attr::Float("extrapolation_value", 10.0),
			],
		)
		.output("y");
	let (_, y) = run_f32(&b.build(), &[1, 1, 4, 4], (1..=16).map(|v| v as f32).collect());
	close(&y, &[7.6, 10.0, 10.0, 12.4, 10.0, 10.0, 10.0, 10.0, 10.0], 1e-5);
	// test_resize_upsample_sizes_nearest_axes_3_2, on uint8: copies, in the input's type.
	let m = resize(
		19,
		DType::U8,
		&[1, 1, 2, 2],
		None,
		Some(vec![8, 7]),
		vec![Attr::Ints("axes", vec![3, 2])],
	);
	let g = Graph::from_onnx(&m).unwrap();
	let x = Tensor::new(vec![1, 1, 2, 2], TensorData::U8(vec![1, 2, 3, 255])).unwrap();
	let t = g.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].shape(), &[1, 1, 7, 8]);
	let TensorData::U8(v) = t.outputs[0].data() else { panic!("not u8") };
	let row = |a: u8, b: u8| [a, a, a, a, b, b, b, b];
	let want: Vec<u8> = [1, 1, 1, 1, 3, 3, 3]
		.iter()
		.flat_map(|a| if *a == 1 { row(1, 2) } else { row(3, 255) })
		.collect();
	assert_eq!(v, &want);
}

#[test]
fn resizes_it_cannot_define_or_bound_are_refused_by_name() {
	let linear = || vec![Attr::Str("mode", "linear".into())];
	let s = Some(vec![1.0, 1.0, 2.0, 2.0]);
	let e = refusal(&resize(10, DType::F32, &[1, 1, 2, 2], s.clone(), None, vec![]));
	assert!(e.contains("Resize before opset 11"), "{e}");
	let e = refusal(&resize(19, DType::U8, &[1, 1, 2, 2], s.clone(), None, linear()));
	assert!(e.contains("only nearest resizes integers"), "{e}");
	let e = refusal(&resize(
		19,
		DType::F32,
		&[1, 1, 2, 2],
		s.clone(),
		None,
		vec![Attr::Int("antialias", 1)],
	));
	assert!(e.contains("nearest with antialias"), "{e}");
	let e = refusal(&resize(19, DType::F32, &[1, 1, 2, 2], s, Some(vec![1, 1, 4, 4]), linear()));
	assert!(e.contains("exactly one of scales and sizes"), "{e}");
	// Antialiased downsampling by 40: 82 taps.
	let mut aa = linear();
	aa.push(Attr::Int("antialias", 1));
	let e = refusal(&resize(19, DType::F32, &[1, 1, 80], Some(vec![1.0, 1.0, 0.025]), None, aa));
	assert!(e.contains("needs more than 64 taps"), "{e}");
	// Bilinear to 1024: 1024 positions of two taps and two weights, over what a dispute step
	// holds; refused before any table is computed.
	let e = refusal(&resize(19, DType::F32, &[1, 1, 512], None, Some(vec![1, 1, 1024]), linear()));
	assert!(e.contains("tables of 16384 bytes exceed the 12288"), "{e}");
	// Unchanged axes have no table: 1024 channels (16 KiB if they had one), bilinear to 32 × 32.
	let m =
		resize(13, DType::F32, &[1, 1024, 16, 16], Some(vec![1.0, 1.0, 2.0, 2.0]), None, linear());
	let g = Graph::from_onnx(&m).unwrap();
	let Op::Resize { axes, .. } = &g.nodes[0].op else { panic!("not a Resize") };
	assert_eq!(axes.iter().map(|a| a.index.len()).collect::<Vec<_>>(), [0, 0, 64, 64]);
	let mut cubic = vec![Attr::Str("mode", "cubic".into())];
	cubic.push(Attr::Float("cubic_coeff_a", f32::INFINITY));
	let e = refusal(&resize(19, DType::F32, &[1, 1, 4], Some(vec![1.0, 1.0, 2.0]), None, cubic));
	assert!(e.contains("cubic_coeff_a inf"), "{e}");
	// An empty constant input.
	let mut b = ModelBuilder::new("empty", 19);
	b.initializer("x", Tensor::f32(vec![0, 4], vec![]).unwrap())
		.initializer("sizes", Tensor::i64(vec![2], vec![1, 8]).unwrap())
		.node("Resize", &["x", "", "", "sizes"], &["y"], vec![])
		.output("y");
	let e = refusal(&b.build());
	assert!(e.contains("an empty input [0, 4]"), "{e}");
	let e = refusal(&resize(19, DType::F32, &[1, 1, 4], Some(vec![1.0, 1.0, 0.1]), None, linear()));
	assert!(e.contains("an empty output on axis 2"), "{e}");
	let e = refusal(&resize(19, DType::F32, &[1, 4], Some(vec![1.0, f32::NAN]), None, linear()));
	assert!(e.contains("scales"), "{e}");
}
