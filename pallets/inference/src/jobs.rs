//! Jobs: submission, results, and the per-block steps (deadline, finality, pruning).

use crate::{pallet::*, settlement::*, types::*, weights::WeightInfo};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	dispatch::DispatchResult,
	ensure,
	storage::{with_transaction, TransactionOutcome},
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
	weights::Weight,
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_verity_models::{IoSpec, ModelId, ModelRegistry};
use sp_runtime::SaturatedConversion;
use sp_runtime::{
	traits::{One, Saturating},
	DispatchError,
};
use verity_primitives::{
	commitment::{trace_root, H256},
	tensor::TensorBytes,
};

/// How many blocks past its due block a new job's deadline may slip when queues are full.
const SUBMIT_SLIP: u32 = 8;

/// How many blocks past its due block a step of a job already in the system may slip.
const STEP_SLIP: u32 = 256;

impl<T: Config> Pallet<T> {
	/// Checks, charges and assigns a new job.
	pub(crate) fn do_submit(
		who: T::AccountId,
		model: ModelId,
		inputs: TensorsOf<T>,
		max_fee: BalanceOf<T>,
	) -> DispatchResult {
		let terms = T::Models::usable(&model)?;
		let max = T::MaxTensorBytes::get() as u64;
		let fits =
			|s: &IoSpec| JobTensor::<T::MaxTensorBytes>::spec_bytes(s).is_some_and(|b| b <= max);
		ensure!(
			terms.inputs.iter().chain(terms.outputs.iter()).all(fits),
			Error::<T>::ModelTooLarge
		);
		JobTensor::check_all(&inputs, &terms.inputs).map_err(|m| match m {
			SpecMismatch::Count => Error::<T>::WrongInputCount,
			SpecMismatch::DType => Error::<T>::WrongInputDtype,
			SpecMismatch::Shape => Error::<T>::WrongInputShape,
			SpecMismatch::Length => Error::<T>::WrongInputLength,
			SpecMismatch::Value => Error::<T>::WrongInputValue,
		})?;
		let fee = Self::execution_fee(terms.nodes, terms.work);
		let royalty = terms.price;
		ensure!(fee.saturating_add(royalty) <= max_fee, Error::<T>::MaxFeeTooLow);
		// The inputs' bytes plus the outputs' (their shapes are fixed by the model).
		let data_bytes = inputs
			.iter()
			.map(|t| t.data.len() as u64)
			.chain(terms.outputs.iter().filter_map(JobTensor::<T::MaxTensorBytes>::spec_bytes))
			.fold(0u64, |sum, b| sum.saturating_add(b));
		let deposit = Self::data_deposit(data_bytes);

		let job = NextJobId::<T>::get();
		let executor = Self::select_executor(job, 1, None)?;
		let now = frame_system::Pallet::<T>::block_number();
		let deadline = Self::schedule(
			job,
			now.saturating_add(T::ExecutionTimeout::get()),
			T::MaxDuePerBlock::get() / 2,
			SUBMIT_SLIP,
		)?;
		let queued = Assigned::<T>::try_mutate(&executor, |q| q.try_push(job).map(|_| q.len()))
			.map_err(|_| Error::<T>::NoExecutor)?;
		Self::set_queued(&executor, queued);
		T::Currency::hold(&HoldReason::JobPayment.into(), &who, fee.saturating_add(royalty))?;
		T::Currency::hold(&HoldReason::JobData.into(), &who, deposit)?;
		T::Models::job_opened(&model)?;
		Self::count_job(&executor, true);

		NextJobId::<T>::put(job.saturating_add(1));
		let inputs_hash = H256(sp_io::hashing::blake2_256(&inputs.encode()));
		JobInputs::<T>::insert(job, inputs);
		AccountJobs::<T>::insert(&who, job, ());
		Jobs::<T>::insert(
			job,
			Job {
				submitter: who.clone(),
				model,
				model_owner: terms.owner,
				executor: executor.clone(),
				status: JobStatus::Assigned,
				fee,
				royalty,
				deposit,
				attempts: 1,
				submitted_at: now,
				inputs_hash,
				due: deadline,
				execution: None,
			},
		);
		Self::deposit_event(Event::JobSubmitted {
			job,
			model,
			submitter: who,
			fee,
			royalty,
			deposit,
		});
		Self::deposit_event(Event::JobAssigned { job, executor, attempt: 1, deadline });
		Ok(())
	}

