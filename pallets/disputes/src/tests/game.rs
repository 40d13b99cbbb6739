//! The calls, their errors and the clocks.

use super::harness::*;
use verity_primitives::{commitment::H256, graph::Graph, onnx::zoo, tensor::Tensor};

/// A small MLP (4 → 3 → 2): every output one chunk.
fn small() -> (Vec<u8>, Vec<Tensor>) {
	(
		zoo::mlp(&[4, 3, 2], 7).unwrap(),
		vec![Tensor::f32(vec![1, 4], vec![0.5, -1.0, 2.0, 0.25]).unwrap()],
	)
}

/// A wider MLP whose first layer's output has several chunks (bisection rounds).
fn wide() -> (Vec<u8>, Vec<Tensor>) {
	let x: Vec<f32> = (0..16).map(|i| i as f32 / 8.0 - 1.0).collect();
	(zoo::mlp(&[16, 600, 10], 3).unwrap(), vec![Tensor::f32(vec![1, 16], x).unwrap()])
}

/// A job on `case` whose executor posted `corrupt`'s run (honest with `None`); returns the
/// model, the graph, the job, the honest run and the posted one.
fn posted(case: (Vec<u8>, Vec<Tensor>), corrupt: Option<usize>) -> (ModelId, Graph, u64, Run, Run) {
	let (bytes, inputs) = case;
	let (model, graph) = setup(&bytes);
	let honest = run(&graph, &inputs, None);
	let posted = run(&graph, &inputs, corrupt);
	let job = submit(model, &inputs);
	post(job, &graph, &posted);
	(model, graph, job, honest, posted)
}

fn open(who: u64, job: u64) -> sp_runtime::DispatchResult {
	Disputes::open(RuntimeOrigin::signed(who), job, None)
}

fn reveal(game: GameId, run: &Run) -> sp_runtime::DispatchResult {
	Disputes::reveal(RuntimeOrigin::signed(EXEC), game, run.roots.clone().try_into().unwrap(), None)
}

#[test]
fn open_checks_the_job_the_challenger_and_the_bond() {
	new_test_ext().execute_checked(|| {
		let (bytes, inputs) = small();
		let (model, graph) = setup(&bytes);
		let job = submit(model, &inputs);
		// Assigned, not executed: nothing to challenge.
		assert_noop!(open(ALICE, job), Error::<Test>::NotChallengeable);
		assert_noop!(open(ALICE, 77), Error::<Test>::NotChallengeable);
		post(job, &graph, &run(&graph, &inputs, None));
		assert_noop!(open(EXEC, job), Error::<Test>::OwnResult);
		assert_noop!(open(1234, job), sp_runtime::TokenError::FundsUnavailable);
		assert_ok!(open(ALICE, job));
		assert_eq!(bond_held(ALICE), CHALLENGE_BOND);
		assert_noop!(open(ALICE, job), Error::<Test>::AlreadyChallenging);
		assert_ok!(open(BOB, job));
		assert_ok!(open(CAROL, job));
		assert_noop!(open(OWNER, job), Error::<Test>::TooManyGames);
		assert_eq!(Disputes::job_disputes(job), vec![0, 1, 2]);
		assert!(events().contains(&Event::DisputeOpened { game: 0, job, challenger: ALICE }));
	});
}

#[test]
fn a_model_without_its_dispute_index_cannot_be_disputed() {
	new_test_ext().execute_checked(|| {
		let (model, _, job, _, _) = posted(small(), None);
		let layout = pallet_verity_models::TraceLayouts::<Test>::take(model);
		assert_noop!(open(ALICE, job), Error::<Test>::NoIndex);
		pallet_verity_models::TraceLayouts::<Test>::set(model, layout);
	});
}

#[test]
fn a_game_the_executor_wins_reopens_the_window_for_others() {
	new_test_ext().execute_checked(|| {
		let (model, graph, job, honest, _) = posted(small(), None);
		assert_ok!(open(ALICE, job));
		// While a game holds the job, others may join it.
		run_to(1 + WINDOW + 3);
		assert_ok!(open(BOB, job));
		let cheat = run(&graph, &small().1, Some(0));
		assert_eq!(play(0, &model, &graph, &honest, &cheat).winner, Party::Executor);
		assert_eq!(play(1, &model, &graph, &honest, &cheat).winner, Party::Executor);
		// The last game ended: a full window for whoever was kept out, then final.
		let ended = System::block_number();
		run_to(ended + WINDOW - 1);
		assert_ok!(open(CAROL, job));
		assert_eq!(play(2, &model, &graph, &honest, &cheat).winner, Party::Executor);
		let ended = System::block_number();
		run_to(ended + WINDOW);
		assert_noop!(open(OWNER, job), Error::<Test>::NotChallengeable);
		assert_eq!(
			pallet_verity_inference::Jobs::<Test>::get(job).unwrap().status,
			pallet_verity_inference::JobStatus::Finalized
		);
	});
}

