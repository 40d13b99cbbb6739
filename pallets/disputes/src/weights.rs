//! Weights of the disputes pallet.
//!
//! The runtime uses the weights `scripts/bench.sh pallet_verity_disputes` generates from
//! `benchmarking.rs` (`runtime/src/weights/pallet_verity_disputes.rs`). The `()` impl here is
//! hand-priced, for mocks: reads and writes counted from the code, computation priced with
//! margin from the one-step measured in the compiled runtime (`node/tests/runtime_wasm.rs`,
//! `measure_the_one_step_at_the_fan_in_limit_in_wasm`).

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
	/// `split`.
	fn split() -> Weight;
	/// `open_leaf`.
	fn open_leaf() -> Weight;
	/// `pick_element`.
	fn pick_element() -> Weight;
	/// `step` with `c` witness chunks (their hashes and proofs: a multi-proof takes at most
	/// 16 hashes per chunk), without the evaluation's reads ([`evaluation`]).
	fn step(c: u32) -> Weight;
	/// `n` games settled by timeout in one block.
	fn timeouts(n: u32) -> Weight;
	/// The evaluation of a `MatMul` chunk at the fan-in limit ([`LIMIT_READS`]).
	fn evaluate_matmul() -> Weight;
	/// The evaluation of a `QLinearMatMul` chunk at the fan-in limit.
	fn evaluate_qlinear_matmul() -> Weight;
	/// The evaluation of a `Conv` chunk at the fan-in limit.
	fn evaluate_conv() -> Weight;
	/// The evaluation of a `QLinearConv` chunk at the fan-in limit.
	fn evaluate_qlinear_conv() -> Weight;
	/// The evaluation of a `MaxPool` chunk at the fan-in limit.
	fn evaluate_pool() -> Weight;
	/// The evaluation of a `GlobalAveragePool` chunk at the fan-in limit.
	fn evaluate_global_pool() -> Weight;
	/// The evaluation of a `ReduceMean` chunk at the fan-in limit.
	fn evaluate_reduce() -> Weight;
	/// The evaluation of a `Softmax` chunk at the fan-in limit.
	fn evaluate_softmax() -> Weight;
	/// The evaluation of a `LayerNormalization` chunk at the fan-in limit.
	fn evaluate_layer_norm() -> Weight;
}

/// Picoseconds in a microsecond and in a millisecond (ref time is in picoseconds).
const US: u64 = 1_000_000;
const MS: u64 = 1_000 * US;
/// One blake2-256 of a short buffer, in wasm, with margin.
const HASH: u64 = 5 * US;
/// Settling a game: holds, transfers, and a refutation's reassignment (storage counted apart).
const SETTLE: u64 = 2 * MS;
/// Reads of a settlement beyond its own entries: a reopened window may probe up to 257 `Due`
/// queues (the inference pallet's slip), and a refutation's reassignment as many.
const SETTLE_PROBES: u64 = 2 * 257;
/// One element read of a step's evaluation, in wasm, with margin (a map lookup, the kernel's
/// arithmetic).
const READ: u64 = 200_000;

/// Element reads of the step of each op family at the fan-in limit
/// (`verity_primitives::dispute::limit`, in `Family::ALL` order): what the `evaluate_*`
/// benchmarks read, as they check.
pub const LIMIT_READS: [u64; 9] =
	[131_072, 131_072, 130_176, 130_560, 123_904, 131_072, 131_072, 65_536, 65_600];

/// The benchmarked evaluations at the fan-in limit, in `Family::ALL` order.
pub fn limit_evaluations<W: WeightInfo>() -> [Weight; 9] {
	[
		W::evaluate_matmul(),
		W::evaluate_qlinear_matmul(),
		W::evaluate_conv(),
		W::evaluate_qlinear_conv(),
		W::evaluate_pool(),
		W::evaluate_global_pool(),
		W::evaluate_reduce(),
		W::evaluate_softmax(),
		W::evaluate_layer_norm(),
	]
}

/// The evaluation of a step that reads `reads` elements, at the price per read of the
/// costliest op family ([`limit_evaluations`] over [`LIMIT_READS`]): apart from
/// [`WeightInfo::step`] because what a chunk reads depends on the op, not on the witness
/// (`MAX_STEP_READS` at most), and the op is not known before the call reads the game.
pub fn evaluation<W: WeightInfo>(reads: u64) -> Weight {
	let per_read = limit_evaluations::<W>()
		.iter()
		.zip(LIMIT_READS)
		.map(|(w, r)| w.ref_time().div_ceil(r))
		.max()
		.unwrap_or(READ);
	Weight::from_parts(per_read.saturating_mul(reads), 0)
}

