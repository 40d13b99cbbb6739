//! Range: folded from constant operands, exact for integers, ONNX's float32 definition, and
//! refused with its cause when an operand is not a constant, a delta is 0 or the length is
//! over the folding limit.

use alloc::{string::ToString, vec, vec::Vec};

use super::*;
use crate::{
	limits::MAX_FOLD_ELEMENTS,
	onnx::builder::ModelBuilder,
	tensor::{DType, Tensor, TensorData},
};

/// `y = x + Range(start, limit, delta)` over `x` of `[n]`; `Err` is the import's refusal.
fn range_plus_x(operands: [Tensor; 3], n: usize) -> Result<Graph, GraphError> {
	let dtype = operands[0].dtype();
	let mut b = ModelBuilder::new("range", 13);
	b.input("x", dtype, &[n]);
	for (name, t) in ["start", "limit", "delta"].into_iter().zip(operands) {
		b.initializer(name, t);
	}
	b.node("Range", &["start", "limit", "delta"], &["r"], vec![]);
	b.node("Add", &["x", "r"], &["y"], vec![]);
	b.output("y");
	Graph::from_onnx(&b.build())
}

/// The folded Range a graph of [`range_plus_x`] holds.
fn folded(g: &Graph) -> TensorData {
	assert_eq!(g.nodes.len(), 1, "Range folds; only the Add stays");
	let (_, bytes) = &g.constants[0];
	bytes.to_tensor().unwrap().data().clone()
}

fn f32s(v: [f32; 3]) -> [Tensor; 3] {
	v.map(|x| Tensor::f32(vec![], vec![x]).unwrap())
}

fn i64s(v: [i64; 3]) -> [Tensor; 3] {
	v.map(|x| Tensor::i64(vec![], vec![x]).unwrap())
}

#[test]
fn float_ranges_follow_onnx() {
	let g = range_plus_x(f32s([1.0, 5.0, 2.0]), 2).unwrap();
	assert_eq!(folded(&g), TensorData::F32(vec![1.0, 3.0]));
	let g = range_plus_x(f32s([10.0, 4.0, -3.0]), 2).unwrap();
	assert_eq!(folded(&g), TensorData::F32(vec![10.0, 7.0]));
	// Element k is start + k·delta (two roundings), not a running sum.
	let g = range_plus_x(f32s([0.0, 1.0, 0.1]), 10).unwrap();
	let want: Vec<f32> = (0..10).map(|k| 0.0 + (k as f32) * 0.1).collect();
	assert_eq!(folded(&g), TensorData::F32(want));
	// float16: computed as float32, each element rounded once.
	let h = |x: f32| crate::float16::f32_to_f16(x);
	let f16s = [0.0, 1.0, 0.1].map(|x| Tensor::new(vec![], TensorData::F16(vec![h(x)])).unwrap());
	// float16's 0.1 is 0.0999756: eleven steps fall short of 1.
	let g = range_plus_x(f16s, 11).unwrap();
	let d = crate::float16::f16_to_f32(h(0.1));
	assert_eq!(folded(&g), TensorData::F16((0..11).map(|k| h((k as f32) * d)).collect()));
	// An empty range: limit on the wrong side.
	let g = range_plus_x(f32s([3.0, 1.0, 1.0]), 0).unwrap();
	assert_eq!(folded(&g), TensorData::F32(vec![]));
	let run = g.run(&[Tensor::f32(vec![0], vec![]).unwrap()], TraceOptions::default()).unwrap();
	assert_eq!(run.outputs[0].shape(), &[0]);
}

#[test]
fn integer_ranges_are_exact_over_the_whole_type() {
	let g = range_plus_x(i64s([10, 4, -3]), 2).unwrap();
	assert_eq!(folded(&g), TensorData::I64(vec![10, 7]));
	let g = range_plus_x(i64s([-5, 5, 3]), 4).unwrap();
	assert_eq!(folded(&g), TensorData::I64(vec![-5, -2, 1, 4]));
	// limit - start is 2^64 - 1: no wrap, four steps of 2^62.
	let g = range_plus_x(i64s([i64::MIN, i64::MAX, 1 << 62]), 4).unwrap();
	assert_eq!(folded(&g), TensorData::I64(vec![i64::MIN, -(1 << 62), 0, 1 << 62]));
	let i32s =
		[i32::MAX - 2, i32::MAX, 1].map(|x| Tensor::new(vec![], TensorData::I32(vec![x])).unwrap());
	let g = range_plus_x(i32s, 2).unwrap();
	assert_eq!(folded(&g), TensorData::I32(vec![i32::MAX - 2, i32::MAX - 1]));
	let i16s = [0i16, -7, -2].map(|x| Tensor::new(vec![], TensorData::I16(vec![x])).unwrap());
	let g = range_plus_x(i16s, 4).unwrap();
	assert_eq!(folded(&g), TensorData::I16(vec![0, -2, -4, -6]));
	// The graph's declared length is the computed one.
	assert!(range_plus_x(i64s([0, 10, 3]), 3).is_err());
	assert!(range_plus_x(i64s([0, 10, 3]), 4).is_ok());
}

#[test]
fn bad_ranges_are_refused_with_their_cause() {
	let refusal = |r: Result<Graph, GraphError>| r.unwrap_err().to_string();
	assert!(refusal(range_plus_x(i64s([0, 10, 0]), 1)).contains("delta is 0"));
	assert!(refusal(range_plus_x(f32s([0.0, 10.0, 0.0]), 1)).contains("no finite length"));
	assert!(refusal(range_plus_x(f32s([0.0, f32::NAN, 1.0]), 1)).contains("no finite length"));
	let over = refusal(range_plus_x(i64s([0, i64::MAX, 1]), 1));
	assert!(over.contains(&alloc::format!("folding limit of {MAX_FOLD_ELEMENTS}")), "{over}");
	let over = refusal(range_plus_x(f32s([0.0, 1e30, 1.0]), 1));
	assert!(over.contains("folding limit"), "{over}");
	let mixed = [
		Tensor::i64(vec![], vec![0]).unwrap(),
		Tensor::new(vec![], TensorData::I32(vec![4])).unwrap(),
		Tensor::i64(vec![], vec![1]).unwrap(),
	];
	assert!(refusal(range_plus_x(mixed, 4)).contains("scalars of one element type"));
	let u8s = [0u8, 4, 1].map(|x| Tensor::new(vec![], TensorData::U8(vec![x])).unwrap());
	assert!(refusal(range_plus_x(u8s, 4)).contains("Range of u8"));

	// An operand that is a graph input: the output's length would depend on it.
	let mut b = ModelBuilder::new("range", 13);
	b.input("limit", DType::I64, &[]);
	b.initializer("start", Tensor::i64(vec![], vec![0]).unwrap());
	b.initializer("delta", Tensor::i64(vec![], vec![1]).unwrap());
	b.node("Range", &["start", "limit", "delta"], &["y"], vec![]);
	b.output("y");
	let refused = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(refused.contains("input 1 ('limit') must be a constant"), "{refused}");
}