#[test]
fn the_window_closes_for_new_games() {
	new_test_ext().execute_checked(|| {
		let (bytes, inputs) = small();
		let (model, graph) = setup(&bytes);
		let job = submit(model, &inputs);
		post(job, &graph, &run(&graph, &inputs, None));
		run_to(1 + WINDOW - 1);
		// Still open in the last block of the window (tried, then undone).
		let opened = frame_support::storage::with_transaction(|| {
			sp_runtime::TransactionOutcome::Rollback(open(ALICE, job))
		});
		assert_ok!(opened);
		run_to(1 + WINDOW);
		assert_noop!(open(BOB, job), Error::<Test>::NotChallengeable);
	});
}

#[test]
fn reveal_must_lead_to_the_trace_root() {
	new_test_ext().execute_checked(|| {
		let (_, _, job, honest, _) = posted(small(), None);
		assert_ok!(open(ALICE, job));
		let mut wrong = honest.roots.clone();
		wrong[1] = H256::repeat_byte(9);
		let bad = |roots: Vec<H256>| {
			Disputes::reveal(RuntimeOrigin::signed(ALICE), 0, roots.try_into().unwrap(), None)
		};
		assert_noop!(bad(wrong), Error::<Test>::BadReveal);
		assert_noop!(bad(honest.roots[1..].to_vec()), Error::<Test>::BadReveal);
		assert_noop!(
			Disputes::reveal(
				RuntimeOrigin::signed(ALICE),
				0,
				honest.roots.clone().try_into().unwrap(),
				Some((0, 0))
			),
			Error::<Test>::BadFailingChunk
		);
		// Anyone may post the list: it is checked, not trusted.
		assert_ok!(Disputes::reveal(
			RuntimeOrigin::signed(CAROL),
			0,
			honest.roots.clone().try_into().unwrap(),
			None
		));
		assert_eq!(Games::<Test>::get(0).unwrap().phase, Phase::Pick);
		assert_noop!(reveal(0, &honest), Error::<Test>::WrongPhase);
		// A second game on the job starts at the pick: the list is on chain.
		assert_ok!(open(BOB, job));
		assert_eq!(Games::<Test>::get(1).unwrap().phase, Phase::Pick);
	});
}

#[test]
fn every_game_waiting_for_the_list_moves_on_when_it_comes() {
	new_test_ext().execute_checked(|| {
		let (_, _, job, honest, _) = posted(small(), None);
		assert_ok!(open(ALICE, job));
		assert_ok!(open(BOB, job));
		assert_ok!(reveal(1, &honest));
		assert_eq!(Games::<Test>::get(0).unwrap().phase, Phase::Pick);
		assert_eq!(Games::<Test>::get(1).unwrap().phase, Phase::Pick);
	});
}

#[test]
fn pick_is_the_challengers_and_names_a_real_value() {
	new_test_ext().execute_checked(|| {
		let (_, graph, job, honest, _) = posted(small(), None);
		assert_ok!(open(ALICE, job));
		let pick = |who, node, output, claim| {
			Disputes::pick(RuntimeOrigin::signed(who), 0, node, output, claim)
		};
		assert_noop!(pick(ALICE, 0, 0, PickClaim::Wrong), Error::<Test>::WrongPhase);
		assert_ok!(reveal(0, &honest));
		let n = graph.nodes.len() as u32;
		assert_noop!(pick(BOB, 0, 0, PickClaim::Wrong), Error::<Test>::NotChallenger);
		assert_noop!(pick(ALICE, n, 0, PickClaim::Wrong), Error::<Test>::NoSuchValue);
		assert_noop!(pick(ALICE, 0, 1, PickClaim::Wrong), Error::<Test>::NoSuchValue);
		assert_noop!(pick(ALICE, 0, 0, PickClaim::Fails { chunk: 1 }), Error::<Test>::NoSuchChunk);
		assert_noop!(
			pick(ALICE, 0, 0, PickClaim::FailureComputes),
			Error::<Test>::NotTheFailingNode
		);
		assert_ok!(pick(ALICE, 1, 0, PickClaim::Wrong));
		assert_eq!(Games::<Test>::get(0).unwrap().phase, Phase::OpenOutput { node: 1, output: 0 });
	});
}

