//! Trace records of the jobs this node executed or audited, kept on disk for disputes.
//!
//! A record holds what the canonical run committed to (trace root, every node's commitment and
//! output roots), the inputs and the fault injected (if any), so any node output, chunk or
//! proof can be recomputed exactly (the canonical engine is deterministic) without storing
//! every intermediate tensor. Records older than the retention period are deleted.
//!
//! Keys: an executed result is `job-{job}-{trace root}`, an audit `audit-{job}-{audited root}`,
//! so an executor record, an audit of another executor's result and a result of the same job
//! on another fork never overwrite each other.

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
	/// The node the run failed at (a failed result), if it did.
	pub failed: Option<u32>,
	/// The node whose output was corrupted (`--verity-fault`, `--verity-false-challenge`).
	pub fault: Option<u32>,
}

/// Which kind of record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
	/// The node's own result, keyed by its trace root.
	Executed,
	/// An audit of another executor's result, keyed by the audited trace root.
	Audit,
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

	fn path(&self, kind: RecordKind, job: u64, root: &H256) -> PathBuf {
		let prefix = match kind {
			RecordKind::Executed => "job",
			RecordKind::Audit => "audit",
		};
		self.dir.join(format!("{prefix}-{job}-{root:x}.scale"))
	}

	/// Stores `record` as a `kind` record under `root` (its own trace root for an executed
	/// result, the audited one for an audit), replacing a record of the same key.
	pub fn store(&self, kind: RecordKind, root: &H256, record: &TraceRecord) -> Result<(), String> {
		let path = self.path(kind, record.job, root);
		let tmp = path.with_extension("tmp");
		fs::write(&tmp, record.encode())
			.and_then(|_| fs::rename(&tmp, &path))
			.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
		if self.stored.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
			self.sweep(RETENTION);
		}
		Ok(())
	}

	/// The `kind` record of `job` under `root`, if there is one.
	pub fn load(&self, kind: RecordKind, job: u64, root: &H256) -> Option<TraceRecord> {
		let bytes = fs::read(self.path(kind, job, root)).ok()?;
		TraceRecord::decode(&mut &bytes[..]).ok()
	}

	/// The most recent record of a result of `job` this node executed, if any.
	pub fn latest_executed(&self, job: u64) -> Option<TraceRecord> {
		let prefix = format!("job-{job}-");
		let newest = fs::read_dir(&self.dir)
			.ok()?
			.flatten()
			.filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
			.filter_map(|e| Some((e.metadata().and_then(|m| m.modified()).ok()?, e.path())))
			.max_by_key(|(modified, _)| *modified)?;
		let bytes = fs::read(newest.1).ok()?;
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
			failed: None,
			fault: None,
		}
	}

	#[test]
	fn stores_loads_and_sweeps() {
		let dir = std::env::temp_dir().join(format!("verity-traces-{}", std::process::id()));
		let store = TraceStore::open(dir.clone()).unwrap();
		let (root, other) = (H256::repeat_byte(2), H256::repeat_byte(5));
		store.store(RecordKind::Executed, &root, &record(7)).unwrap();
		// An audit of another result of job 7 and a fork's result never overwrite it.
		let mut audit = record(7);
		audit.fault = Some(1);
		store.store(RecordKind::Audit, &root, &audit).unwrap();
		let mut fork = record(7);
		fork.trace_root = other;
		store.store(RecordKind::Executed, &other, &fork).unwrap();
		assert_eq!(store.load(RecordKind::Executed, 7, &root), Some(record(7)));
		assert_eq!(store.load(RecordKind::Audit, 7, &root), Some(audit));
		assert_eq!(store.load(RecordKind::Executed, 7, &other), Some(fork));
		assert_eq!(store.load(RecordKind::Executed, 8, &root), None);
		assert!(store.latest_executed(7).is_some());
		assert_eq!(store.latest_executed(8), None);
		store.sweep(RETENTION);
		assert!(store.load(RecordKind::Executed, 7, &root).is_some());
		store.sweep(Duration::ZERO);
		std::thread::sleep(Duration::from_millis(10));
		store.sweep(Duration::ZERO);
		assert_eq!(store.load(RecordKind::Executed, 7, &root), None);
		let _ = fs::remove_dir_all(dir);
	}
}
