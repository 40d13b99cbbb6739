//! Storage migrations of the inference pallet.
//!
//! - v0 → v1 ([`v1::AddDepositAndFailure`]): every [`Job`](crate::Job) gains its data
//!   `deposit` (zero for jobs submitted before deposits: nothing was held for them, and
//!   pruning releases what was held), its `inputs_hash` (computed from its stored inputs) and
//!   its `execution` an empty `failure`. Executors' off-chain records under the old key (the
//!   job id alone) are cleared through off-chain indexing.

use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

use crate::{Config, Pallet};

/// The v0 → v1 migration, run once when the on-chain storage version is 0.
pub type MigrateV0ToV1<T> = VersionedMigration<
	0,
	1,
	v1::AddDepositAndFailure<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

/// v1: job deposits and failed results.
pub mod v1 {
	use super::*;
	use crate::{Execution, Job, JobId, JobInputs, JobStatus, Jobs};
	use codec::{Decode, Encode};
	use sp_runtime::traits::Zero;
	use verity_primitives::commitment::H256;

	/// An execution as v0 stored it: [`Execution`] without `failure`.
	#[allow(missing_docs)]
	#[derive(Encode, Decode)]
	pub struct ExecutionV0<BlockNumber> {
		pub trace_root: H256,
		pub nodes: u32,
		pub at: BlockNumber,
	}

	/// A job as v0 stored it: [`Job`] without `deposit` (the fields mean the same).
	#[allow(missing_docs)]
	#[derive(Encode, Decode)]
	pub struct JobV0<AccountId, Balance, BlockNumber> {
		pub submitter: AccountId,
		pub model: pallet_verity_models::ModelId,
		pub model_owner: AccountId,
		pub executor: AccountId,
		pub status: JobStatus,
		pub fee: Balance,
		pub royalty: Balance,
		pub attempts: u32,
		pub submitted_at: BlockNumber,
		pub due: BlockNumber,
		pub execution: Option<ExecutionV0<BlockNumber>>,
	}

	/// A v0 job of runtime `T`.
	pub type JobV0Of<T> = JobV0<
		<T as frame_system::Config>::AccountId,
		crate::BalanceOf<T>,
		frame_system::pallet_prelude::BlockNumberFor<T>,
	>;

	/// Adds `deposit` to every stored job and `failure` to its execution.
	pub struct AddDepositAndFailure<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddDepositAndFailure<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut jobs = 0u64;
			Jobs::<T>::translate::<JobV0Of<T>, _>(|id: JobId, j| {
				jobs = jobs.saturating_add(1);
				let inputs = JobInputs::<T>::get(id).unwrap_or_default();
				// Executors' nodes keyed their records by the id alone before: clear those
				// (pruning clears only today's keys).
				sp_io::offchain_index::clear(
					&[crate::offchain::LOCAL_PREFIX, &id.encode()].concat(),
				);
				let inputs_hash = H256(sp_io::hashing::blake2_256(&inputs.encode()));
				Some(Job {
					submitter: j.submitter,
					model: j.model,
					model_owner: j.model_owner,
					executor: j.executor,
					status: j.status,
					fee: j.fee,
					royalty: j.royalty,
					deposit: Zero::zero(),
					attempts: j.attempts,
					submitted_at: j.submitted_at,
					inputs_hash,
					due: j.due,
					execution: j.execution.map(|e| Execution {
						trace_root: e.trace_root,
						nodes: e.nodes,
						at: e.at,
						failure: None,
					}),
				})
			});
			T::DbWeight::get().reads_writes(jobs.saturating_mul(2), jobs)
		}
	}
}