#[test]
fn bisection_checks_every_hash_the_executor_reveals() {
	new_test_ext().execute_checked(|| {
		let (_, _, job, honest, cheat) = posted(wide(), Some(0));
		assert_ok!(open(ALICE, job));
		assert_ok!(reveal(0, &cheat));
		assert_ok!(Disputes::pick(RuntimeOrigin::signed(ALICE), 0, 0, 0, PickClaim::Wrong));
		let ours = &cheat.commitments[0][0];
		assert_noop!(
			Disputes::open_output(
				RuntimeOrigin::signed(EXEC),
				0,
				honest.commitments[0][0].chunks_root
			),
			Error::<Test>::BadChunksRoot
		);
		assert_ok!(Disputes::open_output(RuntimeOrigin::signed(EXEC), 0, ours.chunks_root));
		let Phase::Bisect { at, .. } = Games::<Test>::get(0).unwrap().phase else {
			panic!("bisect")
		};
		assert!(at.level > 0);
		let rows = rows(&ours.leaf_hashes);
		let below = &rows[at.level as usize - 1];
		assert_noop!(
			Disputes::bisect(RuntimeOrigin::signed(EXEC), 0, below[1], below[0]),
			Error::<Test>::BadChildren
		);
		assert_noop!(
			Disputes::choose(RuntimeOrigin::signed(ALICE), 0, below[0], false),
			Error::<Test>::WrongPhase
		);
		assert_ok!(Disputes::bisect(RuntimeOrigin::signed(EXEC), 0, below[0], below[1]));
		assert_noop!(
			Disputes::choose(RuntimeOrigin::signed(BOB), 0, below[0], false),
			Error::<Test>::NotChallenger
		);
		// A choice naming another hash than the child it picks is stale: refused.
		assert_noop!(
			Disputes::choose(RuntimeOrigin::signed(ALICE), 0, below[1], false),
			Error::<Test>::StaleChoice
		);
		assert_ok!(Disputes::choose(RuntimeOrigin::signed(ALICE), 0, below[0], false));
		// Replayed at the next level, it no longer matches: refused.
		if let Phase::Bisect { at, .. } = Games::<Test>::get(0).unwrap().phase {
			let below = &rows[at.level as usize - 1];
			let p = at.position as usize * 2;
			assert_ok!(Disputes::bisect(RuntimeOrigin::signed(EXEC), 0, below[p], below[p + 1]));
			assert_noop!(
				Disputes::choose(
					RuntimeOrigin::signed(ALICE),
					0,
					rows[at.level as usize][0],
					false
				),
				Error::<Test>::StaleChoice
			);
		}
	});
}

#[test]
fn a_bad_witness_fails_and_nobody_loses() {
	new_test_ext().execute_checked(|| {
		let (model, graph, job, honest, cheat) = posted(small(), Some(1));
		assert_ok!(open(ALICE, job));
		assert_ok!(reveal(0, &cheat));
		assert_ok!(Disputes::pick(RuntimeOrigin::signed(ALICE), 0, 1, 0, PickClaim::Wrong));
		assert_ok!(Disputes::open_output(
			RuntimeOrigin::signed(EXEC),
			0,
			cheat.commitments[1][0].chunks_root
		));
		let Phase::Step { node, output, chunk, .. } = Games::<Test>::get(0).unwrap().phase else {
			panic!("one chunk: straight to the step")
		};
		let mut w = witness(&model, &graph, &honest, node, output, chunk);
		w[0].chunks[0].bytes[0] ^= 1;
		let before = Games::<Test>::get(0).unwrap();
		let refused = Disputes::step(RuntimeOrigin::signed(ALICE), 0, w);
		assert_err_ignore_postinfo!(refused, Error::<Test>::BadWitness);
		// It paid for the reads it made, not for the read limit.
		let used = refused.unwrap_err().post_info.actual_weight.unwrap();
		assert!(
			used.ref_time()
				< Disputes::step_weight(&witness(&model, &graph, &honest, node, output, chunk))
					.ref_time() / 4
		);
		assert_eq!(Games::<Test>::get(0).unwrap(), before);
		let w = witness(&model, &graph, &honest, node, output, chunk);
		// Anyone may post the right witness; the challenger wins.
		assert_ok!(Disputes::step(RuntimeOrigin::signed(CAROL), 0, w));
		assert!(Games::<Test>::get(0).is_none());
		assert_eq!(executor_bond(EXEC), MIN_BOND - SLASH);
	});
}

