//! Unit tests of the inference pallet on the mock runtime.

use crate::{mock::*, *};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{InspectHold, Mutate},
		Hooks,
	},
};
use pallet_verity_models::ModelId;
use sp_core::offchain::{
	testing::{TestOffchainExt, TestTransactionPoolExt},
	OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
};
use sp_runtime::{testing::UintAuthorityId, TokenError};
use std::sync::{atomic::Ordering, Arc};
use verity_primitives::{commitment::H256, graph::Graph, onnx::zoo, tensor::DType};

/// Royalty of the test model.
const PRICE: Balance = 30;

/// A small MLP, 4 → 3 → 2, as ONNX bytes.
fn model_bytes() -> Vec<u8> {
	zoo::mlp(&[4, 3, 2], 7).unwrap()
}

/// Nodes of the test model's canonical graph.
fn model_nodes() -> u32 {
	Graph::from_onnx(&model_bytes()).unwrap().nodes.len() as u32
}

/// The execution fee of a job on the test model, computed from its graph independently of
/// the pallet: base, per node, and per started 2^20 units of work.
fn execution_fee() -> Balance {
	let graph = Graph::from_onnx(&model_bytes()).unwrap();
	let work = graph.cost(&verity_primitives::cost::Budget::DEFAULT).unwrap().work;
	BASE_FEE
		+ FEE_PER_NODE * model_nodes() as Balance
		+ FEE_PER_MEGA_WORK * work.div_ceil(1 << 20) as Balance
}

/// The execution fee plus royalty of a job on the test model.
fn job_cost() -> Balance {
	execution_fee() + PRICE
}

/// Registers the test model (owned by OWNER) and returns its id.
fn register_model() -> ModelId {
	let bytes = model_bytes();
	assert_ok!(Models::register(
		RuntimeOrigin::signed(OWNER),
		bytes.clone().try_into().unwrap(),
		b"mlp".to_vec().try_into().unwrap(),
		1,
		PRICE,
	));
	Models::model_id(&bytes)
}

fn f32_tensor(shape: &[u32], values: &[f32]) -> JobTensor<<Test as Config>::MaxTensorBytes> {
	JobTensor {
		dtype: DType::F32,
		shape: shape.to_vec().try_into().unwrap(),
		data: values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>().try_into().unwrap(),
	}
}

/// Valid inputs of the test model.
fn inputs() -> TensorsOf<Test> {
	vec![f32_tensor(&[1, 4], &[0.5, -1.0, 2.0, 0.25])].try_into().unwrap()
}

/// Valid-looking outputs of the test model.
fn outputs() -> TensorsOf<Test> {
	vec![f32_tensor(&[1, 2], &[0.1, 0.9])].try_into().unwrap()
}

fn result(job: JobId) -> JobResultOf<Test> {
	JobResult { job, outputs: outputs(), trace_root: H256::repeat_byte(7), nodes: model_nodes() }
}

fn post(
	who: u64,
	results: Vec<JobResultOf<Test>>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Inference::post_results(RuntimeOrigin::signed(who), results.try_into().unwrap())
}

fn held(who: u64, reason: HoldReason) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Inference(reason), &who)
}

fn free(who: u64) -> Balance {
	Balances::free_balance(who)
}

/// Executor A registered, the model registered, one job submitted by DAPP: job 0.
fn setup_job() -> ModelId {
	assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
	let model = register_model();
	assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
	model
}

/// The assignment set as `(who, bond, queued)`.
fn active() -> Vec<(u64, Balance, u32)> {
	ActiveExecutors::<Test>::get().into_iter().map(|e| (e.who, e.bond, e.queued)).collect()
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Inference(e) = r.event { Some(e) } else { None })
		.collect()
}

mod executors {
	use super::*;