/// `n` games settled by timeout: the benchmarked weight, never below the hand-priced one. The
/// benchmark's jobs have one game and one executor; the worst timeout also closes every other
/// game on its job (63) and reassigns the job, which the hand-priced count covers.
pub fn timeouts<W: WeightInfo>(n: u32) -> Weight {
	W::timeouts(n).max(<() as WeightInfo>::timeouts(n))
}

/// A `reveal` of `v` roots: the benchmarked weight, never below the hand-priced one (a reveal
/// that settles the game closes every other game on the job, which the benchmark does not).
pub fn reveal<W: WeightInfo>(v: u32) -> Weight {
	W::reveal(v).max(<() as WeightInfo>::reveal(v))
}

/// The hand-priced evaluation of `reads` element reads.
fn evaluation_of(reads: u64) -> Weight {
	Weight::from_parts(READ.saturating_mul(reads), 0)
}

impl WeightInfo for () {
	fn open() -> Weight {
		Weight::from_parts(100 * US, 8_000).saturating_add(RocksDbWeight::get().reads_writes(6, 5))
	}
	fn reveal(v: u32) -> Weight {
		// Two hashes per root (node commitment, tree); the posted outputs hashed (16 outputs
		// of 64 KiB at most: 1 MiB at 10 ns a byte) and decoded; a settlement or the job's
		// games advanced (64 at most).
		Weight::from_parts(20 * MS + SETTLE, 1_200_000)
			.saturating_add(Weight::from_parts(2 * HASH, 32).saturating_mul(v.into()))
			.saturating_add(
				RocksDbWeight::get().reads_writes(8 + 2 * 64 + SETTLE_PROBES, 8 + 3 * 64),
			)
	}
	fn pick() -> Weight {
		Weight::from_parts(100 * US, 160_000)
			.saturating_add(RocksDbWeight::get().reads_writes(5, 3))
	}
	fn open_output() -> Weight {
		Weight::from_parts(100 * US + HASH, 160_000)
			.saturating_add(RocksDbWeight::get().reads_writes(6, 3))
	}
	fn bisect() -> Weight {
		Weight::from_parts(60 * US + HASH, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn choose() -> Weight {
		Weight::from_parts(60 * US, 4_000).saturating_add(RocksDbWeight::get().reads_writes(2, 3))
	}
	fn split() -> Weight {
		Weight::from_parts(60 * US, 8_000).saturating_add(RocksDbWeight::get().reads_writes(4, 3))
	}
	fn open_leaf() -> Weight {
		// The node's index entry (16 KiB at most), the job, two timeout queues (and their slip);
		// the opened bytes stored.
		Weight::from_parts(80 * US + HASH, 40_000)
			.saturating_add(RocksDbWeight::get().reads_writes(6 + 65, 4))
	}
	fn pick_element() -> Weight {
		// As `open_leaf`, the opened bytes deleted.
		Weight::from_parts(80 * US + HASH, 40_000)
			.saturating_add(RocksDbWeight::get().reads_writes(6 + 65, 4))
	}
	fn step(c: u32) -> Weight {
		// Per chunk a leaf hash, up to 16 proof hashes and a decode of 64 elements; the graph
		// inputs decoded (1 MiB at most), the reads of the node, the revealed list and the job,
		// and a settlement (which may close 64 games).
		Weight::from_parts(10 * MS + SETTLE, 1_400_000)
			.saturating_add(
				Weight::from_parts(17 * HASH + 64 * READ, 1_100).saturating_mul(c.into()),
			)
			.saturating_add(
				RocksDbWeight::get().reads_writes(12 + 2 * 64 + SETTLE_PROBES, 12 + 3 * 64),
			)
	}
	fn timeouts(n: u32) -> Weight {
		Weight::from_parts(SETTLE, 10_000)
			.saturating_add(
				RocksDbWeight::get().reads_writes(12 + 2 * 64 + SETTLE_PROBES, 12 + 3 * 64),
			)
			.saturating_mul(n.into())
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn evaluate_matmul() -> Weight {
		evaluation_of(LIMIT_READS[0])
	}
	fn evaluate_qlinear_matmul() -> Weight {
		evaluation_of(LIMIT_READS[1])
	}
	fn evaluate_conv() -> Weight {
		evaluation_of(LIMIT_READS[2])
	}
	fn evaluate_qlinear_conv() -> Weight {
		evaluation_of(LIMIT_READS[3])
	}
	fn evaluate_pool() -> Weight {
		evaluation_of(LIMIT_READS[4])
	}
	fn evaluate_global_pool() -> Weight {
		evaluation_of(LIMIT_READS[5])
	}
	fn evaluate_reduce() -> Weight {
		evaluation_of(LIMIT_READS[6])
	}
	fn evaluate_softmax() -> Weight {
		evaluation_of(LIMIT_READS[7])
	}
	fn evaluate_layer_norm() -> Weight {
		evaluation_of(LIMIT_READS[8])
	}
}
