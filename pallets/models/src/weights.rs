//! Weights of the models pallet's dispatchables.
//!
//! Hand-set, conservative estimates until `frame-benchmarking` measures them: each bounds the
//! work by the size it depends on (bytes hashed, decoded and stored; chunks deleted).

use frame_support::weights::{constants::RocksDbWeight, Weight};

/// Weight functions of the pallet.
pub trait WeightInfo {
	/// `register` of `b` bytes: hash, decode, canonicalise, hold, store.
	fn register(b: u32) -> Weight;
	/// `begin_upload`.
	fn begin_upload() -> Weight;
	/// `upload_chunk` of `b` bytes.
	fn upload_chunk(b: u32) -> Weight;
	/// `finish_upload` of a model of `b` bytes: read, hash, decode, canonicalise.
	fn finish_upload(b: u32) -> Weight;
	/// `cancel_upload` deleting `c` chunks.
	fn cancel_upload(c: u32) -> Weight;
	/// `deprecate` / `set_price`.
	fn deprecate() -> Weight;
	/// `remove` deleting `c` chunks.
	fn remove(c: u32) -> Weight;
}

/// Picoseconds per byte hashed, decoded and canonicalised (a generous bound).
const PS_PER_BYTE: u64 = 20_000;
/// Proof bytes per stored model byte.
const PROOF_PER_BYTE: u64 = 1;

impl WeightInfo for () {
	fn register(b: u32) -> Weight {
		Weight::from_parts(50_000_000 + PS_PER_BYTE * b as u64, 10_000 + PROOF_PER_BYTE * b as u64)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3 + (b as u64 / 65_536) + 1))
	}
	fn begin_upload() -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3))
	}
	fn upload_chunk(b: u32) -> Weight {
		Weight::from_parts(20_000_000 + 1_000 * b as u64, 4_000 + PROOF_PER_BYTE * b as u64)
			.saturating_add(RocksDbWeight::get().reads_writes(2, 2))
	}
	fn finish_upload(b: u32) -> Weight {
		Weight::from_parts(50_000_000 + PS_PER_BYTE * b as u64, 10_000 + PROOF_PER_BYTE * b as u64)
			.saturating_add(RocksDbWeight::get().reads_writes(3 + (b as u64 / 65_536) + 1, 3))
	}
	fn cancel_upload(c: u32) -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3 + c as u64))
	}
	fn deprecate() -> Weight {
		Weight::from_parts(20_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads_writes(1, 1))
	}
	fn remove(c: u32) -> Weight {
		Weight::from_parts(30_000_000, 8_000)
			.saturating_add(RocksDbWeight::get().reads_writes(3, 3 + c as u64))
	}
}
