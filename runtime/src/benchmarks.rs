//! The benchmarks this runtime runs (`verity-node benchmark pallet`, built with the
//! `runtime-benchmarks` feature; `scripts/bench.sh` runs them and writes `src/weights/`).

use super::Runtime;

impl frame_benchmarking::baseline::Config for Runtime {}

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[pallet_verity_models, Models]
	[pallet_verity_inference, Inference]
	[pallet_verity_disputes, Disputes]
);
