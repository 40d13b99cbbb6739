//! Settlement with real balances, to the planck; several challengers; failed results.

use super::harness::*;
use pallet_verity_inference::{JobResult, JobStatus, JobTensor, Jobs, NodeFailure, Outcome};
use verity_primitives::{
	commitment::{node_commitment, tensor_root, trace_root},
	graph::Graph,
	onnx::zoo,
	tensor::Tensor,
};

const REWARD: Balance = SLASH * 40 / 100;

fn small() -> (Vec<u8>, Vec<Tensor>) {
	(
		zoo::mlp(&[4, 3, 2], 7).unwrap(),
		vec![Tensor::f32(vec![1, 4], vec![0.5, -1.0, 2.0, 0.25]).unwrap()],
	)
}

#[test]
fn a_won_challenge_pays_to_the_planck_and_shares_the_reward_with_the_closed_games() {
	new_test_ext().execute_checked(|| {
		let (bytes, inputs) = small();
		let (model, graph) = setup(&bytes);
		assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC_2), MIN_BOND));
		let honest = run(&graph, &inputs, None);
		let cheat = run(&graph, &inputs, Some(1));
		let job = submit(model, &inputs);
		let executor = Jobs::<Test>::get(job).unwrap().executor;
		let other = if executor == EXEC { EXEC_2 } else { EXEC };
		post(job, &graph, &cheat);
		let issuance = Balances::total_issuance();
		assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
		assert_ok!(Disputes::open(RuntimeOrigin::signed(BOB), job, None));
		assert_ok!(Disputes::open(RuntimeOrigin::signed(CAROL), job, None));
		let played = play(0, &model, &graph, &cheat, &honest);
		assert_eq!(played.winner, Party::Challenger);
		// Bob and Carol were right too: their games, opened before the refutation, are closed
		// with their bonds back and a share of the reward; the shares take at most half of it
		// (a third each would be more), so Alice keeps half.
		assert_eq!(free(ALICE), START + REWARD / 2);
		assert_eq!((free(BOB), bond_held(BOB)), (START + REWARD / 4, 0));
		assert_eq!((free(CAROL), bond_held(CAROL)), (START + REWARD / 4, 0));
		assert_eq!(free(TREASURY), START + SLASH - REWARD);
		assert_eq!(executor_bond(executor), MIN_BOND - SLASH);
		assert_eq!(Balances::total_issuance(), issuance);
		for (game, challenger) in [(1, BOB), (2, CAROL)] {
			let reward = REWARD / 4;
			assert!(events().contains(&Event::DisputeClosed { game, job, challenger, reward }));
		}
		assert!(events().contains(&Event::DisputeSettled {
			game: 0,
			job,
			winner: ALICE,
			loser: executor,
			slashed: SLASH,
			reward: REWARD / 2,
			ending: Ending::Step,
		}));
		// The job went to the other executor, who is paid once its honest result is final.
		let j = Jobs::<Test>::get(job).unwrap();
		assert_eq!((j.status, j.executor), (JobStatus::Assigned, other));
		let other_free = free(other);
		post(job, &graph, &honest);
		run_to(System::block_number() + WINDOW);
		assert_eq!(Jobs::<Test>::get(job).unwrap().status, JobStatus::Finalized);
		assert!(free(other) > other_free);
		assert!(Revealed::<Test>::get(job).is_none());
	});
}

#[test]
fn false_challengers_each_pay_and_the_job_finalizes_after_the_last() {
	new_test_ext().execute_checked(|| {
		let (bytes, inputs) = small();
		let (model, graph) = setup(&bytes);
		let honest = run(&graph, &inputs, None);
		let job = submit(model, &inputs);
		post(job, &graph, &honest);
		let exec_free = free(EXEC);
		assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
		assert_ok!(Disputes::open(RuntimeOrigin::signed(BOB), job, None));
		let a = play(0, &model, &graph, &honest, &run(&graph, &inputs, Some(0)));
		assert_eq!(a.winner, Party::Executor);
		assert_eq!(free(ALICE), START - SLASH);
		assert_eq!(free(EXEC), exec_free + REWARD);
		assert_eq!(
			Jobs::<Test>::get(job).unwrap().status,
			JobStatus::Executed,
			"Bob's game holds it"
		);
		run_to(1 + WINDOW + 1);
		assert_eq!(Jobs::<Test>::get(job).unwrap().status, JobStatus::Executed);
		let b = play(1, &model, &graph, &honest, &run(&graph, &inputs, Some(2)));
		assert_eq!(b.winner, Party::Executor);
		assert_eq!(free(BOB), START - SLASH);
		assert_eq!(free(TREASURY), START + 2 * (SLASH - REWARD));
		run_to(System::block_number() + WINDOW);
		let j = Jobs::<Test>::get(job).unwrap();
		assert_eq!(j.status, JobStatus::Finalized);
		assert!(free(EXEC) > exec_free + 2 * REWARD, "the fee on top of two rewards");
		assert_eq!(executor_bond(EXEC), MIN_BOND);
	});
}

