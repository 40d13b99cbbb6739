//! Tests: who pays for what (failed results, data deposits) and the storage migration.

use super::*;

/// A job that fails on its own inputs ends in a failed result: the executor is paid, the
/// submitter is not refunded, nothing times out and no one is penalised.
#[test]
fn a_failed_result_pays_the_executor_not_the_submitter() {
	new_test_ext().execute_checked(|| {
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
		let model = register_gather_model();
		assert_ok!(Inference::submit(
			RuntimeOrigin::signed(DAPP),
			model,
			indices(&[0, 10, 1]),
			1_000
		));
		let job = Jobs::<Test>::get(0).unwrap();
		let (fee, royalty) = (job.fee, job.royalty);
		let failed = JobResult {
			job: 0,
			outcome: Outcome::Failed(NodeFailure {
				node: 0,
				reason: b"Gather: gather index 10 of 10".to_vec().try_into().unwrap(),
			}),
			trace_root: verity_primitives::commitment::trace_root(&[]),
			nodes: 0,
		};
		let (exec_before, owner_before, dapp_before) = (free(EXEC_A), free(OWNER), free(DAPP));
		let info = post(EXEC_A, vec![failed]).unwrap();
		assert_eq!(info.pays_fee, Pays::No);
		let job = Jobs::<Test>::get(0).unwrap();
		assert_eq!(job.status, JobStatus::Executed);
		assert_eq!(
			job.execution.as_ref().and_then(|e| e.failure.as_ref()).map(|f| f.node),
			Some(0)
		);
		assert_eq!(JobOutputs::<Test>::get(0), None);
		run_to(job.due);
		assert_eq!(Jobs::<Test>::get(0).unwrap().status, JobStatus::Finalized);
		assert_eq!(free(EXEC_A), exec_before + fee);
		assert_eq!(free(OWNER), owner_before + royalty);
		assert_eq!(free(DAPP), dapp_before);
		assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), MIN_BOND);
		assert!(!events().iter().any(|e| matches!(e, Event::ExecutorPenalised { .. })));
	});
}

/// Job data is paid for by the byte: the deposit (inputs plus the model's outputs) is held
/// from submission until the job is pruned, whatever its end, then released in full.
#[test]
fn the_data_deposit_is_held_until_the_job_is_pruned() {
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_eq!(Jobs::<Test>::get(0).unwrap().deposit, data_deposit());
		assert_eq!(held(DAPP, HoldReason::JobData), data_deposit());
		assert_ok!(post(EXEC_A, vec![result(0)]));
		let final_at = Jobs::<Test>::get(0).unwrap().due;
		run_to(final_at);
		assert_eq!(held(DAPP, HoldReason::JobData), data_deposit(), "still stored");
		let before = free(DAPP);
		run_to(final_at + RETENTION);
		assert_eq!(Jobs::<Test>::get(0), None);
		assert_eq!(held(DAPP, HoldReason::JobData), 0);
		assert_eq!(free(DAPP), before + data_deposit());
	});
}

/// A submitter who cannot pay the deposit cannot submit, and nothing is held.
#[test]
fn no_deposit_no_job() {
	new_test_ext().execute_checked(|| {
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
		let model = register_model();
		// Enough for fee and royalty, not for the deposit too.
		let _ = Balances::mint_into(&POOR, job_cost() + 1);
		GENESIS_ISSUANCE.with(|g| g.set(g.get() + job_cost() + 1));
		assert!(Inference::submit(RuntimeOrigin::signed(POOR), model, inputs(), 1_000).is_err());
		assert_eq!(held(POOR, HoldReason::JobPayment) + held(POOR, HoldReason::JobData), 0);
		assert_eq!(Jobs::<Test>::iter().count(), 0);
	});
}

/// v0 → v1: jobs stored without a deposit or a failure decode as v1 with none, the version
/// moves to 1, and a second run changes nothing.
#[test]
fn migration_v0_to_v1_adds_deposit_and_failure() {
	use crate::migrations::{v1, MigrateV0ToV1};
	use codec::Encode;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_ok!(post(EXEC_A, vec![result(0)]));
		let job = Jobs::<Test>::get(0).unwrap();
		let e = job.execution.clone().unwrap();
		let v0 = v1::JobV0 {
			submitter: job.submitter,
			model: job.model,
			model_owner: job.model_owner,
			executor: job.executor,
			status: job.status,
			fee: job.fee,
			royalty: job.royalty,
			attempts: job.attempts,
			submitted_at: job.submitted_at,
			due: job.due,
			execution: Some(v1::ExecutionV0 { trace_root: e.trace_root, nodes: e.nodes, at: e.at }),
		};
		frame_support::storage::unhashed::put_raw(&Jobs::<Test>::hashed_key_for(0), &v0.encode());
		StorageVersion::new(0).put::<crate::Pallet<Test>>();
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		let migrated = Jobs::<Test>::get(0).expect("decodes as v1");
		assert_eq!(migrated, Job { deposit: 0, ..job });
		assert_eq!(crate::Pallet::<Test>::on_chain_storage_version(), 1);
		MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Jobs::<Test>::get(0), Some(migrated));
		// The v0 job held no deposit: put the record straight for the invariant check.
		Jobs::<Test>::mutate(0, |j| j.as_mut().unwrap().deposit = data_deposit());
	});
}
