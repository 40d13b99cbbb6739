//! Tests: lifecycle.

use super::*;

/// A result whose challenge window ends in its own deadline block keeps exactly one `Due`
/// entry and finalizes (it used to lose both and stay Executed with its payment held).
#[test]
fn a_result_final_in_its_deadline_block_finalizes() {
	new_test_ext().execute_checked(|| {
		setup_job();
		let deadline = Jobs::<Test>::get(0).unwrap().due;
		run_to(deadline - WINDOW);
		assert_ok!(post(EXEC_A, vec![result(0)]));
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!(job.due, deadline, "final at the old deadline block");
		assert_eq!(Due::<Test>::get(deadline).iter().filter(|j| **j == 0).count(), 1);
		run_to(deadline);
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Finalized);
		assert_eq!(held(DAPP, HoldReason::JobPayment), 0);
	});
}

#[test]
fn finalization_pays_executor_and_owner_exactly() {
	new_test_ext().execute_checked(|| {
		let model = setup_job();
		let fee = execution_fee();
		let (dapp, exec, owner) = (free(DAPP), free(EXEC_A), free(OWNER));
		assert_ok!(post(EXEC_A, vec![result(0)]));
		run_to(WINDOW);
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Executed);
		run_to(1 + WINDOW);
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!(job.status, JobStatus::Finalized);
		assert_eq!(free(DAPP), dapp);
		assert_eq!(held(DAPP, HoldReason::JobPayment), 0);
		assert_eq!(free(EXEC_A), exec + fee);
		assert_eq!(free(OWNER), owner + PRICE);
		assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), MIN_BOND);
		assert_eq!(pallet_verity_models::Models::<Test>::get(model).unwrap().open_jobs, 0);
		assert_eq!(Executors::<Test>::get(EXEC_A).unwrap().open_jobs, 0);
		assert!(events().contains(&Event::JobFinalized {
			job: 0,
			executor: EXEC_A,
			fee,
			royalty: PRICE
		}));
	});
}

#[test]
fn a_disputed_job_waits_for_the_game() {
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_ok!(post(EXEC_A, vec![result(0)]));
		DISPUTED.with(|d| d.borrow_mut().push(0));
		run_to(20);
		// Held past its window, it is looked at again one window later, and again.
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!(job.status, JobStatus::Executed);
		assert!(job.due > 20 && Due::<Test>::get(job.due).contains(&0));
		// The game ends with the executor right: a full window from now, then final.
		DISPUTED.with(|d| d.borrow_mut().clear());
		let due = job.due;
		run_to(due - 1);
		assert_ok!(<Inference as JobSettlement<_, _, _>>::reopen_window(0));
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!(job.due, due - 1 + WINDOW);
		assert!(!Due::<Test>::contains_key(due) || !Due::<Test>::get(due).contains(&0));
		run_to(due - 1 + WINDOW - 1);
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Executed);
		run_to(due - 1 + WINDOW);
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Finalized);
	});
}

#[test]
fn timeout_penalises_and_reassigns_then_refunds() {
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_B), 2 * MIN_BOND));
		let (dapp, a, b) = (free(DAPP), free(EXEC_A), free(EXEC_B));
		let issuance = Balances::total_issuance();
		run_to(1 + TIMEOUT);
		// A missed the deadline: 10% of its bond burnt, the job goes to B.
		assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), MIN_BOND - MIN_BOND / 10);
		assert_eq!(Balances::total_issuance(), issuance - MIN_BOND / 10);
		// A's bond is now below the minimum: it left the set.
		assert_eq!(active(), vec![(EXEC_B, 2 * MIN_BOND, 1)]);
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!((job.executor, job.attempts, job.due), (EXEC_B, 2, 1 + 2 * TIMEOUT));
		assert_eq!(Assigned::<Test>::get(EXEC_B).to_vec(), vec![0]);
		assert!(Assigned::<Test>::get(EXEC_A).is_empty());
		// B misses it too: MaxAttempts = 2, so the job is refunded.
		run_to(1 + 2 * TIMEOUT);
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Refunded);
		assert_eq!(free(DAPP), dapp + job_cost());
		assert_eq!(held(DAPP, HoldReason::JobPayment), 0);
		assert_eq!(held(EXEC_B, HoldReason::ExecutorBond), 2 * MIN_BOND - 2 * MIN_BOND / 10);
		assert_eq!((free(EXEC_A), free(EXEC_B)), (a, b));
		assert!(events().contains(&Event::JobRefunded { job: 0, submitter: DAPP }));
		assert!(events().contains(&Event::ExecutorPenalised {
			who: EXEC_B,
			job: 0,
			amount: 2 * MIN_BOND / 10
		}));
	});
}