#[test]
fn a_genesis_move_clock_times_the_games() {
	use sp_runtime::BuildStorage;
	let mut t = new_test_ext();
	t.execute_with(|| {
		assert_eq!(MoveClock::<Test>::get(), BUDGET, "the runtime's budget by default");
	});
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	crate::GenesisConfig::<Test> { move_clock: Some(7) }.assimilate_storage(&mut storage).unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| assert_eq!(MoveClock::<Test>::get(), 7));
	// A game opened under a genesis clock gets it.
	new_test_ext().execute_checked(|| {
		MoveClock::<Test>::put(7);
		let (_, _, job, _, _) = posted(small(), None);
		assert_ok!(open(ALICE, job));
		let g = Games::<Test>::get(0).unwrap();
		assert_eq!((g.deadline, g.executor_clock, g.challenger_clock), (1 + 7, 7, 7));
	});
}

#[test]
fn a_silent_executor_loses_on_its_clock() {
	new_test_ext().execute_checked(|| {
		let (_, _, job, _, _) = posted(small(), None);
		assert_ok!(open(ALICE, job));
		let deadline = Games::<Test>::get(0).unwrap().deadline;
		assert_eq!(deadline, 1 + BUDGET);
		run_to(deadline - 1);
		assert!(Games::<Test>::get(0).is_some());
		run_to(deadline);
		assert!(Games::<Test>::get(0).is_none());
		assert!(events().iter().any(|e| matches!(
			e,
			Event::DisputeSettled { winner: ALICE, ending: Ending::Timeout, .. }
		)));
		assert_eq!(executor_bond(EXEC), MIN_BOND - SLASH);
	});
}

#[test]
fn clocks_are_charged_only_for_their_own_turns() {
	new_test_ext().execute_checked(|| {
		let (_, _, job, honest, _) = posted(small(), None);
		assert_ok!(open(ALICE, job));
		run_to(4);
		assert_ok!(reveal(0, &honest));
		let g = Games::<Test>::get(0).unwrap();
		assert_eq!((g.executor_clock, g.challenger_clock), (BUDGET - 3, BUDGET));
		assert_eq!(g.deadline, 4 + BUDGET);
		run_to(10);
		assert_ok!(Disputes::pick(RuntimeOrigin::signed(ALICE), 0, 0, 0, PickClaim::Wrong));
		let g = Games::<Test>::get(0).unwrap();
		assert_eq!((g.executor_clock, g.challenger_clock), (BUDGET - 3, BUDGET - 6));
		assert_eq!(g.deadline, 10 + BUDGET - 3);
		// The challenger silent at its step: it loses when its clock runs out.
		assert_ok!(Disputes::open_output(
			RuntimeOrigin::signed(EXEC),
			0,
			honest.commitments[0][0].chunks_root
		));
		let g = Games::<Test>::get(0).unwrap();
		assert_eq!(g.deadline, 10 + BUDGET - 6);
		run_to(g.deadline);
		assert!(events().iter().any(|e| matches!(
			e,
			Event::DisputeSettled { winner: EXEC, ending: Ending::Timeout, .. }
		)));
		assert_eq!(free(ALICE), START - SLASH);
	});
}

