//! Times the one-step re-execution the runtime does in a dispute, natively: one 64-element
//! chunk of a 1x1 convolution over C input channels (default 1,000: 128,064 element reads, the
//! largest fan-in the default budget accepts is 131,072) from its sparse witness.
//! `cargo run --release -p verity-primitives --example fan_in [C]`.
#![allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "a measuring tool run by hand, on fixed models or the files it is given"
)]

use std::time::Instant;

use verity_primitives::{
	cost::node_cost,
	ops::{chunk_dependencies, eval_chunk, ConvAttrs, NodeTypes, Op, ValueType},
	tensor::{DType, Tensor},
};

fn main() {
	let c: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
	let x = Tensor::f32(vec![1, c, 1, 1], (0..c).map(|i| i as f32 * 1e-3).collect()).unwrap();
	let w = Tensor::f32(vec![64, c, 1, 1], (0..64 * c).map(|i| (i % 7) as f32).collect()).unwrap();
	let op = Op::Conv(ConvAttrs {
		strides: vec![1, 1],
		pads_begin: vec![0, 0],
		dilations: vec![1, 1],
		group: 1,
	});
	let ins = [
		Some(ValueType::new(DType::F32, vec![1, c, 1, 1])),
		Some(ValueType::new(DType::F32, vec![64, c, 1, 1])),
		None,
	];
	let outs = [ValueType::new(DType::F32, vec![1, 64, 1, 1])];
	let types = NodeTypes { inputs: &ins, outputs: &outs };
	let cost = node_cost(&op, &types).unwrap();
	let deps = chunk_dependencies(&op, &types, &[Some(&x), Some(&w), None], 0, 0).unwrap();
	let runs = 5;
	let t = Instant::now();
	for _ in 0..runs {
		eval_chunk(&op, &types, &deps, 0, 0).unwrap();
	}
	let per = t.elapsed() / runs;
	println!(
		"fan-in {} reads ({} distinct elements in the witness): eval_chunk {per:?} per step",
		cost.fan_in,
		deps.len()
	);
}