	#[test]
	fn register_holds_the_bond_and_joins_the_set() {
		new_test_ext().execute_with(|| {
			assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), 5_000));
			assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), 5_000);
			assert_eq!(free(EXEC_A), START - 5_000);
			assert_eq!(active(), vec![(EXEC_A, 5_000, 0)]);
			assert!(events().contains(&Event::ExecutorRegistered { who: EXEC_A, bond: 5_000 }));
		});
	}

	#[test]
	fn register_refusals() {
		new_test_ext().execute_with(|| {
			assert_noop!(
				Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND - 1),
				Error::<Test>::BondTooLow
			);
			assert_noop!(
				Inference::register_executor(RuntimeOrigin::signed(POOR), MIN_BOND),
				TokenError::FundsUnavailable
			);
			assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
			assert_noop!(
				Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND),
				Error::<Test>::AlreadyExecutor
			);
			for who in [EXEC_B, OWNER, DAPP] {
				assert_ok!(Inference::register_executor(RuntimeOrigin::signed(who), MIN_BOND));
			}
			let _ = Balances::mint_into(&POOR, START);
			assert_noop!(
				Inference::register_executor(RuntimeOrigin::signed(POOR), MIN_BOND),
				Error::<Test>::TooManyExecutors
			);
		});
	}

	#[test]
	fn leaving_then_withdrawing_after_the_delay() {
		new_test_ext().execute_with(|| {
			assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
			assert_noop!(
				Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)),
				Error::<Test>::StillActive
			);
			assert_ok!(Inference::unregister_executor(RuntimeOrigin::signed(EXEC_A)));
			assert!(ActiveExecutors::<Test>::get().is_empty());
			assert_noop!(
				Inference::unregister_executor(RuntimeOrigin::signed(EXEC_A)),
				Error::<Test>::NotExecutor
			);
			assert_noop!(
				Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)),
				Error::<Test>::Unbonding
			);
			run_to(11);
			assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)));
			assert_eq!(free(EXEC_A), START);
			assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), 0);
			assert!(Executors::<Test>::get(EXEC_A).is_none());
			assert_noop!(
				Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)),
				Error::<Test>::NotExecutor
			);
		});
	}

	#[test]
	fn no_withdrawal_while_a_job_is_open() {
		new_test_ext().execute_with(|| {
			setup_job();
			assert_ok!(Inference::unregister_executor(RuntimeOrigin::signed(EXEC_A)));
			assert_ok!(post(EXEC_A, vec![result(0)]));
			run_to(11);
			// Executed at block 1, final at 1 + WINDOW: the job is closed by block 11.
			assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)));
		});
		new_test_ext().execute_with(|| {
			setup_job();
			assert_ok!(Inference::unregister_executor(RuntimeOrigin::signed(EXEC_A)));
			System::set_block_number(11);
			assert_noop!(
				Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)),
				Error::<Test>::OpenJobs
			);
		});
	}

	#[test]
	fn selection_is_weighted_by_bond() {
		new_test_ext().execute_with(|| {
			assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), 1_000));
			assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_B), 9_000));
			let picks: Vec<u64> =
				(0..1_000).map(|job| Inference::select_executor(job, 1, None).unwrap()).collect();
			let b = picks.iter().filter(|w| **w == EXEC_B).count();
			assert!((850..=950).contains(&b), "B picked {b} of 1000 times");
			// The executor to avoid is avoided when another one can take the job.
			assert!((0..100).all(|j| Inference::select_executor(j, 2, Some(&EXEC_B)) == Ok(EXEC_A)));
		});
	}
}

mod submit {
	use super::*;

	#[test]
	fn executors_with_full_queues_take_no_new_jobs() {
		new_test_ext().execute_with(|| {
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
			assert_queues_counted();
		});
	}