#[test]
fn a_game_holds_the_job_past_its_window_and_the_executor_is_paid_when_it_wins() {
	new_test_ext().execute_checked(|| {
		let (model, graph, job, honest, _) = posted(small(), None);
		let cheat = run(&graph, &small().1, Some(2));
		assert_ok!(open(ALICE, job));
		run_to(1 + WINDOW + 2);
		assert_eq!(
			pallet_verity_inference::Jobs::<Test>::get(job).unwrap().status,
			pallet_verity_inference::JobStatus::Executed,
			"held by the game"
		);
		let exec_free = free(EXEC);
		let played = play(0, &model, &graph, &honest, &cheat);
		assert_eq!(played.winner, Party::Executor);
		// A full window reopens for challengers the game kept out, then the job is final.
		let ended = System::block_number();
		let j = pallet_verity_inference::Jobs::<Test>::get(job).unwrap();
		assert_eq!(
			(j.status, j.due),
			(pallet_verity_inference::JobStatus::Executed, ended + WINDOW)
		);
		assert_eq!(free(EXEC), exec_free + SLASH * 40 / 100);
		run_to(ended + WINDOW);
		let j = pallet_verity_inference::Jobs::<Test>::get(job).unwrap();
		assert_eq!(j.status, pallet_verity_inference::JobStatus::Finalized);
		assert!(free(EXEC) > exec_free + SLASH * 40 / 100, "paid its fee on top of the share");
	});
}

#[test]
fn the_fast_path_settles_in_the_opening_block() {
	new_test_ext().execute_checked(|| {
		let (model, graph, job, honest, cheat) = posted(wide(), Some(0));
		let (node, output) = first_difference(&graph, &honest, &cheat.roots).unwrap();
		let theirs = &cheat.commitments[node as usize][output as usize];
		let mine = &honest.commitments[node as usize][output as usize];
		let chunk = (0..mine.leaf_hashes.len())
			.find(|j| mine.leaf_hashes[*j] != theirs.leaf_hashes[*j])
			.unwrap() as u32;
		let path =
			verity_primitives::commitment::MerklePath::build(&theirs.leaf_hashes, chunk as usize)
				.unwrap();
		let fast = |leaf: H256| FastPath {
			roots: Some(cheat.roots.clone().try_into().unwrap()),
			node,
			output,
			chunks_root: theirs.chunks_root,
			chunk,
			leaf,
			path: path.siblings.clone().try_into().unwrap(),
			witness: witness(&model, &graph, &honest, node, output, chunk),
		};
		// A leaf that is not the executor's: refused, nothing held, no game.
		assert_noop!(
			Disputes::open(
				RuntimeOrigin::signed(ALICE),
				job,
				Some(Box::new(fast(mine.leaf_hashes[chunk as usize])))
			),
			Error::<Test>::BadLeafPath
		);
		assert_ok!(Disputes::open(
			RuntimeOrigin::signed(ALICE),
			job,
			Some(Box::new(fast(theirs.leaf_hashes[chunk as usize])))
		));
		assert!(Games::<Test>::get(0).is_none());
		assert!(events().iter().any(|e| matches!(
			e,
			Event::DisputeSettled { winner: ALICE, ending: Ending::Step, .. }
		)));
		assert_eq!(executor_bond(EXEC), MIN_BOND - SLASH);
	});
}

#[test]
fn outputs_not_bound_to_the_trace_lose_at_the_reveal() {
	new_test_ext().execute_checked(|| {
		let (bytes, inputs) = small();
		let (model, graph) = setup(&bytes);
		let honest = run(&graph, &inputs, None);
		// An honest trace with other outputs.
		let mut lying = honest.clone();
		lying.outputs[0] = corrupted(&lying.outputs[0]);
		let job = submit(model, &inputs);
		post(job, &graph, &lying);
		assert_ok!(open(ALICE, job));
		assert_ok!(open(BOB, job));
		assert_ok!(reveal(0, &honest));
		assert!(events().iter().any(|e| matches!(
			e,
			Event::DisputeSettled { winner: ALICE, ending: Ending::OutputsUnbound, .. }
		)));
		// Bob opened in the block that refuted the result: his bond back, no share of it.
		assert!(events().contains(&Event::DisputeClosed {
			game: 1,
			job,
			challenger: BOB,
			reward: 0
		}));
		assert_eq!(bond_held(BOB), 0);
		assert_eq!(free(BOB), START);
	});
}

