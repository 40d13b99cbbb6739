//! Weights of the inference pallet's dispatchables and per-block work.
//!
//! `()` holds hand-set, conservative bounds for tests and for runtimes that have not run the
//! benchmarks of `benchmarking.rs` (Verity's runtime uses the generated
//! `runtime/src/weights/pallet_verity_inference.rs`): `submit` reads up to 9 `Due` buckets;
//! each due job is priced as the costliest step, a timeout (penalty, reselection,
//! rescheduling).
#![allow(
	clippy::arithmetic_side_effects,
	reason = "the hand-priced `()` weights: u64 arithmetic on u32 parameters and constants below 2^31, which cannot overflow"
)]

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions of the pallet.
pub trait WeightInfo {
	/// `register_executor`.
	fn register_executor() -> Weight;
	/// `unregister_executor`.
	fn unregister_executor() -> Weight;
	/// `withdraw_bond`.
	fn withdraw_bond() -> Weight;
	/// `submit` with `b` bytes of inputs.
	fn submit(b: u32) -> Weight;
	/// `post_results` with `n` results.
	fn post_results(n: u32) -> Weight;
	/// The per-block work of `n` due jobs whose deadline passed (penalty, reassignment).
	fn time_out_jobs(n: u32) -> Weight;
	/// The per-block work of `n` due jobs whose window ended (payment).
	fn finalize_jobs(n: u32) -> Weight;
	/// The per-block work of `n` due jobs past retention (deletion), or held, or stale.
	fn prune_jobs(n: u32) -> Weight;
}

impl WeightInfo for () {
	fn register_executor() -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn unregister_executor() -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 2))
	}
	fn withdraw_bond() -> Weight {
		Weight::from_parts(40_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn submit(b: u32) -> Weight {
		Weight::from_parts(120_000_000 + 2_000 * b as u64, 20_000 + b as u64)
			.saturating_add(RocksDbWeight::get().reads_writes(8 + 9, 9))
	}
	fn post_results(n: u32) -> Weight {
		Weight::from_parts(10_000_000 + 40_000_000 * n as u64, 4_000 + 20_000 * n as u64)
			.saturating_add(RocksDbWeight::get().reads_writes(1 + 3 * n as u64, 1 + 4 * n as u64))
	}
	fn time_out_jobs(n: u32) -> Weight {
		Weight::from_parts(5_000_000 + 100_000_000 * n as u64, 2_000 + 10_000 * n as u64)
			.saturating_add(RocksDbWeight::get().reads_writes(1 + 80 * n as u64, 1 + 10 * n as u64))
	}
	fn finalize_jobs(n: u32) -> Weight {
		Self::time_out_jobs(n)
	}
	fn prune_jobs(n: u32) -> Weight {
		Self::time_out_jobs(n)
	}
}
