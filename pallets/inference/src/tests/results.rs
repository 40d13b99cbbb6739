//! Tests: results.

use super::*;

#[test]
fn posting_opens_the_window_for_free() {
	new_test_ext().execute_checked(|| {
		setup_job();
		run_to(3);
		let info = post(EXEC_A, vec![result(0)]).unwrap();
		assert_eq!(info.pays_fee, frame_support::dispatch::Pays::No);
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!(job.status, JobStatus::Executed);
		assert_eq!(job.due, 3 + WINDOW);
		assert_eq!(
			job.execution,
			Some(Execution {
				trace_root: H256::repeat_byte(7),
				nodes: model_nodes(),
				at: 3,
				failure: None
			})
		);
		assert_eq!(JobOutputs::<Test>::get(0), Some(outputs()));
		assert!(Assigned::<Test>::get(EXEC_A).is_empty());
		assert!(events().contains(&Event::JobExecuted {
			job: 0,
			executor: EXEC_A,
			trace_root: H256::repeat_byte(7),
			final_at: 3 + WINDOW
		}));
		assert_eq!(
			<Inference as JobSettlement<_, _, _>>::executed(0).map(|e| e.window_end),
			Some(3 + WINDOW)
		);
	});
}

#[test]
fn refusals() {
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_B), MIN_BOND));
		let refused = |who, r| post_refused(who, vec![r]);
		assert_eq!(refused(EXEC_A, result(5)), vec![Error::<Test>::UnknownJob.into()]);
		assert_eq!(refused(EXEC_B, result(0)), vec![Error::<Test>::NotYourJob.into()]);
		let mut r = result(0);
		r.nodes += 1;
		assert_eq!(refused(EXEC_A, r), vec![Error::<Test>::WrongNodeCount.into()]);
		let with_outputs = |outputs: Vec<JobTensor<_>>| {
			let mut r = result(0);
			r.outcome = Outcome::Outputs(outputs.try_into().unwrap());
			r
		};
		let r = with_outputs(vec![f32_tensor(&[2, 1], &[0.0; 2])]);
		assert_eq!(refused(EXEC_A, r), vec![Error::<Test>::WrongOutputShape.into()]);
		let r = with_outputs(vec![]);
		assert_eq!(refused(EXEC_A, r), vec![Error::<Test>::WrongOutputCount.into()]);
		let r = with_outputs(vec![f32_tensor(&[1, 2], &[0.0; 1])]);
		assert_eq!(refused(EXEC_A, r), vec![Error::<Test>::WrongOutputLength.into()]);
		let mut t = f32_tensor(&[1, 2], &[0.0; 2]);
		t.dtype = DType::I32;
		assert_eq!(
			refused(EXEC_A, with_outputs(vec![t])),
			vec![Error::<Test>::WrongOutputDtype.into()]
		);
		// A failed result must name a node of the model, its trace the nodes before it.
		let failed = |node: u32, nodes: u32| JobResult {
			job: 0,
			outcome: Outcome::Failed(NodeFailure { node, reason: Default::default() }),
			trace_root: H256::repeat_byte(3),
			nodes,
		};
		let n = model_nodes();
		assert_eq!(refused(EXEC_A, failed(n, n)), vec![Error::<Test>::WrongFailedNode.into()]);
		assert_eq!(refused(EXEC_A, failed(1, 2)), vec![Error::<Test>::WrongFailedNode.into()]);
		// Failing at node 0 the trace is empty: any other root is refused.
		assert_eq!(refused(EXEC_A, failed(0, 0)), vec![Error::<Test>::WrongFailedNode.into()]);
		// An empty call pays too.
		assert_eq!(post_refused(EXEC_A, vec![]), vec![]);
		assert_ok!(post(EXEC_A, vec![result(0)]));
		assert_eq!(refused(EXEC_A, result(0)), vec![Error::<Test>::NotAwaitingResult.into()]);
	});
}

/// One bad result no longer sinks a batch: each is accepted or refused on its own. Junk beside
/// a good result pays; a race (a job already posted, or gone) does not.
#[test]
fn each_result_stands_on_its_own() {
	new_test_ext().execute_checked(|| {
		setup_job();
		let model = Jobs::<Test>::get(0).unwrap().model;
		assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
		let mut bad = result(1);
		bad.nodes += 1;
		let (info, refused) = post_outcome(EXEC_A, vec![result(0), result(0), bad, result(7)]);
		assert_eq!(info.unwrap().pays_fee, Pays::Yes);
		assert_eq!(
			refused,
			vec![
				(0, Error::<Test>::DuplicateResult.into()),
				(1, Error::<Test>::WrongNodeCount.into()),
				(7, Error::<Test>::UnknownJob.into()),
			]
		);
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Executed);
		assert_eq!(Jobs::<Test>::get(1).unwrap().status, JobStatus::Assigned);
		assert_eq!(Assigned::<Test>::get(EXEC_A).to_vec(), vec![1]);
		// Job 0 again (already posted) and an unknown job beside job 1: the unknown one is not
		// a race an honest worker runs into, so the call pays.
		let (info, refused) = post_outcome(EXEC_A, vec![result(0), result(1), result(7)]);
		assert_eq!(info.unwrap().pays_fee, Pays::Yes);
		assert_eq!(refused.len(), 2);
		assert_eq!(Jobs::<Test>::get(1).unwrap().status, JobStatus::Executed);
		// One race per accepted result is free; two are not.
		assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
		assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
		let (info, _) = post_outcome(EXEC_A, vec![result(0), result(2)]);
		assert_eq!(info.unwrap().pays_fee, Pays::No);
		let (info, _) = post_outcome(EXEC_A, vec![result(0), result(1), result(3)]);
		assert_eq!(info.unwrap().pays_fee, Pays::Yes);
	});
}

#[test]
fn a_late_result_is_refused() {
	new_test_ext().execute_checked(|| {
		// A bond that stays above the minimum after one penalty.
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), 2 * MIN_BOND));
		let model = register_model();
		assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
		run_to(1 + TIMEOUT);
		// The deadline block reassigned the job (to A again: the only executor).
		assert_eq!(Jobs::<Test>::get(0).unwrap().attempts, 2);
		// In the block of the second deadline, before its hook ran, the result is late.
		System::set_block_number(1 + 2 * TIMEOUT);
		assert_eq!(
			post_refused(EXEC_A, vec![result(0)]),
			vec![Error::<Test>::NotAwaitingResult.into()]
		);
		// A result for the second attempt in time is taken.
		System::set_block_number(2 * TIMEOUT);
		assert_ok!(post(EXEC_A, vec![result(0)]));
	});
}
