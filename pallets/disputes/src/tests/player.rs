//! The player (`verity_primitives::dispute::play`) on failed results, with runs computed the
//! way the node computes them (re-run up to the node a move needs): the executor reveals its
//! failing chunk, the challenger disputes a failure that computes or a computed node that
//! fails, and a challenger with nothing to dispute makes no move.

use super::harness::*;
use pallet_verity_inference::{JobResult, JobSettlement, JobTensor, Outcome};
use verity_primitives::{
	commitment::{node_commitment, tensor_root, trace_root},
	dispute::{next_move, Move},
	onnx::zoo,
	tensor::Tensor,
};

/// A job on the gather-table model with `indices`; the honest run of it.
fn table_job(indices: &[i64]) -> (u64, GraphRun) {
	let bytes = zoo::gather_table(5).unwrap();
	let (model, graph) = setup(&bytes);
	let t = Tensor::i64(vec![3], indices.to_vec()).unwrap();
	let job = submit(model, std::slice::from_ref(&t));
	(job, GraphRun::new(&graph, &[t]))
}

fn winner(id: GameId) -> u64 {
	events()
		.into_iter()
		.find_map(|e| match e {
			Event::DisputeSettled { game, winner, .. } if game == id => Some(winner),
			_ => None,
		})
		.expect("settled")
}

#[test]
fn an_honest_failed_result_is_revealed_by_the_player_and_stands() {
	new_test_ext().execute_checked(|| {
		// Index 12 of a 5-row table: node 0 fails, on both sides.
		let (job, mut honest) = table_job(&[1, -2, 12]);
		assert_eq!(honest.failed, Some(0));
		post_failed(job);
		assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
		// The executor's player names its failing chunk; the challenger's agrees and has no
		// move, so it loses on its clock.
		let played = play_runs(0, &mut honest.clone_run(), &mut honest, false);
		assert_eq!(played.winner, Party::Executor);
		assert_eq!(Revealed::<Test>::get(job), None, "cleared with the game");
		assert_eq!(winner(0), EXEC);
	});
}

#[test]
fn a_failure_that_computes_is_refuted_by_the_player() {
	new_test_ext().execute_checked(|| {
		// Every index in range: node 0 computes, but the executor posts a failure at it.
		let (job, mut honest) = table_job(&[1, -2, 4]);
		assert_eq!(honest.failed, None);
		post_failed(job);
		assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
		// The lying executor names a chunk (its player cannot: the node computes).
		let turn = Disputes::turn(0, &Games::<Test>::get(0).unwrap(), &executed(job)).unwrap();
		let mut liar = honest.clone_run();
		liar.failed = Some(0);
		liar.roots.clear();
		assert!(next_move(&turn, &mut liar).is_err(), "no failing chunk to name");
		assert_ok!(Disputes::reveal(
			RuntimeOrigin::signed(EXEC),
			0,
			vec![].try_into().unwrap(),
			Some((0, 0))
		));
		let played = play_runs(0, &mut liar, &mut honest, false);
		assert_eq!(played.winner, Party::Challenger);
		assert_eq!(winner(0), ALICE);
	});
}

#[test]
fn outputs_posted_for_a_failing_node_are_refuted_by_the_player() {
	new_test_ext().execute_checked(|| {
		let (job, mut honest) = table_job(&[1, -2, 12]);
		// The executor posts zeros as if node 0 computed.
		let output = Tensor::f32(vec![3, 4], vec![0.0; 12]).unwrap();
		let root = tensor_root(&output);
		let result = JobResult {
			job,
			outcome: Outcome::Outputs(
				vec![JobTensor::from_tensor_bytes(&output.to_bytes()).unwrap()].try_into().unwrap(),
			),
			trace_root: trace_root(&[node_commitment(0, &[root])]),
			nodes: 1,
		};
		assert_ok!(Inference::post_results(
			RuntimeOrigin::signed(EXEC),
			vec![result].try_into().unwrap()
		));
		assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
		assert_ok!(Disputes::reveal(
			RuntimeOrigin::signed(EXEC),
			0,
			vec![root].try_into().unwrap(),
			None
		));
		// The challenger's player: node 0 fails in its run, though the executor computed it.
		let turn = Disputes::turn(0, &Games::<Test>::get(0).unwrap(), &executed(job)).unwrap();
		let mv = next_move(&turn, &mut honest).unwrap();
		assert!(
			matches!(
				mv,
				Some(Move::Pick {
					node: 0,
					claim: verity_primitives::dispute::PickKind::Fails { .. },
					..
				})
			),
			"{mv:?}"
		);
		let mut liar = honest.clone_run();
		liar.failed = None;
		liar.roots = vec![root];
		let played = play_runs(0, &mut liar, &mut honest, false);
		assert_eq!(played.winner, Party::Challenger);
	});
}

/// The job's result as the game sees it.
fn executed(job: u64) -> pallet_verity_inference::ExecutedJob<u64, u64> {
	<Test as Config>::Jobs::executed(job).unwrap()
}

trait CloneRun {
	fn clone_run(&self) -> GraphRun;
}

impl CloneRun for GraphRun {
	fn clone_run(&self) -> GraphRun {
		GraphRun {
			graph: self.graph.clone(),
			inputs: self.inputs.clone(),
			roots: self.roots.clone(),
			failed: self.failed,
		}
	}
}
