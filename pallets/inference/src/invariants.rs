//! The pallet's storage invariants, checked by `try_state` (and after every block of the
//! pallet's tests).

use crate::{pallet::*, types::*};
use alloc::{collections::BTreeMap, format, vec::Vec};
use frame_support::traits::{fungible::InspectHold, Get};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_verity_models::{ModelId, ModelRegistry};
use sp_runtime::{
	traits::{Saturating, Zero},
	TryRuntimeError,
};

impl<T: Config> Pallet<T> {
	/// Checks every invariant of the jobs and executors storage:
	///
	/// - every job is in exactly one `Due` queue, the one of block `job.due`, and every `Due`
	///   entry is such a job; job ids are below `NextJobId`;
	/// - `Assigned` holds exactly the `Assigned` jobs of each executor, once each; the
	///   assignment set holds exactly the active executors, with their bonds and queue
	///   lengths, and is within `MaxExecutors`;
	/// - each executor's `open_jobs` counts its `Assigned` and `Executed` jobs, and each
	///   model's open jobs are counted by the models pallet;
	/// - the `JobPayment` hold of each submitter is the fee plus royalty of its open jobs, its
	///   `JobData` hold the deposits of its stored jobs; the `ExecutorBond` hold of each
	///   executor is its bond;
	/// - an executed job has outputs unless its result is a failure, and no other job has any.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let fail = |what: alloc::string::String| -> TryRuntimeError {
			TryRuntimeError::Other(alloc::boxed::Box::leak(what.into_boxed_str()))
		};
		let next = NextJobId::<T>::get();

		// Where each job is due.
		let mut due: BTreeMap<JobId, Vec<BlockNumberFor<T>>> = BTreeMap::new();
		for (block, queue) in Due::<T>::iter() {
			for job in queue {
				due.entry(job).or_default().push(block);
			}
		}
		for (job, blocks) in &due {
			let at = Jobs::<T>::get(job).map(|j| j.due);
			if blocks.len() != 1 || at != blocks.first().copied() {
				return Err(fail(format!("job {job}: due at {at:?}, queued at {blocks:?}")));
			}
		}

		let mut assigned: BTreeMap<T::AccountId, Vec<JobId>> = BTreeMap::new();
		let mut open_by_executor: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut open_by_model: BTreeMap<ModelId, u32> = BTreeMap::new();
		let mut payment: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut data: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (id, job) in Jobs::<T>::iter() {
			if id >= next {
				return Err(fail(format!("job {id}: at or above NextJobId {next}")));
			}
			if !due.contains_key(&id) {
				return Err(fail(format!("job {id}: in no Due queue")));
			}
			if !AccountJobs::<T>::contains_key(&job.submitter, id) {
				return Err(fail(format!("job {id}: not in its submitter's list")));
			}
			let Some(inputs) = JobInputs::<T>::get(id) else {
				return Err(fail(format!("job {id}: no inputs")));
			};
			if job.inputs_hash.0 != sp_io::hashing::blake2_256(&codec::Encode::encode(&inputs)) {
				return Err(fail(format!("job {id}: inputs_hash is not its inputs' hash")));
			}
			let failed = job.execution.as_ref().is_some_and(|e| e.failure.is_some());
			let has_outputs = JobOutputs::<T>::contains_key(id);
			if has_outputs != (job.execution.is_some() && !failed) {
				return Err(fail(format!("job {id}: outputs stored: {has_outputs}")));
			}
			let d = data.entry(job.submitter.clone()).or_insert_with(Zero::zero);
			*d = d.saturating_add(job.deposit);
			let open = matches!(job.status, JobStatus::Assigned | JobStatus::Executed);
			if open {
				let e = open_by_executor.entry(job.executor.clone()).or_default();
				*e = e.saturating_add(1);
				let m = open_by_model.entry(job.model).or_default();
				*m = m.saturating_add(1);
				let p = payment.entry(job.submitter.clone()).or_insert_with(Zero::zero);
				*p = p.saturating_add(job.fee.saturating_add(job.royalty));
			}
			if job.status == JobStatus::Assigned {
				assigned.entry(job.executor.clone()).or_default().push(id);
			}
		}

		for (who, queue) in Assigned::<T>::iter() {
			let mut queue = queue.into_inner();
			queue.sort_unstable();
			let mut expected = assigned.remove(&who).unwrap_or_default();
			expected.sort_unstable();
			if queue != expected {
				return Err(fail(format!("Assigned queue {queue:?}, assigned jobs {expected:?}")));
			}
		}
		if let Some((_, jobs)) = assigned.into_iter().next() {
			return Err(fail(format!("assigned jobs {jobs:?} in no Assigned queue")));
		}

		let set = ActiveExecutors::<T>::get();
		if set.len() as u32 > T::MaxExecutors::get() {
			return Err("the assignment set exceeds MaxExecutors".into());
		}
		for (k, entry) in set.iter().enumerate() {
			if set.iter().skip(k.saturating_add(1)).any(|e| e.who == entry.who) {
				return Err("an executor is twice in the assignment set".into());
			}
			let info = Executors::<T>::get(&entry.who)
				.ok_or(TryRuntimeError::Other("an unregistered executor in the set"))?;
			let queued = Assigned::<T>::decode_len(&entry.who).unwrap_or(0) as u32;
			if info.status != ExecutorStatus::Active || info.bond != entry.bond {
				return Err("the set disagrees with an executor's status or bond".into());
			}
			if entry.queued != queued {
				return Err(fail(format!("queued {} but Assigned holds {queued}", entry.queued)));
			}
		}
		let reason = HoldReason::ExecutorBond.into();
		for (who, info) in Executors::<T>::iter() {
			let active = set.iter().any(|e| e.who == who);
			if active != (info.status == ExecutorStatus::Active) {
				return Err("an active executor is missing from the set".into());
			}
			let open = open_by_executor.remove(&who).unwrap_or(0);
			if info.open_jobs != open {
				return Err(fail(format!("open_jobs {} but {open} jobs open", info.open_jobs)));
			}
			if T::Currency::balance_on_hold(&reason, &who) != info.bond {
				return Err("an executor's bond hold differs from its bond".into());
			}
		}
		if !open_by_executor.is_empty() {
			return Err("open jobs of an unregistered executor".into());
		}
		for (model, open) in open_by_model {
			if T::Models::open_jobs(&model) != Some(open) {
				return Err(fail(format!("model {model:?}: {open} open jobs, counted otherwise")));
			}
		}

		// Every submitter with a stored job: its holds are its jobs'.
		let payment_reason = HoldReason::JobPayment.into();
		let data_reason = HoldReason::JobData.into();
		for (who, deposit) in data {
			let fees = payment.remove(&who).unwrap_or_else(Zero::zero);
			if T::Currency::balance_on_hold(&payment_reason, &who) != fees {
				return Err("a submitter's JobPayment hold differs from its open jobs".into());
			}
			if T::Currency::balance_on_hold(&data_reason, &who) != deposit {
				return Err("a submitter's JobData hold differs from its jobs' deposits".into());
			}
		}
		Ok(())
	}
}