	#[test]
	fn holds_fee_and_royalty_and_assigns() {
		new_test_ext().execute_with(|| {
			let model = setup_job();
			let fee = execution_fee();
			assert_eq!(held(DAPP, HoldReason::JobPayment), fee + PRICE);
			assert_eq!(free(DAPP), START - fee - PRICE);
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
				royalty: PRICE
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
		new_test_ext().execute_with(|| {
			assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
			let model = register_model();
			let submit = |inputs: Vec<JobTensor<_>>| {
				Inference::submit(
					RuntimeOrigin::signed(DAPP),
					model,
					inputs.try_into().unwrap(),
					1_000,
				)
			};
			let good = f32_tensor(&[1, 4], &[0.0; 4]);
			assert_noop!(submit(vec![]), Error::<Test>::WrongInputCount);
			assert_noop!(submit(vec![good.clone(), good.clone()]), Error::<Test>::WrongInputCount);
			assert_noop!(
				submit(vec![f32_tensor(&[4, 1], &[0.0; 4])]),
				Error::<Test>::WrongInputShape
			);
			assert_noop!(
				submit(vec![f32_tensor(&[1, 4], &[0.0; 3])]),
				Error::<Test>::WrongInputLength
			);
			let mut int = good.clone();
			int.dtype = DType::I32;
			assert_noop!(submit(vec![int]), Error::<Test>::WrongInputDtype);
			assert_noop!(
				Inference::submit(
					RuntimeOrigin::signed(DAPP),
					H256::repeat_byte(1),
					inputs(),
					1_000
				),
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
		new_test_ext().execute_with(|| {
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
		new_test_ext().execute_with(|| {
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
}

mod results {
	use super::*;

	#[test]
	fn posting_opens_the_window_for_free() {
		new_test_ext().execute_with(|| {
			setup_job();
			run_to(3);
			let info = post(EXEC_A, vec![result(0)]).unwrap();
			assert_eq!(info.pays_fee, frame_support::dispatch::Pays::No);
			let job = Jobs::<Test>::get(0).unwrap();
			assert_eq!(job.status, JobStatus::Executed);
			assert_eq!(job.due, 3 + WINDOW);
			assert_eq!(
				job.execution,
				Some(Execution { trace_root: H256::repeat_byte(7), nodes: model_nodes(), at: 3 })
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
				<Inference as JobSettlement<_, _>>::executed(0).map(|e| e.window_end),
				Some(3 + WINDOW)
			);
		});
	}

	#[test]
	fn refusals() {
		new_test_ext().execute_with(|| {
			setup_job();
			assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_B), MIN_BOND));
			assert_noop!(post(EXEC_A, vec![result(5)]), Error::<Test>::UnknownJob);
			assert_noop!(post(EXEC_B, vec![result(0)]), Error::<Test>::NotYourJob);
			assert_noop!(post(EXEC_A, vec![result(0), result(0)]), Error::<Test>::DuplicateResult);
			let mut r = result(0);
			r.nodes += 1;
			assert_noop!(post(EXEC_A, vec![r]), Error::<Test>::WrongNodeCount);
			let mut r = result(0);
			r.outputs = vec![f32_tensor(&[2, 1], &[0.0; 2])].try_into().unwrap();
			assert_noop!(post(EXEC_A, vec![r]), Error::<Test>::WrongOutputShape);
			let mut r = result(0);
			r.outputs = vec![].try_into().unwrap();
			assert_noop!(post(EXEC_A, vec![r]), Error::<Test>::WrongOutputCount);
			let mut r = result(0);
			r.outputs = vec![f32_tensor(&[1, 2], &[0.0; 1])].try_into().unwrap();
			assert_noop!(post(EXEC_A, vec![r]), Error::<Test>::WrongOutputLength);
			let mut r = result(0);
			r.outputs[0].dtype = DType::I32;
			assert_noop!(post(EXEC_A, vec![r]), Error::<Test>::WrongOutputDtype);
			assert_ok!(post(EXEC_A, vec![result(0)]));
			assert_noop!(post(EXEC_A, vec![result(0)]), Error::<Test>::NotAwaitingResult);
		});
	}

	#[test]
	fn a_late_result_is_refused() {
		new_test_ext().execute_with(|| {
			// A bond that stays above the minimum after one penalty.
			assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), 2 * MIN_BOND));
			let model = register_model();
			assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
			run_to(1 + TIMEOUT);
			// The deadline block reassigned the job (to A again: the only executor).
			assert_eq!(Jobs::<Test>::get(0).unwrap().attempts, 2);
			// In the block of the second deadline, before its hook ran, the result is late.
			System::set_block_number(1 + 2 * TIMEOUT);
			assert_noop!(post(EXEC_A, vec![result(0)]), Error::<Test>::NotAwaitingResult);
			// A result for the second attempt in time is taken.
			System::set_block_number(2 * TIMEOUT);
			assert_ok!(post(EXEC_A, vec![result(0)]));
		});
	}
}

mod lifecycle {
	use super::*;

	/// A result whose challenge window ends in its own deadline block keeps exactly one `Due`
	/// entry and finalizes (it used to lose both and stay Executed with its payment held).
	#[test]
	fn a_result_final_in_its_deadline_block_finalizes() {
		new_test_ext().execute_with(|| {
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
		new_test_ext().execute_with(|| {
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
		new_test_ext().execute_with(|| {
			setup_job();
			assert_ok!(post(EXEC_A, vec![result(0)]));
			DISPUTED.with(|d| d.borrow_mut().push(0));
			run_to(10);
			assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Executed);
			assert_ok!(<Inference as JobSettlement<_, _>>::executor_upheld(0));
			assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Finalized);
			DISPUTED.with(|d| d.borrow_mut().clear());
		});
	}

	#[test]
	fn timeout_penalises_and_reassigns_then_refunds() {
		new_test_ext().execute_with(|| {
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
		new_test_ext().execute_with(|| {
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
		new_test_ext().execute_with(|| {
			setup_job();
			assert_eq!(Due::<Test>::get(1 + TIMEOUT).to_vec(), vec![0]);
			assert_ok!(post(EXEC_A, vec![result(0)]));
			assert!(Due::<Test>::get(1 + TIMEOUT).is_empty());
			assert_eq!(Due::<Test>::get(1 + WINDOW).to_vec(), vec![0]);
		});
	}

	#[test]
	fn models_whose_tensors_no_job_can_carry_are_refused() {
		new_test_ext().execute_with(|| {
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

	#[test]
	fn paged_job_lists() {
		new_test_ext().execute_with(|| {
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
}

mod offchain {
	use super::*;
	use codec::Decode;
	use verity_io::InferenceExt;

	/// Test externalities with off-chain, pool and inference extensions; returns the pool
	/// state and the execution counter.
	fn offchain_ext() -> (
		sp_io::TestExternalities,
		Arc<parking_lot::RwLock<sp_core::offchain::testing::PoolState>>,
		Arc<std::sync::atomic::AtomicU32>,
	) {
		let mut ext = new_test_ext();
		let (offchain, _) = TestOffchainExt::new();
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(pool));
		let backend = CanonicalBackend::default();
		let executions = backend.executions.clone();
		ext.register_extension(InferenceExt::new(backend));
		UintAuthorityId::set_all_keys(vec![EXEC_A]);
		(ext, pool_state, executions)
	}

	fn posted(pool: &parking_lot::RwLock<sp_core::offchain::testing::PoolState>) -> Vec<Extrinsic> {
		pool.write()
			.transactions
			.drain(..)
			.map(|tx| Extrinsic::decode(&mut &tx[..]).unwrap())
			.collect()
	}

	#[test]
	fn the_worker_executes_once_and_posts_the_canonical_result() {
		let (mut ext, pool, executions) = offchain_ext();
		ext.execute_with(|| {
			setup_job();
			Inference::offchain_worker(1);
			let txs = posted(&pool);
			assert_eq!(txs.len(), 1);
			let RuntimeCall::Inference(Call::post_results { results }) = &txs[0].function else {
				panic!("unexpected call {:?}", txs[0].function)
			};
			// The posted result is the canonical engine's.
			let graph = Graph::from_onnx(&model_bytes()).unwrap();
			let input = inputs()[0].to_tensor_bytes().to_tensor().unwrap();
			let trace = graph
				.run(&[input], verity_primitives::graph::TraceOptions { keep_node_outputs: false })
				.unwrap();
			assert_eq!(results.len(), 1);
			assert_eq!(results[0].trace_root, trace.root);
			assert_eq!(results[0].outputs[0].to_tensor_bytes(), trace.outputs[0].to_bytes());
			assert_eq!(executions.load(Ordering::SeqCst), 1);

			// Not included yet: the next blocks' workers neither execute nor post again ...
			Inference::offchain_worker(2);
			Inference::offchain_worker(3);
			assert!(posted(&pool).is_empty());
			// ... until the repost delay, when the stored result is posted again.
			Inference::offchain_worker(4);
			assert_eq!(posted(&pool).len(), 1);
			assert_eq!(executions.load(Ordering::SeqCst), 1);

			// The transaction is accepted.
			assert_ok!(Inference::post_results(RuntimeOrigin::signed(EXEC_A), results.clone()));
			Inference::offchain_worker(5);
			assert!(posted(&pool).is_empty());
		});
	}

	#[test]
	fn nothing_to_do_without_keys_or_engine() {
		let (mut ext, pool, _) = offchain_ext();
		ext.execute_with(|| {
			setup_job();
			UintAuthorityId::set_all_keys(vec![EXEC_B]);
			Inference::offchain_worker(1);
			assert!(posted(&pool).is_empty());
		});
		let mut ext = new_test_ext();
		let (offchain, _) = TestOffchainExt::new();
		let (txpool, pool) = TestTransactionPoolExt::new();
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		ext.register_extension(TransactionPoolExt::new(txpool));
		UintAuthorityId::set_all_keys(vec![EXEC_A]);
		ext.execute_with(|| {
			setup_job();
			// No engine: the job is marked failed and left to time out, not retried.
			Inference::offchain_worker(1);
			Inference::offchain_worker(5);
			assert!(pool.read().transactions.is_empty());
		});
	}
}
