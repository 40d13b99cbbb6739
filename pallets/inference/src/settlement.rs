//! The seam between jobs and the challenge game (the disputes pallet): what the game may ask
//! of jobs and do to them. No dispute logic lives here.
//!
//! At the end of a job's window the inference pallet asks [`DisputeHook::holds`]; a job it
//! holds stays `Executed` (looked at again a window later) until the game settles it through
//! [`JobSettlement`]: [`JobSettlement::executor_refuted`] (slash, suspend, reassign or refund)
//! or, when a game ends with the executor right, [`JobSettlement::reopen_window`] (the job
//! stays open to challenges for another window, then finalizes as any job). With `()` (no
//! disputes pallet) every window simply ends in finalization.

use crate::types::JobId;
use alloc::vec::Vec;
use frame_support::dispatch::DispatchResult;
use frame_support::traits::{
	fungible::MutateHold,
	tokens::{Fortitude, Precision, Restriction},
};
use sp_runtime::{
	traits::{Saturating, Zero},
	DispatchError, Perbill,
};
use verity_primitives::{commitment::H256, tensor::TensorBytes};

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
	/// Last block of the challenge window (later when a dispute held the job past it, or a
	/// game reopened it): games may be opened before it.
	pub window_end: BlockNumber,
}

/// How a refuted executor's slash is shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlashTerms<AccountId, Balance> {
	/// The most to take from the executor's bond.
	pub amount: Balance,
	/// The winner of the game, who gets `share` of what was taken.
	pub winner: AccountId,
	/// The winner's share of what was taken (never all of it).
	pub share: sp_runtime::Perbill,
	/// Where the rest goes.
	pub treasury: AccountId,
}

/// What a refutation took from the executor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slashed<Balance> {
	/// Taken from the executor's bond in all.
	pub slashed: Balance,
	/// Of which the winner received this.
	pub reward: Balance,
}

/// Moves up to `amount` of what `from` holds for `reason`: `share` of what is moved to
/// `winner`, the rest to `treasury`, or to `winner` when the treasury cannot receive it (below
/// the existential deposit), so that nothing stays held for nobody. Transfers only: issuance
/// does not change. Used for a refuted executor's bond and for a losing challenger's.
pub fn pay_out_held<AccountId, C: MutateHold<AccountId>>(
	reason: &C::Reason,
	from: &AccountId,
	amount: C::Balance,
	winner: &AccountId,
	share: Perbill,
	treasury: &AccountId,
) -> Slashed<C::Balance> {
	let pay = |to: &AccountId, value: C::Balance| {
		if value.is_zero() {
			return Zero::zero();
		}
		C::transfer_on_hold(
			reason,
			from,
			to,
			value,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)
		.unwrap_or_else(|_| Zero::zero())
	};
	let mut reward = pay(winner, share.mul_floor(amount));
	let rest = amount.saturating_sub(reward);
	let to_treasury = pay(treasury, rest);
	if to_treasury < rest {
		reward = reward.saturating_add(pay(winner, rest.saturating_sub(to_treasury)));
	}
	Slashed { slashed: reward.saturating_add(to_treasury), reward }
}

/// What the dispute game may read and do to jobs.
pub trait JobSettlement<AccountId, BlockNumber, Balance> {
	/// The result of a job in its challenge window, if it is in one.
	fn executed(job: JobId) -> Option<ExecutedJob<AccountId, BlockNumber>>;
	/// The job's inputs, as submitted.
	fn inputs(job: JobId) -> Option<Vec<TensorBytes>>;
	/// The job's posted outputs (none for a failed result).
	fn outputs(job: JobId) -> Option<Vec<TensorBytes>>;
	/// A game on `job` ended with the executor right: keep the job open to challenges for
	/// `ChallengeWindow` blocks from now (when its window ends sooner), so that challengers
	/// kept out while the game ran (games per job are bounded) get a full window; it then
	/// finalizes as any job.
	fn reopen_window(job: JobId) -> DispatchResult;
	/// A game proved `job`'s result wrong: slash the executor by `terms`, suspend it, and
	/// reassign the job to another executor (or refund it when none can take it). The
	/// executor is not paid.
	fn executor_refuted(
		job: JobId,
		terms: SlashTerms<AccountId, Balance>,
	) -> Result<Slashed<Balance>, DispatchError>;
	/// For the game's benchmarks: a funded executor registered alone, a job on `model` with
	/// `inputs` submitted by a funded account and executed with `outputs` under `trace_root`
	/// (`nodes` nodes); returns the job and its executor.
	#[cfg(feature = "runtime-benchmarks")]
	fn executed_for_benchmark(
		model: pallet_verity_models::ModelId,
		inputs: Vec<TensorBytes>,
		outputs: Vec<TensorBytes>,
		trace_root: H256,
		nodes: u32,
	) -> Result<(JobId, AccountId), DispatchError>;
}