	/// The execution fee of a job on a model of `nodes` nodes and `work` units of work:
	/// `BaseFee + FeePerNode × nodes + FeePerMegaWork × ⌈work / 2^20⌉`.
	pub fn execution_fee(nodes: u32, work: u64) -> BalanceOf<T> {
		let mega_work: BalanceOf<T> = work.div_ceil(1 << 20).saturated_into();
		T::BaseFee::get()
			.saturating_add(T::FeePerNode::get().saturating_mul(nodes.into()))
			.saturating_add(T::FeePerMegaWork::get().saturating_mul(mega_work))
	}

	/// The storage deposit of `bytes` bytes of job data.
	pub fn data_deposit(bytes: u64) -> BalanceOf<T> {
		T::DataDepositPerByte::get().saturating_mul(bytes.saturated_into())
	}

	/// Accepts each result of jobs assigned to `who` on its own: a refused one (stale, not
	/// this executor's, malformed, a duplicate in the batch) changes nothing and is reported
	/// in `ResultRefused`. Returns how many were accepted, and whether the refusals are only
	/// races an honest executor cannot avoid (a result for a job that timed out or was
	/// posted already, `NotAwaitingResult`), no more of them than accepted results: only then
	/// may the call be free, so junk never rides for free beside a good result.
	pub(crate) fn do_post_results(
		who: &T::AccountId,
		results: BoundedVec<JobResultOf<T>, T::MaxResultsPerCall>,
	) -> (u32, bool) {
		let now = frame_system::Pallet::<T>::block_number();
		let mut seen = Vec::with_capacity(results.len());
		let mut accepted = 0u32;
		let mut only_races = true;
		let mut refused = 0u32;
		let race: DispatchError = Error::<T>::NotAwaitingResult.into();
		for result in results {
			let job = result.job;
			let outcome = if seen.contains(&job) {
				Err(Error::<T>::DuplicateResult.into())
			} else {
				seen.push(job);
				// Each result in its own storage layer: a refusal half-way leaves nothing.
				with_transaction(|| match Self::accept_result(who, now, result) {
					Ok(()) => TransactionOutcome::Commit(Ok(())),
					Err(e) => TransactionOutcome::Rollback(Err(e)),
				})
			};
			match outcome {
				Ok(()) => accepted = accepted.saturating_add(1),
				Err(error) => {
					only_races &= error == race;
					refused = refused.saturating_add(1);
					Self::deposit_event(Event::ResultRefused { job, executor: who.clone(), error })
				},
			}
		}
		Self::set_queued(who, Assigned::<T>::decode_len(who).unwrap_or(0));
		(accepted, only_races && refused <= accepted)
	}

