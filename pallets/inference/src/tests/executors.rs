//! Tests: executors.

use super::*;

#[test]
fn register_holds_the_bond_and_joins_the_set() {
	new_test_ext().execute_checked(|| {
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), 5_000));
		assert_eq!(held(EXEC_A, HoldReason::ExecutorBond), 5_000);
		assert_eq!(free(EXEC_A), START - 5_000);
		assert_eq!(active(), vec![(EXEC_A, 5_000, 0)]);
		assert!(events().contains(&Event::ExecutorRegistered { who: EXEC_A, bond: 5_000 }));
	});
}

#[test]
fn register_refusals() {
	new_test_ext().execute_checked(|| {
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
		GENESIS_ISSUANCE.with(|g| g.set(g.get() + START));
		// The set is full of minimum bonds: an equal bond does not get in.
		assert_noop!(
			Inference::register_executor(RuntimeOrigin::signed(POOR), MIN_BOND),
			Error::<Test>::TooManyExecutors
		);
	});
}

/// A full set cannot be captured by filling it: a larger bond displaces the smallest (the
/// last to join among equals), which leaves as if it had unregistered and keeps its jobs.
#[test]
fn a_larger_bond_displaces_the_smallest_in_a_full_set() {
	new_test_ext().execute_checked(|| {
		let model = register_model();
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), 3 * MIN_BOND));
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_B), MIN_BOND));
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(OWNER), MIN_BOND));
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(DAPP), 2 * MIN_BOND));
		// Jobs until OWNER has one.
		let mut owner_job = None;
		for _ in 0..16 {
			assert_ok!(Inference::submit(RuntimeOrigin::signed(DAPP), model, inputs(), 1_000));
			let id = NextJobId::<Test>::get() - 1;
			if Jobs::<Test>::get(id).unwrap().executor == OWNER {
				owner_job = Some(id);
				break;
			}
		}
		let owner_job = owner_job.expect("stake-weighted selection reaches OWNER");
		let _ = Balances::mint_into(&POOR, START);
		GENESIS_ISSUANCE.with(|g| g.set(g.get() + START));
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(POOR), MIN_BOND + 1));
		// OWNER joined after EXEC_B with the same bond: it is the one displaced.
		let set: Vec<u64> = active().into_iter().map(|(who, _, _)| who).collect();
		assert_eq!(set, vec![EXEC_A, EXEC_B, DAPP, POOR]);
		let ev = events();
		assert!(ev.contains(&Event::ExecutorDisplaced { who: OWNER, by: POOR }));
		let info = Executors::<Test>::get(OWNER).unwrap();
		assert!(matches!(info.status, ExecutorStatus::Leaving(_)));
		assert_eq!(held(OWNER, HoldReason::ExecutorBond), MIN_BOND);
		// Its job is still its own to answer.
		assert_eq!(Jobs::<Test>::get(owner_job).unwrap().executor, OWNER);
		assert_ok!(post(OWNER, vec![result(owner_job)]));
		// Rejoining takes a bond at least the one still held, and larger than the smallest
		// in the full set (now EXEC_B's MIN_BOND).
		assert_noop!(
			Inference::register_executor(RuntimeOrigin::signed(OWNER), MIN_BOND),
			Error::<Test>::TooManyExecutors
		);
		assert_noop!(
			Inference::register_executor(RuntimeOrigin::signed(OWNER), MIN_BOND - 1),
			Error::<Test>::BondTooLow
		);
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(OWNER), MIN_BOND + 2));
		assert_eq!(held(OWNER, HoldReason::ExecutorBond), MIN_BOND + 2);
		assert!(events().contains(&Event::ExecutorDisplaced { who: EXEC_B, by: OWNER }));
		let info = Executors::<Test>::get(OWNER).unwrap();
		assert_eq!((info.status, info.open_jobs), (ExecutorStatus::Active, 1));
		// An active executor cannot register twice.
		assert_noop!(
			Inference::register_executor(RuntimeOrigin::signed(OWNER), 5 * MIN_BOND),
			Error::<Test>::AlreadyExecutor
		);
	});
}

#[test]
fn leaving_then_withdrawing_after_the_delay() {
	new_test_ext().execute_checked(|| {
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
	new_test_ext().execute_checked(|| {
		setup_job();
		assert_ok!(Inference::unregister_executor(RuntimeOrigin::signed(EXEC_A)));
		assert_ok!(post(EXEC_A, vec![result(0)]));
		run_to(11);
		// Executed at block 1, final at 1 + WINDOW: the job is closed by block 11.
		assert_ok!(Inference::withdraw_bond(RuntimeOrigin::signed(EXEC_A)));
	});
	new_test_ext().execute_checked(|| {
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
	new_test_ext().execute_checked(|| {
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