#[test]
fn finished_jobs_are_pruned_after_retention() {
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_ok!(post(EXEC_A, vec![result(0)]));
		run_to(1 + WINDOW + RETENTION - 1);
		assert!(Jobs::<Test>::get(0).is_some());
		run_to(1 + WINDOW + RETENTION);
		assert!(Jobs::<Test>::get(0).is_none());
		assert!(JobInputs::<Test>::get(0).is_none());
		assert!(JobOutputs::<Test>::get(0).is_none());
		assert!(Inference::jobs_of(&DAPP, None, 10).is_empty());
		assert!(events().contains(&Event::JobPruned { job: 0 }));
	});
}

#[test]
fn full_queues_slip_then_refuse_new_jobs_but_not_steps() {
	// The scheduler alone, with job ids that are not jobs: no invariant check.
	new_test_ext().execute_with(|| {
		// New jobs fill a queue to half (8 of 16) and slip at most 8 blocks.
		for job in 0..8 * 9 {
			assert!(Inference::schedule(job, 100, 8, 8).is_ok());
		}
		assert_eq!(Due::<Test>::get(108).len(), 8);
		assert_eq!(Inference::schedule(999, 100, 8, 8), Err(Error::<Test>::Congested.into()));
		// Steps of jobs already in the system still find room.
		assert_eq!(Inference::schedule_step(1_000, 100), Ok(100));
		for job in 1_001..1_008 {
			assert_eq!(Inference::schedule_step(job, 100), Ok(100));
		}
		// Block 100 is full now; block 101 still has room for steps.
		assert_eq!(Inference::schedule_step(2_000, 100), Ok(101));
	});
}

#[test]
fn posting_frees_the_deadline_entry() {
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_eq!(Due::<Test>::get(1 + TIMEOUT).to_vec(), vec![0]);
		assert_ok!(post(EXEC_A, vec![result(0)]));
		assert!(Due::<Test>::get(1 + TIMEOUT).is_empty());
		assert_eq!(Due::<Test>::get(1 + WINDOW).to_vec(), vec![0]);
	});
}

#[test]
fn models_whose_tensors_no_job_can_carry_are_refused() {
	new_test_ext().execute_checked(|| {
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
		// 4 → 8192 f32 outputs: 32 KiB, over the mock's 16 KiB MaxTensorBytes.
		let bytes = zoo::mlp(&[4, 8192], 3).unwrap();
		assert_ok!(Models::register(
			RuntimeOrigin::signed(OWNER),
			bytes.clone().try_into().unwrap(),
			b"wide".to_vec().try_into().unwrap(),
			1,
			PRICE,
		));
		assert_noop!(
			Inference::submit(
				RuntimeOrigin::signed(DAPP),
				Models::model_id(&bytes),
				inputs(),
				1_000_000
			),
			Error::<Test>::ModelTooLarge
		);
	});
}

#[test]
fn bool_inputs_must_be_zero_or_one() {
	let spec = pallet_verity_models::IoSpec {
		name: Default::default(),
		dtype: DType::Bool,
		shape: vec![1, 2].try_into().unwrap(),
	};
	let mut t: JobTensor<<Test as Config>::MaxTensorBytes> = JobTensor {
		dtype: DType::Bool,
		shape: vec![1, 2].try_into().unwrap(),
		data: vec![0, 1].try_into().unwrap(),
	};
	assert_eq!(t.check(&spec), Ok(()));
	t.data[1] = 2;
	assert_eq!(t.check(&spec), Err(SpecMismatch::Value));
}

/// The one-byte types whose bytes are not all elements: a submitter cannot send an input that
/// no executor can decode (and be penalised for not answering).
#[test]
fn sub_byte_and_float4_inputs_must_be_in_range() {
	let cases: [(DType, u8, u8); 5] = [
		(DType::I4, 0xf8, 0x08),
		(DType::U4, 0x0f, 0x10),
		(DType::I2, 0xfe, 0x02),
		(DType::U2, 0x03, 0x04),
		(DType::F4E2M1, 0x0f, 0x10),
	];
	for (dtype, good, bad) in cases {
		let spec = pallet_verity_models::IoSpec {
			name: Default::default(),
			dtype,
			shape: vec![2].try_into().unwrap(),
		};
		let mut t: JobTensor<<Test as Config>::MaxTensorBytes> = JobTensor {
			dtype,
			shape: vec![2].try_into().unwrap(),
			data: vec![0, good].try_into().unwrap(),
		};
		assert_eq!(t.check(&spec), Ok(()), "{dtype:?}");
		t.data[1] = bad;
		assert_eq!(t.check(&spec), Err(SpecMismatch::Value), "{dtype:?}");
	}
}