#[test]
fn narrowing_to_an_element_checks_the_executors_bytes() {
	new_test_ext().execute_checked(|| {
		let (model, graph, job, honest, cheat) = posted(wide(), Some(0));
		assert_ok!(open(ALICE, job));
		assert_ok!(reveal(0, &cheat));
		assert_ok!(Disputes::pick(RuntimeOrigin::signed(ALICE), 0, 0, 0, PickClaim::Wrong));
		assert_noop!(Disputes::split(RuntimeOrigin::signed(ALICE), 0), Error::<Test>::WrongPhase);
		// Play the bisection down to the step.
		while !matches!(Games::<Test>::get(0).unwrap().phase, Phase::Step { .. }) {
			let g = Games::<Test>::get(0).unwrap();
			match g.phase {
				Phase::OpenOutput { .. } => {
					assert_ok!(Disputes::open_output(
						RuntimeOrigin::signed(EXEC),
						0,
						cheat.commitments[0][0].chunks_root
					));
				},
				Phase::Bisect { at, .. } => {
					let rows = rows(&cheat.commitments[0][0].leaf_hashes);
					let below = &rows[at.level as usize - 1];
					let p = at.position as usize * 2;
					assert_ok!(Disputes::bisect(
						RuntimeOrigin::signed(EXEC),
						0,
						below[p],
						below[p + 1]
					));
				},
				Phase::Choose { at, left, right, .. } => {
					let rows = rows(&honest.commitments[0][0].leaf_hashes);
					let mine = rows[at.level as usize - 1][at.position as usize * 2];
					let against = if mine == left { right } else { left };
					assert_ok!(Disputes::choose(
						RuntimeOrigin::signed(ALICE),
						0,
						against,
						mine == left
					));
				},
				_ => unreachable!(),
			}
		}
		let Phase::Step { chunk, .. } = Games::<Test>::get(0).unwrap().phase else {
			unreachable!()
		};
		assert_noop!(Disputes::split(RuntimeOrigin::signed(BOB), 0), Error::<Test>::NotChallenger);
		assert_ok!(Disputes::split(RuntimeOrigin::signed(ALICE), 0));
		let theirs = chunk_bytes(&graph, &cheat, 0, 0, chunk);
		let mine = chunk_bytes(&graph, &honest, 0, 0, chunk);
		assert_noop!(
			Disputes::open_leaf(RuntimeOrigin::signed(EXEC), 0, mine.clone().try_into().unwrap()),
			Error::<Test>::BadLeafBytes
		);
		assert_noop!(
			Disputes::open_leaf(
				RuntimeOrigin::signed(EXEC),
				0,
				theirs[4..].to_vec().try_into().unwrap()
			),
			Error::<Test>::BadLeafBytes
		);
		assert_ok!(Disputes::open_leaf(
			RuntimeOrigin::signed(CAROL),
			0,
			theirs.clone().try_into().unwrap()
		));
		let bytes = || -> ChunkBytes { theirs.clone().try_into().unwrap() };
		assert_noop!(
			Disputes::pick_element(RuntimeOrigin::signed(ALICE), 0, 64, bytes()),
			Error::<Test>::NoSuchElement
		);
		assert_noop!(
			Disputes::pick_element(RuntimeOrigin::signed(ALICE), 0, 0, mine.try_into().unwrap()),
			Error::<Test>::BadLeafBytes
		);
		assert_noop!(
			Disputes::pick_element(RuntimeOrigin::signed(EXEC), 0, 0, bytes()),
			Error::<Test>::NotChallenger
		);
		// An element where the executor is right: the challenger loses, whatever the chunk.
		let e = (0..64u32).find(|e| {
			let r = (*e as usize) * 4..(*e as usize + 1) * 4;
			theirs[r.clone()] == chunk_bytes(&graph, &honest, 0, 0, chunk)[r]
		});
		let e = e.expect("most elements of the chunk are right");
		assert_ok!(Disputes::pick_element(RuntimeOrigin::signed(ALICE), 0, e, bytes()));
		let Phase::ElementStep { index, .. } = Games::<Test>::get(0).unwrap().phase else {
			unreachable!()
		};
		assert_eq!(index, chunk * 64 + e);
		let step_node = Models::step_node(&model, 0).unwrap();
		let dense: Vec<Option<&Tensor>> = graph.nodes[0]
			.inputs
			.iter()
			.map(|v| v.and_then(|v| honest.values[v as usize].as_ref()))
			.collect();
		let w = verity_primitives::dispute::build_element_witness(&step_node, &dense, 0, index)
			.unwrap();
		let w: WitnessOf<Test> = w
			.iter()
			.map(|i| InputWitnessArg::from_witness(i).unwrap())
			.collect::<Vec<_>>()
			.try_into()
			.unwrap();
		assert_ok!(Disputes::step(RuntimeOrigin::signed(ALICE), 0, w));
		assert!(events().iter().any(|e| matches!(e, Event::DisputeSettled { winner: EXEC, .. })));
	});
}
