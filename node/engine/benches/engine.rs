//! tract (optimised) vs the canonical engine (traced, with commitments) on the zoo models:
//! an MLP, LeNet, SqueezeNet 1.1 and a GPT-2-style transformer block.
//!
//! Run with `cargo bench -p verity-engine`, or `scripts/bench-engine.sh`, which also times
//! onnxruntime on the same models. Plain `std::time::Instant`: a warm-up, then the median of
//! `RUNS` timed runs per engine. With `VERITY_BENCH_OUT=<dir>`, each model is written to
//! `<dir>/<name>.onnx` and the medians to `<dir>/engine.json`; `VERITY_BENCH_ONLY=<text>` runs
//! only the models whose name contains it, and ResNet-50 (102 MB) runs only when so named
//! (`VERITY_BENCH_ONLY=resnet`).

use std::time::Instant;

use verity_engine::LoadedModel;
use verity_primitives::{
	cost::Budget,
	onnx::zoo::{self, Rng},
	tensor::Tensor,
};

/// Builds a model's ONNX bytes.
type Generator = fn() -> Vec<u8>;

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

/// One model's medians, in nanoseconds.
struct Timing {
	name: &'static str,
	tract: u128,
	canonical: u128,
}

fn bench(name: &'static str, bytes: &[u8]) -> Timing {
	// Any size and cost: ResNet-50 is over the chain's limits (`verity-node infer
	// --max-model-mib 128 --budget unlimited` runs it the same way).
	let (model, tract_refused) =
		LoadedModel::load_checked_up_to(bytes, usize::MAX, &Budget::UNLIMITED).expect("load");
	assert_eq!(tract_refused, None, "tract loads {name}");
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
	Timing { name, tract, canonical }
}

fn main() {
	println!(
		"median of {RUNS} runs after {WARMUP} warm-up runs; canonical on {} threads \
		 (one per core; the node's --verity-engine-threads), tract on one",
		verity_engine::engine_threads()
	);
	// ResNet-50 (102 MB, over the chain's model size and a dispute step's budget) only when
	// `VERITY_BENCH_ONLY` names it: a run of it takes seconds.
	let models: [(&str, bool, Generator); 5] = [
		("mlp", false, || zoo::mlp(&[784, 256, 128, 10], 1).expect("mlp")),
		("lenet", false, || zoo::lenet(1).expect("lenet")),
		("squeezenet", false, || zoo::squeezenet(1).expect("squeezenet")),
		("transformer", false, || zoo::transformer_block(1).expect("transformer block")),
		("resnet-50", true, || zoo::resnet50(1).expect("resnet-50")),
	];
	let out = std::env::var_os("VERITY_BENCH_OUT").map(std::path::PathBuf::from);
	let only = std::env::var("VERITY_BENCH_ONLY").unwrap_or_default();
	let mut rows = Vec::new();
	for (name, large, build) in models {
		if !name.contains(only.as_str()) || (large && only.is_empty()) {
			continue;
		}
		let bytes = build();
		if let Some(dir) = &out {
			std::fs::write(dir.join(format!("{name}.onnx")), &bytes).expect("write the model");
		}
		rows.push(bench(name, &bytes));
	}
	if let Some(dir) = &out {
		let models: Vec<_> = rows
			.iter()
			.map(|t| {
				serde_json::json!({
					"name": t.name,
					"tract_ns": t.tract as u64,
					"canonical_ns": t.canonical as u64,
				})
			})
			.collect();
		let text = serde_json::json!({
			"canonical_threads": verity_engine::engine_threads(),
			"models": models,
		})
		.to_string();
		std::fs::write(dir.join("engine.json"), text).expect("write engine.json");
	}
}
