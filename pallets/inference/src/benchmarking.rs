//! Benchmarks of the inference pallet: every dispatchable in its worst case, and the per-block
//! work of finalizing jobs.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::expect_used,
	clippy::indexing_slicing,
	clippy::unwrap_used,
	reason = "benchmark setup, compiled only with `runtime-benchmarks`: a failed setup is a failed benchmark, never a dispatch"
)]

use super::*;
use crate::Pallet as Inference;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get, Hooks},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use pallet_verity_models::{ModelId, ModelRegistry};
use sp_runtime::traits::{Bounded, Saturating};
use verity_primitives::{commitment::H256, onnx::zoo, tensor::DType};

/// Funds `who` generously (and not so much that total issuance overflows).
fn fund<T: Config>(who: &T::AccountId) {
	let amount = T::MinExecutorBond::get().saturating_mul(1_000_000u32.into());
	let _ = T::Currency::set_balance(who, amount);
}

/// Empties the assignment set, so that a benchmark controls who takes jobs (a runtime's
/// genesis may have registered executors already).
fn empty_set<T: Config>() {
	ActiveExecutors::<T>::kill();
}

/// A registered executor with the minimum bond.
fn executor<T: Config>(index: u32) -> T::AccountId {
	executor_bonded::<T>(index, 1)
}

/// A registered executor bonding `times` the minimum.
fn executor_bonded<T: Config>(index: u32, times: u32) -> T::AccountId {
	let who: T::AccountId = account("executor", index, 0);
	fund::<T>(&who);
	Inference::<T>::do_register_executor(
		&who,
		T::MinExecutorBond::get().saturating_mul(times.into()),
	)
	.expect("a funded account registers");
	who
}

/// An MLP from `width` inputs to `outputs` outputs, registered.
fn model<T: Config>(width: usize, outputs: usize) -> ModelId {
	let owner: T::AccountId = account("owner", 0, 0);
	fund::<T>(&owner);
	let bytes = zoo::mlp(&[width, outputs], 1).expect("the zoo builds MLPs");
	T::Models::register_for_benchmark(&owner, bytes, 1u32.into()).expect("the MLP is valid")
}

/// `width` zero f32 inputs in the shape `[1, width]`.
fn inputs<T: Config>(width: usize) -> TensorsOf<T> {
	let tensor = JobTensor {
		dtype: DType::F32,
		shape: vec![1, width as u32].try_into().expect("rank 2"),
		data: vec![0u8; 4 * width].try_into().expect("within MaxTensorBytes"),
	};
	vec![tensor].try_into().expect("one input")
}

/// The largest input width whose tensor fits `MaxTensorBytes`.
fn max_width<T: Config>() -> usize {
	(T::MaxTensorBytes::get() / 4) as usize
}

/// Submits `n` jobs from a funded dApp; returns their ids.
fn submit_jobs<T: Config>(model: ModelId, width: usize, n: u32) -> Vec<JobId> {
	let dapp: T::AccountId = account("dapp", 0, 0);
	fund::<T>(&dapp);
	(0..n)
		.map(|_| {
			let id = NextJobId::<T>::get();
			Inference::<T>::do_submit(
				dapp.clone(),
				model,
				inputs::<T>(width),
				BalanceOf::<T>::max_value(),
			)
			.expect("the job is valid");
			id
		})
		.collect()
}

/// A result of `job` with outputs of `outputs` elements.
fn result<T: Config>(job: JobId, outputs: usize, nodes: u32) -> JobResultOf<T> {
	let tensor = JobTensor {
		dtype: DType::F32,
		shape: vec![1, outputs as u32].try_into().expect("rank 2"),
		data: vec![0u8; 4 * outputs].try_into().expect("within MaxTensorBytes"),
	};
	JobResult {
		job,
		outcome: Outcome::Outputs(vec![tensor].try_into().expect("one output")),
		trace_root: H256::repeat_byte(1),
		nodes,
	}
}

/// `n` jobs executed by one executor, in their challenge window.
fn executed_jobs<T: Config>(n: u32) -> Vec<JobId> {
	empty_set::<T>();
	let who = executor::<T>(0);
	let model = model::<T>(1, 2);
	let nodes = T::Models::terms(&model).expect("registered").nodes;
	let jobs = submit_jobs::<T>(model, 1, n);
	for chunk in jobs.chunks(T::MaxResultsPerCall::get() as usize) {
		let results: Vec<_> = chunk.iter().map(|j| result::<T>(*j, 2, nodes)).collect();
		let n = results.len() as u32;
		let (accepted, _) =
			Inference::<T>::do_post_results(&who, results.try_into().expect("chunked"));
		assert_eq!(accepted, n, "assigned to `who`");
	}
	jobs
}