#[test]
fn paged_job_lists() {
	new_test_ext().execute_checked(|| {
		setup_job();
		for _ in 0..4 {
			assert_ok!(Inference::submit(
				RuntimeOrigin::signed(DAPP),
				Models::model_id(&model_bytes()),
				inputs(),
				1_000
			));
		}
		let first = Inference::jobs_of(&DAPP, None, 3);
		assert_eq!(first.len(), 3);
		let rest = Inference::jobs_of(&DAPP, first.last().copied(), 3);
		assert_eq!(rest.len(), 2);
		let mut all: Vec<_> = first.into_iter().chain(rest).collect();
		all.sort();
		assert_eq!(all, vec![0, 1, 2, 3, 4]);
	});
}

/// A refuted result: the executor loses the slash (the winner's share to the winner, the
/// rest to the treasury, no planck burnt), is suspended, is not paid; the job goes to the
/// other executor with a new deadline and finalizes there.
#[test]
fn a_refuted_result_slashes_suspends_and_reassigns() {
	use crate::{SlashTerms, Slashed};
	const WINNER: u64 = 40;
	const TREASURY: u64 = 41;
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_B), MIN_BOND));
		let issuance =
			<Balances as frame_support::traits::fungible::Inspect<u64>>::total_issuance();
		assert_ok!(post(EXEC_A, vec![result(0)]));
		let share = sp_runtime::Perbill::from_percent(40);
		let terms = SlashTerms { amount: 300, winner: WINNER, share, treasury: TREASURY };
		let out = <Inference as JobSettlement<_, _, _>>::executor_refuted(0, terms);
		assert_eq!(out, Ok(Slashed { slashed: 300, reward: 120 }));
		assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), MIN_BOND - 300);
		assert_eq!(free(WINNER), 120);
		assert_eq!(free(TREASURY), 180);
		assert_eq!(
			<Balances as frame_support::traits::fungible::Inspect<u64>>::total_issuance(),
			issuance
		);
		let info = Executors::<Test>::get(EXEC_A).unwrap();
		assert_eq!(info.status, ExecutorStatus::Suspended(1 + 50));
		assert_eq!(info.open_jobs, 0);
		assert!(ActiveExecutors::<Test>::get().iter().all(|e| e.who != EXEC_A));
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!((job.status, job.executor, job.attempts), (JobStatus::Assigned, EXEC_B, 2));
		assert!(job.execution.is_none() && JobOutputs::<Test>::get(0).is_none());
		assert!(events().contains(&Event::ResultRefuted { job: 0, executor: EXEC_A }));
		assert!(events().contains(&Event::ExecutorSlashed {
			who: EXEC_A,
			job: 0,
			amount: 300,
			reward: 120
		}));
		// Refuted twice: no longer executed.
		let again = SlashTerms { amount: 1, winner: WINNER, share, treasury: TREASURY };
		assert!(<Inference as JobSettlement<_, _, _>>::executor_refuted(0, again).is_err());
		// Suspended: no rejoining before the period ends, then with at least the minimum.
		assert_noop!(
			Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND),
			Error::<Test>::Suspended
		);
		let exec_a = free(EXEC_A);
		assert_ok!(post(EXEC_B, vec![result(0)]));
		run_to(1 + WINDOW);
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Finalized);
		assert_eq!(free(EXEC_A), exec_a, "the refuted executor is not paid");
		run_to(51);
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
		assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), MIN_BOND);
	});
}

/// A suspended executor withdraws its bond once the suspension is over.
#[test]
fn a_suspended_executor_withdraws_after_the_period() {
	use crate::SlashTerms;
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_ok!(post(EXEC_A, vec![result(0)]));
		let share = sp_runtime::Perbill::from_percent(50);
		let terms = SlashTerms { amount: 100, winner: 40, share, treasury: 41 };
		assert_ok!(<Inference as JobSettlement<_, _, _>>::executor_refuted(0, terms));
		// No other executor: the job is refunded.
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Refunded);
		assert_noop!(
			Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)),
			Error::<Test>::Unbonding
		);
		run_to(51);
		assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)));
		assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), 0);
	});
}