	fn accept_result(
		who: &T::AccountId,
		now: BlockNumberFor<T>,
		result: JobResultOf<T>,
	) -> DispatchResult {
		let mut job = Jobs::<T>::get(result.job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(&job.executor == who, Error::<T>::NotYourJob);
		ensure!(job.status == JobStatus::Assigned && now < job.due, Error::<T>::NotAwaitingResult);
		let terms = T::Models::terms(&job.model).ok_or(Error::<T>::UnknownJob)?;
		let (outputs, failure) = match result.outcome {
			Outcome::Outputs(outputs) => {
				ensure!(result.nodes == terms.nodes, Error::<T>::WrongNodeCount);
				JobTensor::check_all(&outputs, &terms.outputs).map_err(|m| match m {
					SpecMismatch::Count => Error::<T>::WrongOutputCount,
					SpecMismatch::DType => Error::<T>::WrongOutputDtype,
					SpecMismatch::Shape => Error::<T>::WrongOutputShape,
					SpecMismatch::Length => Error::<T>::WrongOutputLength,
					SpecMismatch::Value => Error::<T>::WrongOutputValue,
				})?;
				(Some(outputs), None)
			},
			Outcome::Failed(failure) => {
				ensure!(
					failure.node < terms.nodes && result.nodes == failure.node,
					Error::<T>::WrongFailedNode
				);
				// Failing at the first node, the trace is empty: nothing to stand by but that.
				ensure!(
					failure.node > 0 || result.trace_root == trace_root(&[]),
					Error::<T>::WrongFailedNode
				);
				(None, Some(failure))
			},
		};
		// The deadline entry is spent: free its place first. (Removed after scheduling, it
		// would also remove the finality entry when both fall in the same block, and the job
		// would never finish.)
		Self::unschedule(job.due, result.job);
		let final_at =
			Self::schedule_step(result.job, now.saturating_add(T::ChallengeWindow::get()))?;
		Assigned::<T>::mutate(who, |q| q.retain(|j| *j != result.job));
		job.status = JobStatus::Executed;
		job.due = final_at;
		let failed_node = failure.as_ref().map(|f| f.node);
		job.execution = Some(Execution {
			trace_root: result.trace_root,
			nodes: result.nodes,
			at: now,
			failure,
		});
		Jobs::<T>::insert(result.job, job);
		let executor = who.clone();
		let (job, trace_root) = (result.job, result.trace_root);
		match (outputs, failed_node) {
			(Some(outputs), _) => {
				JobOutputs::<T>::insert(job, outputs);
				Self::deposit_event(Event::JobExecuted { job, executor, trace_root, final_at });
			},
			(None, node) => Self::deposit_event(Event::JobFailed {
				job,
				executor,
				node: node.unwrap_or_default(),
				trace_root,
				final_at,
			}),
		}
		Ok(())
	}

	/// Takes `job` out of the queue of block `at` (deleting an emptied queue).
	pub(crate) fn unschedule(at: BlockNumberFor<T>, job: JobId) {
		Due::<T>::mutate_exists(at, |queue| {
			if let Some(q) = queue {
				q.retain(|j| *j != job);
				if q.is_empty() {
					*queue = None;
				}
			}
		});
	}

	/// Puts `job` in the queue of block `at` if it holds fewer than `fill` jobs, or of one of
	/// the next `slip` blocks; returns the block chosen.
	///
	/// New jobs may fill queues only half ([`Self::do_submit`]); the steps of jobs already in
	/// the system use the whole queue and slip further ([`Self::schedule_step`]), so a flood of
	/// submissions cannot keep executors from posting results or jobs from finishing.
	pub(crate) fn schedule(
		job: JobId,
		at: BlockNumberFor<T>,
		fill: u32,
		slip: u32,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let mut block = at;
		for _ in 0..=slip {
			let placed = Due::<T>::try_mutate(block, |q| {
				if (q.len() as u32) < fill {
					q.try_push(job).map_err(|_| ())
				} else {
					Err(())
				}
			});
			if placed.is_ok() {
				return Ok(block);
			}
			block = block.saturating_add(One::one());
		}
		Err(Error::<T>::Congested.into())
	}

	/// Schedules a step of a job already in the system (window end, new deadline, pruning).
	pub(crate) fn schedule_step(
		job: JobId,
		at: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		Self::schedule(job, at, T::MaxDuePerBlock::get(), STEP_SLIP)
	}

	/// Runs the steps due in block `now`; returns their weight, each step priced by the
	/// benchmark of its kind.
	pub(crate) fn process_due(now: BlockNumberFor<T>) -> Weight {
		let (mut timeouts, mut finalized, mut other) = (0u32, 0u32, 0u32);
		for job in Due::<T>::take(now) {
			match Self::step(job, now) {
				Step::TimedOut => timeouts = timeouts.saturating_add(1),
				Step::Finalized => finalized = finalized.saturating_add(1),
				Step::Pruned | Step::Held | Step::Stale => other = other.saturating_add(1),
			}
		}
		T::WeightInfo::time_out_jobs(timeouts)
			.saturating_add(T::WeightInfo::finalize_jobs(finalized))
			.saturating_add(T::WeightInfo::prune_jobs(other))
	}

	/// The most a full `Due` bucket can cost: every job taking the costliest step.
	pub fn max_due_weight() -> Weight {
		let n = T::MaxDuePerBlock::get();
		T::WeightInfo::time_out_jobs(n)
			.max(T::WeightInfo::finalize_jobs(n))
			.max(T::WeightInfo::prune_jobs(n))
	}

	/// One job's step at its due block. Stale entries (a job that moved on) are skipped.
	fn step(id: JobId, now: BlockNumberFor<T>) -> Step {
		let Some(job) = Jobs::<T>::get(id) else { return Step::Stale };
		if job.due != now {
			return Step::Stale;
		}
		match job.status {
			JobStatus::Assigned => {
				Self::time_out(id, job, now);
				Step::TimedOut
			},
			JobStatus::Executed if T::Disputes::holds(id) => {
				// Looked at again a window later (the game settles it before, through
				// `JobSettlement`), so that the job keeps its one `Due` entry. With the queues
				// a window on full, the first block with room in the next `4 · STEP_SLIP`.
				let mut job = job;
				let later = Self::schedule_step(id, now.saturating_add(T::ChallengeWindow::get()))
					.or_else(|_| {
						Self::schedule(
							id,
							now.saturating_add(One::one()),
							T::MaxDuePerBlock::get(),
							STEP_SLIP.saturating_mul(4),
						)
					});
				match later {
					Ok(at) => {
						job.due = at;
						Jobs::<T>::insert(id, job);
						Step::Held
					},
					Err(_) => {
						// Nowhere to wait: final now rather than held for ever with its funds.
						log::error!(target: "verity", "job {id}: held with every queue full; finalized");
						Self::finalize(id, job, now);
						Step::Finalized
					},
				}
			},
			JobStatus::Executed => {
				Self::finalize(id, job, now);
				Step::Finalized
			},
			JobStatus::Finalized | JobStatus::Refunded => {
				Self::prune(id, &job);
				Step::Pruned
			},
		}
	}

	/// The executor missed the deadline: penalise it, then reassign or refund the job.
	fn time_out(id: JobId, job: JobOf<T>, now: BlockNumberFor<T>) {
		let late = job.executor.clone();
		let left = Assigned::<T>::mutate(&late, |q| {
			q.retain(|j| *j != id);
			q.len()
		});
		Self::set_queued(&late, left);
		Self::count_job(&late, false);
		Self::penalise_late(&late, id);
		Self::reassign_or_refund(id, job, &late, now);
	}

	/// Gives `job` to another executor than `previous` with a new deadline, or refunds it
	/// when it has had `MaxAttempts` assignments or nobody can take it.
	fn reassign_or_refund(
		id: JobId,
		mut job: JobOf<T>,
		previous: &T::AccountId,
		now: BlockNumberFor<T>,
	) {
		if job.attempts < T::MaxAttempts::get() {
			let attempt = job.attempts.saturating_add(1);
			let reassigned = Self::select_executor(id, attempt, Some(previous)).and_then(|next| {
				let deadline =
					Self::schedule_step(id, now.saturating_add(T::ExecutionTimeout::get()))?;
				let queued = Assigned::<T>::try_mutate(&next, |q| q.try_push(id).map(|_| q.len()))
					.map_err(|_| Error::<T>::NoExecutor)?;
				Self::set_queued(&next, queued);
				Ok((next, deadline))
			});
			if let Ok((next, deadline)) = reassigned {
				Self::count_job(&next, true);
				job.executor = next.clone();
				job.attempts = attempt;
				job.due = deadline;
				Jobs::<T>::insert(id, job);
				Self::deposit_event(Event::JobAssigned {
					job: id,
					executor: next,
					attempt,
					deadline,
				});
				return;
			}
		}
		Self::refund(id, job, now);
	}

	/// Gives the submitter everything back and closes the job.
	fn refund(id: JobId, mut job: JobOf<T>, now: BlockNumberFor<T>) {
		let held = job.fee.saturating_add(job.royalty);
		let _ = T::Currency::release(
			&HoldReason::JobPayment.into(),
			&job.submitter,
			held,
			Precision::BestEffort,
		);
		T::Models::job_closed(&job.model);
		job.status = JobStatus::Refunded;
		Self::deposit_event(Event::JobRefunded { job: id, submitter: job.submitter.clone() });
		Self::close(id, job, now);
	}

	/// Pays the executor and the model owner from the submitter's hold; closes the job.
	pub(crate) fn finalize(id: JobId, mut job: JobOf<T>, now: BlockNumberFor<T>) {
		let reason = HoldReason::JobPayment.into();
		let pay = |to: &T::AccountId, amount: BalanceOf<T>| {
			T::Currency::transfer_on_hold(
				&reason,
				&job.submitter,
				to,
				amount,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)
		};
		// A payment that cannot be made (it should not happen: both recipients hold funds that
		// keep their accounts alive) goes back to the submitter rather than staying held.
		for (to, amount) in [(&job.executor, job.fee), (&job.model_owner, job.royalty)] {
			if let Err(e) = pay(to, amount) {
				log::error!(target: "verity", "job {id}: payment not made, returned: {e:?}");
				let _ =
					T::Currency::release(&reason, &job.submitter, amount, Precision::BestEffort);
			}
		}
		Self::count_job(&job.executor, false);
		T::Models::job_closed(&job.model);
		job.status = JobStatus::Finalized;
		let (executor, fee, royalty) = (job.executor.clone(), job.fee, job.royalty);
		Self::deposit_event(Event::JobFinalized { job: id, executor, fee, royalty });
		Self::close(id, job, now);
	}

	/// Stores a job that just finished with its pruning scheduled after the retention
	/// period. If even `STEP_SLIP` blocks of queues are full, the job is pruned now rather than
	/// kept forever (its events stay).
	fn close(id: JobId, mut job: JobOf<T>, now: BlockNumberFor<T>) {
		match Self::schedule_step(id, now.saturating_add(T::Retention::get())) {
			Ok(at) => {
				job.due = at;
				Jobs::<T>::insert(id, job);
			},
			Err(_) => Self::prune(id, &job),
		}
	}

	/// Deletes a finished job and releases its data deposit.
	fn prune(id: JobId, job: &JobOf<T>) {
		sp_io::offchain_index::clear(&crate::offchain::local_key::<T>(id, job));
		JobInputs::<T>::remove(id);
		Jobs::<T>::remove(id);
		JobOutputs::<T>::remove(id);
		AccountJobs::<T>::remove(&job.submitter, id);
		let _ = T::Currency::release(
			&HoldReason::JobData.into(),
			&job.submitter,
			job.deposit,
			Precision::BestEffort,
		);
		Self::deposit_event(Event::JobPruned { job: id });
	}

	/// A job with its inputs and outputs (for the runtime API).
	pub fn job_with_data(id: JobId) -> Option<JobData<T>> {
		let job = Jobs::<T>::get(id)?;
		let inputs = JobInputs::<T>::get(id).unwrap_or_default();
		Some((job, inputs, JobOutputs::<T>::get(id)))
	}

	/// Up to `limit` job ids of `who`, after `after` (exclusive) when given, in key order.
	pub fn jobs_of(who: &T::AccountId, after: Option<JobId>, limit: u32) -> Vec<JobId> {
		let iter = match after {
			Some(last) => AccountJobs::<T>::iter_key_prefix_from(
				who,
				AccountJobs::<T>::hashed_key_for(who, last),
			),
			None => AccountJobs::<T>::iter_key_prefix(who),
		};
		iter.take(limit as usize).collect()
	}
}

impl<T: Config> JobSettlement<T::AccountId, BlockNumberFor<T>, BalanceOf<T>> for Pallet<T> {
	fn executed(job: JobId) -> Option<ExecutedJob<T::AccountId, BlockNumberFor<T>>> {
		let j = Jobs::<T>::get(job)?;
		let execution = j.execution?;
		(j.status == JobStatus::Executed).then_some(ExecutedJob {
			executor: j.executor,
			model: j.model,
			trace_root: execution.trace_root,
			nodes: execution.nodes,
			failure: execution.failure,
			window_end: j.due,
		})
	}

