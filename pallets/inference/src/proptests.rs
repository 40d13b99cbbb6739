//! A property test: random sequences of what submitters, executors and model owners can do,
//! with time passing, against the mock runtime. Every invariant (both pallets' `try_state`,
//! holds, issuance) is checked after every action and every block, and at the end every job
//! finishes and is pruned: none is stuck.

use crate::{mock::*, *};
use frame_support::traits::fungible::Mutate;
use proptest::prelude::*;
use verity_primitives::{commitment::H256, onnx::zoo, tensor::DType};

/// Accounts that may act as executors (the first four are funded at genesis).
const EXECUTORS: [u64; 6] = [EXEC_A, EXEC_B, OWNER, DAPP, 20, 21];

/// One thing that can happen.
#[derive(Clone, Debug)]
enum Action {
	/// DAPP or OWNER submits a job.
	Submit { by_owner: bool },
	/// The executor of an assigned job posts outputs, now or in the last block before its
	/// deadline.
	Post { pick: usize, at_deadline: bool },
	/// The executor of an assigned job posts a failed result.
	PostFailed { pick: usize },
	/// Someone other than its executor posts for a job.
	PostWrong { pick: usize, who: usize },
	/// Blocks pass.
	Advance { blocks: u64 },
	/// An account registers as executor with a multiple of the minimum bond.
	Register { who: usize, bond: u64 },
	/// An executor leaves the set.
	Leave { who: usize },
	/// An executor withdraws its bond.
	Withdraw { who: usize },
	/// The owner deprecates the model.
	Deprecate,
	/// The owner removes the model.
	Remove,
}

fn action() -> impl Strategy<Value = Action> {
	prop_oneof![
		4 => any::<bool>().prop_map(|by_owner| Action::Submit { by_owner }),
		4 => (0..8usize, any::<bool>()).prop_map(|(pick, at_deadline)| Action::Post { pick, at_deadline }),
		1 => (0..8usize).prop_map(|pick| Action::PostFailed { pick }),
		1 => (0..8usize, 0..6usize).prop_map(|(pick, who)| Action::PostWrong { pick, who }),
		4 => (1..8u64).prop_map(|blocks| Action::Advance { blocks }),
		2 => (0..6usize, 1..4u64).prop_map(|(who, bond)| Action::Register { who, bond }),
		1 => (0..6usize).prop_map(|who| Action::Leave { who }),
		1 => (0..6usize).prop_map(|who| Action::Withdraw { who }),
		1 => Just(Action::Deprecate),
		1 => Just(Action::Remove),
	]
}

/// The model's outputs, well-formed.
fn outputs() -> TensorsOf<Test> {
	let t = JobTensor {
		dtype: DType::F32,
		shape: vec![1, 2].try_into().unwrap(),
		data: vec![0u8; 8].try_into().unwrap(),
	};
	vec![t].try_into().unwrap()
}

fn inputs() -> TensorsOf<Test> {
	let t = JobTensor {
		dtype: DType::F32,
		shape: vec![1, 4].try_into().unwrap(),
		data: vec![0u8; 16].try_into().unwrap(),
	};
	vec![t].try_into().unwrap()
}

/// The `pick`-th assigned job (modulo their number).
fn assigned_job(pick: usize) -> Option<(JobId, JobOf<Test>)> {
	let mut jobs: Vec<_> =
		Jobs::<Test>::iter().filter(|(_, j)| j.status == JobStatus::Assigned).collect();
	jobs.sort_by_key(|(id, _)| *id);
	let n = jobs.len();
	(n > 0).then(|| jobs.swap_remove(pick % n))
}

fn post(who: u64, result: JobResultOf<Test>) {
	let _ = Inference::post_results(RuntimeOrigin::signed(who), vec![result].try_into().unwrap());
}

fn apply(action: &Action, model: pallet_verity_models::ModelId, nodes: u32) {
	let signed = RuntimeOrigin::signed;
	match action.clone() {
		Action::Submit { by_owner } => {
			let who = if by_owner { OWNER } else { DAPP };
			let _ = Inference::submit(signed(who), model, inputs(), 10_000);
		},
		Action::Post { pick, at_deadline } => {
			let Some((id, job)) = assigned_job(pick) else { return };
			if at_deadline {
				run_to(job.due - 1);
			}
			let outcome = Outcome::Outputs(outputs());
			post(job.executor, JobResult { job: id, outcome, trace_root: H256::zero(), nodes });
		},
		Action::PostFailed { pick } => {
			let Some((id, job)) = assigned_job(pick) else { return };
			let failure = NodeFailure { node: 0, reason: Default::default() };
			let outcome = Outcome::Failed(failure);
			let trace_root = verity_primitives::commitment::trace_root(&[]);
			post(job.executor, JobResult { job: id, outcome, trace_root, nodes: 0 });
		},
		Action::PostWrong { pick, who } => {
			let Some((id, _)) = assigned_job(pick) else { return };
			let outcome = Outcome::Outputs(outputs());
			let result = JobResult { job: id, outcome, trace_root: H256::zero(), nodes };
			post(EXECUTORS[who], result);
		},
		Action::Advance { blocks } => run_to(System::block_number() + blocks),
		Action::Register { who, bond } => {
			let _ = Inference::register_executor(signed(EXECUTORS[who]), bond * MIN_BOND);
		},
		Action::Leave { who } => {
			let _ = Inference::unregister_executor(signed(EXECUTORS[who]));
		},
		Action::Withdraw { who } => {
			let _ = Inference::withdraw_bond(signed(EXECUTORS[who]));
		},
		Action::Deprecate => {
			let _ = Models::deprecate(signed(OWNER), model);
		},
		Action::Remove => {
			let _ = Models::remove(signed(OWNER), model);
		},
	}
	check_invariants();
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

	#[test]
	fn invariants_hold_and_every_job_finishes(actions in prop::collection::vec(action(), 1..48)) {
		new_test_ext().execute_with(|| {
			for who in [20, 21] {
				let _ = Balances::mint_into(&who, START);
			}
			GENESIS_ISSUANCE.with(|g| g.set(Balances::total_issuance()));
			let bytes = zoo::mlp(&[4, 3, 2], 7).unwrap();
			frame_support::assert_ok!(Models::register(
				RuntimeOrigin::signed(OWNER),
				bytes.clone().try_into().unwrap(),
				b"mlp".to_vec().try_into().unwrap(),
				1,
				30,
			));
			let model = Models::model_id(&bytes);
			let nodes = verity_primitives::graph::Graph::from_onnx(&bytes).unwrap().nodes.len() as u32;
			frame_support::assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_A), MIN_BOND));
			for action in &actions {
				apply(action, model, nodes);
			}
			// Long enough for every job to time out, be reassigned, refunded or finalized,
			// and pruned.
			let end = System::block_number() + (TIMEOUT + 2) * 3 + WINDOW + RETENTION + 300;
			run_to(end);
			assert_eq!(Jobs::<Test>::iter().count(), 0, "a job never finished");
			assert_eq!(Due::<Test>::iter().count(), 0);
		});
	}
}