/// The lookup-table model and a job on `indices`.
fn table_job(indices: &[i64]) -> (ModelId, Graph, u64, Tensor) {
	let bytes = zoo::gather_table(5).unwrap();
	let (model, graph) = setup(&bytes);
	let t = Tensor::i64(vec![3], indices.to_vec()).unwrap();
	let job = submit(model, std::slice::from_ref(&t));
	(model, graph, job, t)
}

/// The gather node's witness for chunk 0 from the table and `indices`.
fn gather_witness(model: &ModelId, graph: &Graph, indices: &Tensor) -> WitnessOf<Test> {
	let table = graph.constants[0].1.to_tensor().unwrap();
	let index = Models::step_node(model, 0).unwrap();
	let values: Vec<Option<&Tensor>> = graph.nodes[0]
		.inputs
		.iter()
		.map(|v| match v {
			Some(v) if graph.inputs.contains(v) => Some(indices),
			Some(_) => Some(&table),
			None => None,
		})
		.collect();
	let w = verity_primitives::dispute::build_witness(&index, &values, 0, 0).unwrap();
	w.iter()
		.map(|i| InputWitnessArg::from_witness(i).unwrap())
		.collect::<Vec<_>>()
		.try_into()
		.unwrap()
}

fn dispute_failure(model: &ModelId, graph: &Graph, job: u64, indices: &Tensor) {
	assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
	assert_noop!(
		Disputes::reveal(RuntimeOrigin::signed(EXEC), 0, vec![].try_into().unwrap(), None),
		Error::<Test>::BadFailingChunk
	);
	// The failing chunk is the executor's claim: a challenger cannot name one it likes.
	assert_noop!(
		Disputes::reveal(RuntimeOrigin::signed(ALICE), 0, vec![].try_into().unwrap(), Some((0, 0))),
		Error::<Test>::NotExecutor
	);
	assert_ok!(Disputes::reveal(
		RuntimeOrigin::signed(EXEC),
		0,
		vec![].try_into().unwrap(),
		Some((0, 0))
	));
	assert_ok!(Disputes::pick(RuntimeOrigin::signed(ALICE), 0, 0, 0, PickClaim::FailureComputes));
	assert_ok!(Disputes::step(
		RuntimeOrigin::signed(ALICE),
		0,
		gather_witness(model, graph, indices)
	));
}

#[test]
fn an_honest_failed_result_survives_its_dispute() {
	new_test_ext().execute_checked(|| {
		let (model, graph, job, indices) = table_job(&[1, -2, 12]);
		post_failed(job);
		dispute_failure(&model, &graph, job, &indices);
		assert!(events().iter().any(|e| matches!(e, Event::DisputeSettled { winner: EXEC, .. })));
		assert_eq!(free(ALICE), START - SLASH);
	});
}

#[test]
fn a_false_failed_result_is_refuted() {
	new_test_ext().execute_checked(|| {
		let (model, graph, job, indices) = table_job(&[1, -2, 9]);
		post_failed(job);
		dispute_failure(&model, &graph, job, &indices);
		assert!(events().iter().any(|e| matches!(e, Event::DisputeSettled { winner: ALICE, .. })));
		assert_eq!(executor_bond(EXEC), MIN_BOND - SLASH);
		// No other executor: the submitter gets its payment back.
		assert_eq!(Jobs::<Test>::get(job).unwrap().status, JobStatus::Refunded);
	});
}

