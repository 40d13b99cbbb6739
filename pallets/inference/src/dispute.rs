//! The seam between jobs and the challenge game.
//!
//! A result is final only after the challenge window. The disputes pallet plugs in here: at
//! the end of a job's window the inference pallet asks [`DisputeHook::holds`]; a job it holds
//! stays `Executed` until the disputes pallet settles it through [`JobSettlement`]. With `()`
//! (no disputes pallet) every window simply ends in finalization.

use crate::types::JobId;
use frame_support::dispatch::DispatchResult;
use verity_primitives::commitment::H256;

/// What the inference pallet asks of the dispute game.
pub trait DisputeHook {
	/// Whether an open dispute keeps `job` from being finalized at the end of its window.
	fn holds(job: JobId) -> bool;
}

impl DisputeHook for () {
	fn holds(_job: JobId) -> bool {
		false
	}
}

/// A job's result as the dispute game needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutedJob<AccountId, BlockNumber> {
	/// The executor who stands by the result.
	pub executor: AccountId,
	/// The model.
	pub model: pallet_verity_models::ModelId,
	/// Root of the executor's canonical trace.
	pub trace_root: H256,
	/// Nodes in the trace.
	pub nodes: u32,
	/// For a failed result, the node the executor claims fails on the job's inputs (the
	/// trace covers the nodes before it).
	pub failure: Option<crate::types::NodeFailure>,
	/// Last block of the challenge window.
	pub window_end: BlockNumber,
}

/// What the dispute game may read and do to jobs.
pub trait JobSettlement<AccountId, BlockNumber> {
	/// The result of a job in its challenge window, if it is in one.
	fn executed(job: JobId) -> Option<ExecutedJob<AccountId, BlockNumber>>;
	/// The dispute on `job` ended with the executor right: finalize it now.
	fn executor_upheld(job: JobId) -> DispatchResult;
}