	fn inputs(job: JobId) -> Option<Vec<TensorBytes>> {
		Some(JobInputs::<T>::get(job)?.iter().map(JobTensor::to_tensor_bytes).collect())
	}

	fn outputs(job: JobId) -> Option<Vec<TensorBytes>> {
		Some(JobOutputs::<T>::get(job)?.iter().map(JobTensor::to_tensor_bytes).collect())
	}

	fn executor_refuted(
		job: JobId,
		terms: SlashTerms<T::AccountId, BalanceOf<T>>,
	) -> Result<Slashed<BalanceOf<T>>, DispatchError> {
		let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(j.status == JobStatus::Executed, Error::<T>::NotAwaitingResult);
		let executor = j.executor.clone();
		let slashed = Self::slash_and_suspend(&executor, job, &terms);
		// The result is dropped: its window-end entry, its outputs, the executor's count.
		Self::unschedule(j.due, job);
		JobOutputs::<T>::remove(job);
		Self::count_job(&executor, false);
		j.execution = None;
		j.status = JobStatus::Assigned;
		Self::deposit_event(Event::ResultRefuted { job, executor: executor.clone() });
		Self::reassign_or_refund(job, j, &executor, frame_system::Pallet::<T>::block_number());
		Ok(slashed)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn executed_for_benchmark(
		model: ModelId,
		inputs: Vec<TensorBytes>,
		outputs: Vec<TensorBytes>,
		trace_root: H256,
		nodes: u32,
	) -> Result<(JobId, T::AccountId), DispatchError> {
		use frame_support::traits::fungible::Mutate;
		use sp_runtime::traits::Bounded;
		let fund = |who: &T::AccountId| {
			let _ = T::Currency::set_balance(
				who,
				T::MinExecutorBond::get().saturating_mul(1_000_000u32.into()),
			);
		};
		let executor: T::AccountId = frame_benchmarking::account("executor", 0, 0);
		let dapp: T::AccountId = frame_benchmarking::account("dapp", 0, 0);
		fund(&executor);
		fund(&dapp);
		if Executors::<T>::get(&executor).is_none() {
			// Alone in the set: every job goes to it.
			ActiveExecutors::<T>::kill();
			Self::do_register_executor(&executor, T::MinExecutorBond::get())?;
		}
		let tensors = |ts: Vec<TensorBytes>| -> Result<TensorsOf<T>, DispatchError> {
			let v: Vec<_> = ts.iter().filter_map(JobTensor::from_tensor_bytes).collect();
			v.try_into().map_err(|_| Error::<T>::UnknownJob.into())
		};
		let job = NextJobId::<T>::get();
		Self::do_submit(dapp, model, tensors(inputs)?, BalanceOf::<T>::max_value())?;
		let result =
			JobResult { job, outcome: Outcome::Outputs(tensors(outputs)?), trace_root, nodes };
		let now = frame_system::Pallet::<T>::block_number();
		Self::accept_result(&executor, now, result)?;
		Ok((job, executor))
	}

	fn reopen_window(job: JobId) -> DispatchResult {
		let mut j = Jobs::<T>::get(job).ok_or(Error::<T>::UnknownJob)?;
		ensure!(j.status == JobStatus::Executed, Error::<T>::NotAwaitingResult);
		let until =
			frame_system::Pallet::<T>::block_number().saturating_add(T::ChallengeWindow::get());
		if j.due >= until {
			return Ok(());
		}
		let at = Self::schedule_step(job, until)?;
		Self::unschedule(j.due, job);
		j.due = at;
		Jobs::<T>::insert(job, j);
		Ok(())
	}
}

/// What a due job's step did (it prices the step).
enum Step {
	/// Its deadline passed: penalised, reassigned or refunded.
	TimedOut,
	/// Its window ended: paid out.
	Finalized,
	/// Its retention ended: deleted.
	Pruned,
	/// A dispute holds it.
	Held,
	/// The entry was stale (the job moved on or is gone).
	Stale,
}
