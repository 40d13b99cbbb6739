//! Times the trace commitments of a model alone, without evaluating it: every node output of
//! SqueezeNet 1.1 (or the transformer block, or ResNet-50) filled with random floats, then
//! committed (`commit_tensor`: chunk leaves and Merkle tree) on a pool of 1 and of 2 threads.
//! The 2-thread time is a floor under the canonical traced run on this machine, whatever its
//! kernels cost: `cargo run --release -p verity-primitives --features parallel --example
//! commit_floor -- [squeezenet|transformer|resnet-50]`.
#![allow(
	clippy::expect_used,
	clippy::unwrap_used,
	clippy::indexing_slicing,
	clippy::arithmetic_side_effects,
	reason = "a measuring tool run by hand, on fixed models"
)]

use std::time::Instant;

use verity_primitives::{
	commitment::commit_tensor,
	graph::Graph,
	onnx::zoo::{self, Rng},
	tensor::Tensor,
};

const RUNS: usize = 21;

fn main() {
	let which = std::env::args().nth(1).unwrap_or_else(|| "squeezenet".into());
	let bytes = match which.as_str() {
		"squeezenet" => zoo::squeezenet(1),
		"transformer" => zoo::transformer_block(1),
		"resnet-50" => zoo::resnet50(1),
		other => panic!("unknown model {other}: squeezenet, transformer or resnet-50"),
	}
	.expect("model");
	let graph =
		Graph::from_onnx_up_to(&bytes, usize::MAX, &verity_primitives::cost::Budget::UNLIMITED)
			.expect("import");
	let mut rng = Rng::new(1);
	let mut outputs = Vec::new();
	for id in graph.nodes.iter().flat_map(|n| n.outputs.iter()) {
		let shape: Vec<usize> =
			graph.values[*id as usize].shape.iter().map(|d| *d as usize).collect();
		let n = shape.iter().product();
		outputs.push(Tensor::f32(shape, rng.floats(n, 1.0)).expect("tensor"));
	}
	let elements: usize = outputs.iter().map(Tensor::len).sum();
	println!(
		"{which}: {} node outputs, {elements} elements ({} MB)",
		outputs.len(),
		elements * 4 / 1_000_000
	);
	for threads in [1, 2] {
		let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
		let mut times: Vec<f64> = (0..RUNS)
			.map(|_| {
				let t = Instant::now();
				pool.install(|| {
					for x in &outputs {
						std::hint::black_box(commit_tensor(x));
					}
				});
				t.elapsed().as_secs_f64() * 1e3
			})
			.collect();
		times.sort_by(f64::total_cmp);
		println!(
			"commitments alone on {threads} thread(s): median {:.2} ms, best {:.2} ms",
			times[RUNS / 2],
			times[0]
		);
	}
}
