//! Weights of the models pallet's dispatchables.
//!
//! `()` holds hand-set, conservative estimates for tests and for runtimes that have not run the
//! benchmarks (Verity's runtime uses the generated `runtime/src/weights/pallet_verity_models.rs`):
//! each bounds the work by the sizes it depends on (bytes hashed, decoded and stored; chunks
//! and constants written or deleted).
#![allow(
	clippy::arithmetic_side_effects,
	reason = "the hand-priced `()` weights: u64 arithmetic on u32 parameters and constants below 2^31, which cannot overflow"
)]

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions of the pallet.
pub trait WeightInfo {
	/// `register` of `b` bytes whose canonical graph has `k` constants: hash, decode,
	/// canonicalise, hold, store.
	fn register(b: u32, k: u32) -> Weight;
	/// `begin_upload`.
	fn begin_upload() -> Weight;
	/// `upload_chunk` of `b` bytes.
	fn upload_chunk(b: u32) -> Weight;
	/// `finish_upload` of a model of `b` bytes and `k` constants: read, hash, decode,
	/// canonicalise, store the graph.
	fn finish_upload(b: u32, k: u32) -> Weight;
	/// `cancel_upload` deleting `c` chunks.
	fn cancel_upload(c: u32) -> Weight;
	/// `reap_upload` deleting `c` chunks.
	fn reap_upload(c: u32) -> Weight;
	/// `deprecate` / `set_price`.
	fn deprecate() -> Weight;
	/// `remove` deleting `c` chunks and `k` constants.
	fn remove(c: u32, k: u32) -> Weight;
	/// `register` of the model whose import folds the most work per unit the budget allows
	/// (`verity_primitives::onnx::adversarial::worst_fold`). Registrations are charged
	/// [`fold_worst`] (this, floored by the `()` bound) on top of their size-based weight.
	fn fold_worst() -> Weight;
}

/// Picoseconds per byte hashed, decoded and canonicalised (a generous bound).
const PS_PER_BYTE: u64 = 20_000;
/// Proof bytes per stored model byte.
const PROOF_PER_BYTE: u64 = 1;

/// What a registration is charged for constant folding: the benchmarked `W::fold_worst`, and
/// never less than the hand-priced whole fold budget (`()`). The benchmark registers
/// `adversarial::worst_fold()`, the slowest folding per unit found, but it need not fold the
/// whole budget: 2^20 units at the 157 ns per unit measured in wasm is 165 ms, more than the
/// 113 ms the benchmark measured for that registration.
pub fn fold_worst<W: WeightInfo>() -> Weight {
	W::fold_worst().max(<() as WeightInfo>::fold_worst())
}

impl WeightInfo for () {
	fn register(b: u32, k: u32) -> Weight {
		Weight::from_parts(50_000_000 + PS_PER_BYTE * b as u64, 10_000 + PROOF_PER_BYTE * b as u64)
			.saturating_add(
				RocksDbWeight::get().reads_writes(3, 4 + (b as u64 / 65_536) + 1 + k as u64),
			)
	}
	fn begin_upload() -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn upload_chunk(b: u32) -> Weight {
		Weight::from_parts(20_000_000 + 1_000 * b as u64, 4_000 + PROOF_PER_BYTE * b as u64)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 2))
	}
	fn finish_upload(b: u32, k: u32) -> Weight {
		Weight::from_parts(50_000_000 + PS_PER_BYTE * b as u64, 10_000 + PROOF_PER_BYTE * b as u64)
			.saturating_add(
				RocksDbWeight::get().reads_writes(3 + (b as u64 / 65_536) + 1, 4 + k as u64),
			)
	}
	fn cancel_upload(c: u32) -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3 + c as u64))
	}
	fn reap_upload(c: u32) -> Weight {
		Self::cancel_upload(c)
	}
	fn deprecate() -> Weight {
		Weight::from_parts(20_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn remove(c: u32, k: u32) -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 4 + c as u64 + k as u64))
	}

	fn fold_worst() -> Weight {
		// The whole fold budget at 250 ns per unit of work (the worst folding measured 157 ns
		// per unit inside the wasm runtime: `node/tests/runtime_wasm.rs`), plus 50 µs.
		Weight::from_parts(50_000_000 + 250_000 * verity_primitives::limits::MAX_FOLD_WORK, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 8))
	}
}
