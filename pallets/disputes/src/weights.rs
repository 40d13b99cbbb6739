//! Weights of the disputes pallet.
//!
//! **Estimates, not yet benchmarked** (issue 11 notes): reads and writes are counted from the
//! code; computation is priced from measurements of the primitives natively
//! (`cargo test -p verity-primitives --release dispute` and the step bench in the notes), with
//! a 5× margin for wasm. `scripts/bench.sh` will replace them with generated ones.

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// What the runtime needs to know of the pallet's weights.
pub trait WeightInfo {
	/// `open` without a fast path.
	fn open() -> Weight;
	/// `reveal` of a list of `v` roots (with the outputs' binding check at its bound).
	fn reveal(v: u32) -> Weight;
	/// `pick`.
	fn pick() -> Weight;
	/// `open_output`.
	fn open_output() -> Weight;
	/// `bisect`.
	fn bisect() -> Weight;
	/// `choose`.
	fn choose() -> Weight;
	/// `step` with `c` witness chunks and `h` proof hashes, its evaluation at the read limit.
	fn step(c: u32, h: u32) -> Weight;
	/// `n` games settled by timeout in one block.
	fn timeouts(n: u32) -> Weight;
}

/// One blake2-256 of a short buffer, in wasm, with margin.
const HASH: u64 = 5_000_000;
/// Settling a game: holds, transfers, and a refutation's reassignment.
const SETTLE: u64 = 200_000_000;

impl WeightInfo for () {
	fn open() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 5))
	}
	fn reveal(v: u32) -> Weight {
		// Two hashes per root (node commitment, tree), the outputs' roots (16 MiB of outputs
		// at most, 10 ns a byte), and every game of the job advanced.
		Weight::from_parts(80_000_000 + 170_000_000, 140_000)
			.saturating_add(Weight::from_parts(2 * HASH, 32).saturating_mul(v.into()))
			.saturating_add(Weight::from_parts(SETTLE, 0))
			.saturating_add(RocksDbWeight::get().reads_writes(12, 12))
	}
	fn pick() -> Weight {
		Weight::from_parts(40_000_000, 20_000)
			.saturating_add(RocksDbWeight::get().reads_writes(5, 3))
	}
	fn open_output() -> Weight {
		Weight::from_parts(40_000_000 + HASH, 160_000)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 3))
	}
	fn bisect() -> Weight {
		Weight::from_parts(30_000_000 + HASH, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn choose() -> Weight {
		Weight::from_parts(30_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn step(c: u32, h: u32) -> Weight {
		// The evaluation at `MAX_STEP_READS` reads (2^20, ~150 ns each in wasm), a hash and a
		// decode of 64 elements per chunk, a hash per proof hash, the graph inputs decoded.
		Weight::from_parts(160_000_000 + 100_000_000 + SETTLE, 180_000)
			.saturating_add(Weight::from_parts(HASH + 2_000_000, 600).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(HASH, 32).saturating_mul(h.into()))
			.saturating_add(RocksDbWeight::get().reads_writes(12, 12))
	}
	fn timeouts(n: u32) -> Weight {
		Weight::from_parts(SETTLE, 10_000)
			.saturating_add(RocksDbWeight::get().reads_writes(12, 12))
			.saturating_mul(n.into())
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
}