/// Outputs posted for a node that fails on the job's values: the challenger shows a failing
/// chunk. And the same claim against honest outputs loses.
#[test]
fn a_chunk_claimed_to_fail_decides_by_the_step() {
	for (indices, challenger_wins) in [(&[1i64, -2, 12][..], true), (&[1, -2, 9][..], false)] {
		new_test_ext().execute_checked(|| {
			let (model, graph, job, t) = table_job(indices);
			let output = match graph.run(std::slice::from_ref(&t), Default::default()) {
				Ok(trace) => trace.outputs[0].clone(),
				Err(_) => Tensor::f32(vec![3, 4], vec![0.0; 12]).unwrap(),
			};
			let root = tensor_root(&output);
			let trace = trace_root(&[node_commitment(0, &[root])]);
			let result = JobResult {
				job,
				outcome: Outcome::Outputs(
					vec![JobTensor::from_tensor_bytes(&output.to_bytes()).unwrap()]
						.try_into()
						.unwrap(),
				),
				trace_root: trace,
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
			assert_ok!(Disputes::pick(
				RuntimeOrigin::signed(ALICE),
				0,
				0,
				0,
				PickClaim::Fails { chunk: 0 }
			));
			assert_ok!(Disputes::step(
				RuntimeOrigin::signed(ALICE),
				0,
				gather_witness(&model, &graph, &t)
			));
			let winner = if challenger_wins { ALICE } else { EXEC };
			assert!(events()
				.iter()
				.any(|e| matches!(e, Event::DisputeSettled { winner: w, .. } if *w == winner)));
		});
	}
}

/// What a dispute costs on a ~100-node model when both sides answer at once: moves, blocks
/// and the witness (printed for the notes; bounded here).
#[test]
fn a_dispute_on_a_hundred_node_model() {
	let mut sizes = vec![32usize];
	sizes.extend(std::iter::repeat_n(128, 40));
	sizes.push(10);
	let bytes = zoo::mlp(&sizes, 9).unwrap();
	let x: Vec<f32> = (0..32).map(|i| (i as f32 - 16.0) / 16.0).collect();
	let inputs = vec![Tensor::f32(vec![1, 32], x).unwrap()];
	new_test_ext().execute_checked(|| {
		let (model, graph) = setup(&bytes);
		assert!(graph.nodes.len() >= 100, "{} nodes", graph.nodes.len());
		// The dense layer nearest the middle: the largest witness.
		let k = (graph.nodes.len() / 2..graph.nodes.len())
			.find(|k| matches!(graph.nodes[*k].onnx_op.as_str(), "Gemm" | "MatMul"))
			.unwrap();
		let honest = run(&graph, &inputs, None);
		let cheat = run(&graph, &inputs, Some(k));
		let job = submit(model, &inputs);
		post(job, &graph, &cheat);
		assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
		let played = play(0, &model, &graph, &cheat, &honest);
		let moves = events().iter().filter(|e| matches!(e, Event::Moved { .. })).count();
		println!(
			"{} nodes, cheat at node {k}: {moves} moves, {} blocks, witness {} bytes, list {} bytes",
			graph.nodes.len(),
			played.blocks,
			played.witness_bytes,
			cheat.roots.len() * 32
		);
		assert_eq!(played.winner, Party::Challenger);
		// Reveal, pick, open, one bisection round (two chunks): five moves, then the step.
		assert!(moves <= 5 && played.blocks <= 6, "{moves} moves, {} blocks", played.blocks);
	});
}

/// A failed result at a node that cannot fail on values (a Relu here) is refuted at the
/// reveal, without a step.
#[test]
fn a_failure_claimed_where_no_value_can_fail_is_refuted_at_the_reveal() {
	new_test_ext().execute_checked(|| {
		let (bytes, inputs) = small();
		let (model, graph) = setup(&bytes);
		let honest = run(&graph, &inputs, None);
		let job = submit(model, &inputs);
		let node = 1u32;
		assert!(!Models::step_node(&model, node).unwrap().can_fail_on_values());
		let before: Vec<_> = (0..node as usize)
			.map(|k| node_commitment(k as u32, &[honest.commitments[k][0].root]))
			.collect();
		let result = JobResult {
			job,
			outcome: Outcome::Failed(NodeFailure {
				node,
				reason: b"made up".to_vec().try_into().unwrap(),
			}),
			trace_root: trace_root(&before),
			nodes: node,
		};
		assert_ok!(Inference::post_results(
			RuntimeOrigin::signed(EXEC),
			vec![result].try_into().unwrap()
		));
		assert_ok!(Disputes::open(RuntimeOrigin::signed(ALICE), job, None));
		let roots: Vec<_> = honest.roots[..node as usize].to_vec();
		assert_ok!(Disputes::reveal(
			RuntimeOrigin::signed(EXEC),
			0,
			roots.try_into().unwrap(),
			Some((0, 0))
		));
		assert!(events().iter().any(|e| matches!(
			e,
			Event::DisputeSettled { winner: ALICE, ending: Ending::ImpossibleFailure, .. }
		)));
		assert_eq!(executor_bond(EXEC), MIN_BOND - SLASH);
	});
}
