//! Tests: submit.

use super::*;

#[test]
fn executors_with_full_queues_take_no_new_jobs() {
	new_test_ext().execute_checked(|| {
		let model = setup_job();
		// A's queue holds at most 8 (MaxAssigned): jobs 0..8 fill it.
		for _ in 1..8 {
			assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
		}
		assert_eq!(active(), vec![(EXEC_A, MIN_BOND, 8)]);
		assert_noop!(
			Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000),
			Error::<Test>::NoExecutor
		);
		// B joins: A's queue is full, so B gets the next job whatever the draw.
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_B), MIN_BOND));
		assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
		assert_eq!(Jobs::<Test>::get(8).unwrap().executor, EXEC_B);
		// A posts two results: its queue has room again, and the count follows.
		assert_ok!(post(EXEC_A, vec![result(0), result(1)]));
		assert_eq!(active(), vec![(EXEC_A, MIN_BOND, 6), (EXEC_B, MIN_BOND, 1)]);
		check_invariants();
	});
}

#[test]
fn holds_fee_and_royalty_and_assigns() {
	new_test_ext().execute_checked(|| {
		let model = setup_job();
		let fee = execution_fee();
		assert_eq!(held(DAPP, HoldReason::JobPayment), fee + PRICE);
		assert_eq!(held(DAPP, HoldReason::JobData), data_deposit());
		assert_eq!(free(DAPP), START - fee - PRICE - data_deposit());
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!(job.status, JobStatus::Assigned);
		assert_eq!((job.executor, job.fee, job.royalty, job.attempts), (EXEC_A, fee, PRICE, 1));
		assert_eq!(job.due, 1 + TIMEOUT);
		assert_eq!(Assigned::<Test>::get(EXEC_A).to_vec(), vec![0]);
		assert_eq!(Due::<Test>::get(1 + TIMEOUT).to_vec(), vec![0]);
		assert_eq!(JobInputs::<Test>::get(0), Some(inputs()));
		assert_eq!(Inference::jobs_of(&DAPP, None, 10), vec![0]);
		assert_eq!(pallet_verity_models::Models::<Test>::get(model).unwrap().open_jobs, 1);
		assert_eq!(Executors::<Test>::get(EXEC_A).unwrap().open_jobs, 1);
		let ev = events();
		assert!(ev.contains(&Event::JobSubmitted {
			job: 0,
			model,
			submitter: DAPP,
			fee,
			royalty: PRICE,
			deposit: data_deposit(),
		}));
		assert!(ev.contains(&Event::JobAssigned {
			job: 0,
			executor: EXEC_A,
			attempt: 1,
			deadline: 1 + TIMEOUT
		}));
	});
}

#[test]
fn bad_inputs_are_refused_and_nothing_is_held() {
	new_test_ext().execute_checked(|| {
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
		let model = register_model();
		let submit = |inputs: Vec<JobTensor<_>>| {
			Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs.try_into().unwrap(), 1_000)
		};
		let good = f32_tensor(&[1, 4], &[0.0; 4]);
		assert_noop!(submit(vec![]), Error::<Test>::WrongInputCount);
		assert_noop!(submit(vec![good.clone(), good.clone()]), Error::<Test>::WrongInputCount);
		assert_noop!(submit(vec![f32_tensor(&[4, 1], &[0.0; 4])]), Error::<Test>::WrongInputShape);
		assert_noop!(submit(vec![f32_tensor(&[1, 4], &[0.0; 3])]), Error::<Test>::WrongInputLength);
		let mut int = good.clone();
		int.dtype = DType::I32;
		assert_noop!(submit(vec![int]), Error::<Test>::WrongInputDtype);
		assert_noop!(
			Inference::submit(RuntimeOrigin::signed(DAPP), H256::repeat_byte(1), inputs(), 1_000),
			pallet_verity_models::Error::<Test>::UnknownModel
		);
		assert_noop!(
			Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), job_cost() - 1),
			Error::<Test>::MaxFeeTooLow
		);
		assert_noop!(
			Inference::submit(RuntimeOrigin::signed(POOR), model, inputs(), 1_000),
			TokenError::FundsUnavailable
		);
		assert_eq!(held(DAPP, HoldReason::JobPayment), 0);
		assert_eq!(held(POOR, HoldReason::JobPayment), 0);
		assert_eq!(NextJobId::<Test>::get(), 0);
	});
}

#[test]
fn deprecated_model_and_no_executor() {
	new_test_ext().execute_checked(|| {
		let model = register_model();
		assert_noop!(
			Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000),
			Error::<Test>::NoExecutor
		);
		assert_ok!(Models::deprecate(RuntimeOrigin::signed(OWNER), model));
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
		assert_noop!(
			Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000),
			pallet_verity_models::Error::<Test>::Deprecated
		);
	});
}

#[test]
fn a_model_with_open_jobs_cannot_be_removed() {
	new_test_ext().execute_checked(|| {
		let model = setup_job();
		assert_noop!(
			Models::remove(RuntimeOrigin::signed(OWNER), model),
			pallet_verity_models::Error::<Test>::OpenJobs
		);
		assert_ok!(post(EXEC_A, vec![result(0)]));
		run_to(1 + WINDOW);
		assert_ok!(Models::remove(RuntimeOrigin::signed(OWNER), model));
	});
}
