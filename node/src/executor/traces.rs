//! Trace records of the jobs this node executed, kept on disk for challengers.
//!
//! A record holds what the canonical run committed to (trace root, every node's commitment and
//! output roots) and the inputs, so any node output, chunk or proof can be recomputed exactly
//! (the canonical engine is deterministic) without storing every intermediate tensor. Records
//! older than the retention period are deleted.

use std::{
	fs,
	path::PathBuf,
	sync::atomic::{AtomicU32, Ordering},
	time::{Duration, SystemTime},
};

use codec::{Decode, Encode};
use verity_primitives::{commitment::H256, tensor::TensorBytes};

/// How long records are kept: far beyond a challenge window and the dispute that may follow.
pub const RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Records stored between two sweeps of old records.
const SWEEP_EVERY: u32 = 256;

/// What the node keeps of one executed job.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct TraceRecord {
	/// The job.
	pub job: u64,
	/// Its model.
	pub model: H256,
	/// Its inputs.
	pub inputs: Vec<TensorBytes>,
	/// The trace root posted.
	pub trace_root: H256,
	/// Every node's commitment, in canonical order.
	pub commitments: Vec<H256>,
	/// Every node's output tensor roots.
	pub output_roots: Vec<Vec<H256>>,
}

/// A directory of trace records, one file per job.
pub struct TraceStore {
	dir: PathBuf,
	stored: AtomicU32,
}

impl TraceStore {
	/// Opens (creating) the store in `dir`.
	pub fn open(dir: PathBuf) -> Result<TraceStore, String> {
		fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
		let store = TraceStore { dir, stored: AtomicU32::new(0) };
		store.sweep(RETENTION);
		Ok(store)
	}

	fn path(&self, job: u64) -> PathBuf {
		self.dir.join(format!("job-{job}.scale"))
	}

	/// Stores `record` (replacing an older record of the same job).
	pub fn store(&self, record: &TraceRecord) -> Result<(), String> {
		let path = self.path(record.job);
		let tmp = path.with_extension("tmp");
		fs::write(&tmp, record.encode())
			.and_then(|_| fs::rename(&tmp, &path))
			.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
		if self.stored.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
			self.sweep(RETENTION);
		}
		Ok(())
	}

	/// The record of `job`, if this node executed it.
	pub fn load(&self, job: u64) -> Option<TraceRecord> {
		let bytes = fs::read(self.path(job)).ok()?;
		TraceRecord::decode(&mut &bytes[..]).ok()
	}

	/// Deletes records older than `age`.
	pub fn sweep(&self, age: Duration) {
		let Ok(entries) = fs::read_dir(&self.dir) else { return };
		let now = SystemTime::now();
		for entry in entries.flatten() {
			let old = entry
				.metadata()
				.and_then(|m| m.modified())
				.ok()
				.and_then(|t| now.duration_since(t).ok())
				.is_some_and(|d| d > age);
			if old {
				let _ = fs::remove_file(entry.path());
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn record(job: u64) -> TraceRecord {
		TraceRecord {
			job,
			model: H256::repeat_byte(1),
			inputs: vec![],
			trace_root: H256::repeat_byte(2),
			commitments: vec![H256::repeat_byte(3)],
			output_roots: vec![vec![H256::repeat_byte(4)]],
		}
	}

	#[test]
	fn stores_loads_and_sweeps() {
		let dir = std::env::temp_dir().join(format!("verity-traces-{}", std::process::id()));
		let store = TraceStore::open(dir.clone()).unwrap();
		store.store(&record(7)).unwrap();
		assert_eq!(store.load(7), Some(record(7)));
		assert_eq!(store.load(8), None);
		store.sweep(RETENTION);
		assert!(store.load(7).is_some());
		store.sweep(Duration::ZERO);
		std::thread::sleep(Duration::from_millis(10));
		store.sweep(Duration::ZERO);
		assert_eq!(store.load(7), None);
		let _ = fs::remove_dir_all(dir);
	}
}