/// Moves the next step of every job in `jobs` into one `Due` bucket (the latest of theirs),
/// makes that block the current one and returns it.
fn due_together<T: Config>(jobs: &[JobId]) -> BlockNumberFor<T> {
	let now = frame_system::Pallet::<T>::block_number();
	let at = jobs.iter().filter_map(|j| Jobs::<T>::get(j).map(|j| j.due)).max().unwrap_or(now);
	for j in jobs {
		if let Some(job) = Jobs::<T>::get(j) {
			Due::<T>::mutate(job.due, |q| q.retain(|x| x != j));
			Jobs::<T>::mutate(j, |job| {
				if let Some(job) = job {
					job.due = at;
				}
			});
		}
	}
	let all: BoundedVec<JobId, T::MaxDuePerBlock> =
		jobs.to_vec().try_into().expect("at most MaxDuePerBlock jobs");
	Due::<T>::insert(at, all);
	frame_system::Pallet::<T>::set_block_number(at);
	at
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// The worst case: the set is full and the new bond displaces the smallest.
	#[benchmark]
	fn register_executor() {
		empty_set::<T>();
		for i in 1..=T::MaxExecutors::get() {
			executor::<T>(i);
		}
		let who: T::AccountId = account("executor", 0, 0);
		fund::<T>(&who);
		let bond = T::MinExecutorBond::get().saturating_add(1u32.into());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), bond);

		assert!(Executors::<T>::contains_key(&who));
		assert_eq!(ActiveExecutors::<T>::get().len() as u32, T::MaxExecutors::get());
	}

	#[benchmark]
	fn unregister_executor() {
		empty_set::<T>();
		let who = executor::<T>(0);
		for i in 1..T::MaxExecutors::get() {
			executor::<T>(i);
		}

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!ActiveExecutors::<T>::get().iter().any(|e| e.who == who));
	}

	#[benchmark]
	fn withdraw_bond() {
		empty_set::<T>();
		let who = executor::<T>(0);
		Inference::<T>::do_unregister_executor(&who).expect("registered");
		let later =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
		frame_system::Pallet::<T>::set_block_number(later);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Executors::<T>::contains_key(&who));
	}

	/// Inputs of `b` bytes (up to `MaxTensorBytes`), with a full executor set to choose from.
	#[benchmark]
	fn submit(b: Linear<4, { T::MaxTensorBytes::get() }>) {
		empty_set::<T>();
		for i in 0..T::MaxExecutors::get() {
			executor::<T>(i);
		}
		let width = (b / 4).max(1) as usize;
		let model = model::<T>(width, 2);
		let dapp: T::AccountId = account("dapp", 0, 0);
		fund::<T>(&dapp);
		let max_fee = BalanceOf::<T>::max_value();

		#[extrinsic_call]
		_(RawOrigin::Signed(dapp), model, inputs::<T>(width), max_fee);

		assert_eq!(NextJobId::<T>::get(), 1);
	}

	/// `n` results, each with an output of `MaxTensorBytes`.
	#[benchmark]
	fn post_results(n: Linear<1, { T::MaxResultsPerCall::get().min(T::MaxAssigned::get()) }>) {
		empty_set::<T>();
		let who = executor::<T>(0);
		let outputs = max_width::<T>();
		let model = model::<T>(1, outputs);
		let nodes = T::Models::terms(&model).expect("registered").nodes;
		let jobs = submit_jobs::<T>(model, 1, n);
		let results: Vec<_> = jobs.iter().map(|j| result::<T>(*j, outputs, nodes)).collect();
		let results: BoundedVec<_, _> = results.try_into().expect("n <= MaxResultsPerCall");

		#[extrinsic_call]
		_(RawOrigin::Signed(who), results);

		assert!(jobs
			.iter()
			.all(|j| Jobs::<T>::get(j).map(|j| j.status) == Some(JobStatus::Executed)));
	}

	/// The per-block work: `n` jobs past their deadline in one block, each penalised and
	/// reassigned, with a full executor set to choose from.
	#[benchmark]
	fn time_out_jobs(n: Linear<0, { T::MaxDuePerBlock::get().min(T::MaxAssigned::get()) }>) {
		empty_set::<T>();
		// Bonds that stay above the minimum through every penalty, so each job is reassigned.
		for i in 0..T::MaxExecutors::get() {
			executor_bonded::<T>(i, 100_000);
		}
		let model = model::<T>(1, 2);
		let jobs = submit_jobs::<T>(model, 1, n);
		let due = due_together::<T>(&jobs);

		#[block]
		{
			Inference::<T>::on_initialize(due);
		}

		assert!(jobs.iter().all(|j| Jobs::<T>::get(j).map(|j| j.attempts) == Some(2)));
	}

	/// The per-block work: `n` jobs finalized in one block (paying executor and owner).
	#[benchmark]
	fn finalize_jobs(n: Linear<0, { T::MaxDuePerBlock::get().min(T::MaxAssigned::get()) }>) {
		let jobs = executed_jobs::<T>(n);
		let due = due_together::<T>(&jobs);

		#[block]
		{
			Inference::<T>::on_initialize(due);
		}

		assert!(jobs
			.iter()
			.all(|j| Jobs::<T>::get(j).map(|j| j.status) == Some(JobStatus::Finalized)));
	}

	/// The per-block work: `n` finished jobs pruned in one block.
	#[benchmark]
	fn prune_jobs(n: Linear<0, { T::MaxDuePerBlock::get().min(T::MaxAssigned::get()) }>) {
		let jobs = executed_jobs::<T>(n);
		let window_end = due_together::<T>(&jobs);
		Inference::<T>::on_initialize(window_end);
		let due = due_together::<T>(&jobs);

		#[block]
		{
			Inference::<T>::on_initialize(due);
		}

		assert!(jobs.iter().all(|j| !Jobs::<T>::contains_key(j)));
	}

	impl_benchmark_test_suite!(Inference, crate::mock::new_test_ext(), crate::mock::Test);
}
