//! tract (optimised) vs the canonical engine (traced, with commitments) on the zoo models.
//!
//! Run with `cargo bench -p verity-engine`. Plain `std::time::Instant`: a warm-up, then the
//! median of `RUNS` timed runs per engine.

use std::time::Instant;

use verity_engine::LoadedModel;
use verity_primitives::{
	onnx::zoo::{self, Rng},
	tensor::Tensor,
};

const WARMUP: usize = 3;
const RUNS: usize = 21;

/// The median wall time of `f`, in nanoseconds.
fn median_ns(mut f: impl FnMut()) -> u128 {
	for _ in 0..WARMUP {
		f();
	}
	let mut times: Vec<u128> = (0..RUNS)
		.map(|_| {
			let t = Instant::now();
			f();
			t.elapsed().as_nanos()
		})
		.collect();
	times.sort_unstable();
	times[RUNS / 2]
}

fn bench(name: &str, bytes: &[u8]) {
	let model = LoadedModel::load(bytes).expect("load");
	let mut rng = Rng::new(42);
	let inputs: Vec<Tensor> = model
		.graph()
		.input_types()
		.iter()
		.map(|info| {
			let shape: Vec<usize> = info.shape.iter().map(|d| *d as usize).collect();
			let n = shape.iter().product();
			Tensor::f32(shape, rng.floats(n, 1.0)).expect("input")
		})
		.collect();
	let diff = model.run_both(&inputs).expect("engines agree").max_abs_diff;
	let tract = median_ns(|| {
		std::hint::black_box(model.run_tract(&inputs).expect("tract"));
	});
	let canonical = median_ns(|| {
		std::hint::black_box(model.run_canonical(&inputs, false).expect("canonical"));
	});
	println!(
		"{name:<22} tract {tract:>12} ns/run   canonical+trace {canonical:>12} ns/run   \
		 canonical/tract {:>7.2}x   max|diff| {diff:e}",
		canonical as f64 / tract as f64
	);
}

fn main() {
	println!(
		"median of {RUNS} runs after {WARMUP} warm-up runs; canonical on {} threads \
		 (RAYON_NUM_THREADS sets it), tract on one",
		rayon::current_num_threads()
	);
	bench("mlp 784-256-128-10", &zoo::mlp(&[784, 256, 128, 10], 1).expect("mlp"));
	bench("lenet", &zoo::lenet(1).expect("lenet"));
	bench("squeezenet 1.1 224", &zoo::squeezenet(1).expect("squeezenet"));
}
