//! A party's view of a job (its canonical run, honest or corrupted at one node and computed
//! forward from there) and a player that makes each party's moves from its own view.

pub use crate::{mock::*, *};
pub use frame_support::{
	assert_err_ignore_postinfo, assert_noop, assert_ok, traits::fungible::InspectHold,
};
use pallet_verity_inference::{JobResult, JobSettlement, JobTensor, Outcome};
pub use pallet_verity_models::ModelId;
use sp_runtime::traits::Dispatchable;
use verity_primitives::{
	commitment::{commit_tensor, node_commitment, trace_root, TensorCommitment, H256},
	dispute::{build_witness, next_move, Move, PartyRun, Turn},
	graph::{Graph, NodeValues},
	ops::{eval, NodeTypes},
	tensor::Tensor,
};

/// One party's canonical run of a job.
#[derive(Clone)]
pub struct Run {
	/// Every value of the graph, by value id.
	pub values: Vec<Option<Tensor>>,
	/// Per node, per output: the commitment.
	pub commitments: Vec<Vec<TensorCommitment>>,
	/// The flat list of output roots (what `reveal` posts).
	pub roots: Vec<H256>,
	/// The trace root.
	pub root: H256,
	/// The graph outputs.
	pub outputs: Vec<Tensor>,
}

/// `t` with one element changed (the first), keeping its dtype and shape: the fault
/// `--verity-fault` injects.
pub fn corrupted(t: &Tensor) -> Tensor {
	verity_primitives::graph::corrupt_first_element(t)
}

/// Runs `graph` on `inputs` with the canonical kernels node by node; with `corrupt`, one
/// element of that node's first output is changed and the rest computed forward from it
/// (commitments internally consistent: the hardest cheat to catch).
pub fn run(graph: &Graph, inputs: &[Tensor], corrupt: Option<usize>) -> Run {
	let mut values: Vec<Option<Tensor>> = vec![None; graph.values.len()];
	for (v, t) in graph.inputs.iter().zip(inputs) {
		values[*v as usize] = Some(t.clone());
	}
	for (v, t) in &graph.constants {
		values[*v as usize] = Some(t.to_tensor().unwrap());
	}
	let mut commitments = Vec::new();
	let mut node_commitments = Vec::new();
	let mut roots = Vec::new();
	for (k, node) in graph.nodes.iter().enumerate() {
		let (ins, outs) = graph.node_types(k).unwrap();
		let args: Vec<Option<&Tensor>> =
			node.inputs.iter().map(|v| v.and_then(|v| values[v as usize].as_ref())).collect();
		let mut results =
			eval(&node.op, &NodeTypes { inputs: &ins, outputs: &outs }, &args).unwrap();
		if corrupt == Some(k) {
			results[0] = corrupted(&results[0]);
		}
		let cs: Vec<TensorCommitment> = results.iter().map(commit_tensor).collect();
		let rs: Vec<H256> = cs.iter().map(|c| c.root).collect();
		node_commitments.push(node_commitment(k as u32, &rs));
		roots.extend(rs);
		commitments.push(cs);
		for (v, t) in node.outputs.iter().zip(results) {
			values[*v as usize] = Some(t);
		}
	}
	let outputs = graph.outputs.iter().map(|v| values[*v as usize].clone().unwrap()).collect();
	Run { values, commitments, roots, root: trace_root(&node_commitments), outputs }
}

/// Every row of a chunk tree, bottom up.
pub fn rows(leaves: &[H256]) -> Vec<Vec<H256>> {
	verity_primitives::dispute::play::tree_rows(leaves)
}

/// EXEC posts a failed result of `job` at node 0 (an empty trace).
pub fn post_failed(job: u64) {
	let result = JobResult {
		job,
		outcome: Outcome::Failed(pallet_verity_inference::NodeFailure {
			node: 0,
			reason: b"index".to_vec().try_into().unwrap(),
		}),
		trace_root: trace_root(&[]),
		nodes: 0,
	};
	assert_ok!(Inference::post_results(
		RuntimeOrigin::signed(EXEC),
		vec![result].try_into().unwrap()
	));
}

/// Registers `bytes` as a model (OWNER) and EXEC as the only executor.
pub fn setup(bytes: &[u8]) -> (ModelId, Graph) {
	assert_ok!(Models::register(
		RuntimeOrigin::signed(OWNER),
		bytes.to_vec().try_into().unwrap(),
		b"model".to_vec().try_into().unwrap(),
		1,
		30,
	));
	assert_ok!(Inference::register_executor(RuntimeOrigin::signed(EXEC), MIN_BOND));
	(Models::model_id(bytes), Graph::from_onnx(bytes).unwrap())
}

fn job_tensor(t: &Tensor) -> JobTensor<<Test as pallet_verity_inference::Config>::MaxTensorBytes> {
	JobTensor::from_tensor_bytes(&t.to_bytes()).unwrap()
}

/// DAPP submits a job on `model`; returns its id.
pub fn submit(model: ModelId, inputs: &[Tensor]) -> u64 {
	let id = pallet_verity_inference::NextJobId::<Test>::get();
	let tensors: Vec<_> = inputs.iter().map(job_tensor).collect();
	assert_ok!(Inference::submit(
		RuntimeOrigin::signed(DAPP),
		model,
		tensors.try_into().unwrap(),
		100_000
	));
	id
}

/// The assigned executor posts `run` as the result of `job`.
pub fn post(job: u64, graph: &Graph, run: &Run) {
	let executor = pallet_verity_inference::Jobs::<Test>::get(job).unwrap().executor;
	let outputs: Vec<_> = run.outputs.iter().map(job_tensor).collect();
	let result = JobResult {
		job,
		outcome: Outcome::Outputs(outputs.try_into().unwrap()),
		trace_root: run.root,
		nodes: graph.nodes.len() as u32,
	};
	assert_ok!(Inference::post_results(
		RuntimeOrigin::signed(executor),
		vec![result].try_into().unwrap()
	));
	assert!(
		pallet_verity_inference::Jobs::<Test>::get(job).unwrap().execution.is_some(),
		"result accepted"
	);
}

/// The witness of chunk `chunk` of output `output` of `node` from `run`'s values.
pub fn witness(
	model: &ModelId,
	graph: &Graph,
	run: &Run,
	node: u32,
	output: u32,
	chunk: u32,
) -> WitnessOf<Test> {
	let index = Models::step_node(model, node).unwrap();
	let dense: Vec<Option<&Tensor>> = graph.nodes[node as usize]
		.inputs
		.iter()
		.map(|v| v.and_then(|v| run.values[v as usize].as_ref()))
		.collect();
	let w = build_witness(&index, &dense, output, chunk).unwrap();
	w.iter()
		.map(|i| InputWitnessArg::from_witness(i).unwrap())
		.collect::<Vec<_>>()
		.try_into()
		.unwrap()
}

/// The first node, output where `mine` differs from the executor's list `theirs`.
pub fn first_difference(graph: &Graph, mine: &Run, theirs: &[H256]) -> Option<(u32, u32)> {
	let mut pos = 0;
	for (k, node) in graph.nodes.iter().enumerate() {
		for o in 0..node.outputs.len() {
			if mine.roots.get(pos) != theirs.get(pos) {
				return Some((k as u32, o as u32));
			}
			pos += 1;
		}
	}
	None
}

/// What a game came to.
#[derive(Debug)]
pub struct Played {
	/// The winner's side.
	pub winner: Party,
	/// Blocks from opening to settlement.
	pub blocks: u64,
	/// Bytes of the witness posted (0 if none).
	pub witness_bytes: usize,
}

/// The bytes of chunk `chunk` of output `output` of `node` in `run`.
pub fn chunk_bytes(graph: &Graph, run: &Run, node: u32, output: u32, chunk: u32) -> Vec<u8> {
	let v = graph.nodes[node as usize].outputs[output as usize];
	let t = run.values[v as usize].as_ref().unwrap();
	let mut bytes = Vec::new();
	t.data().write_le_bytes(
		verity_primitives::commitment::chunk_range(t.len(), chunk as usize),
		&mut bytes,
	);
	bytes
}

/// Plays game `id` to its end with whole-chunk steps (see [`play_narrowing`]).
pub fn play(id: GameId, model: &ModelId, graph: &Graph, exec: &Run, chal: &Run) -> Played {
	play_narrowing(id, model, graph, exec, chal, false)
}

/// A party's run as the player reads it.
pub struct View<'a> {
	/// The model's graph.
	pub graph: &'a Graph,
	/// The party's run.
	pub run: &'a Run,
}

impl PartyRun for View<'_> {
	fn graph(&self) -> &Graph {
		self.graph
	}

	fn roots(&self) -> &[H256] {
		&self.run.roots
	}

	fn failed_node(&self) -> Option<u32> {
		None
	}

	fn node_values(&mut self, node: u32) -> Result<NodeValues, String> {
		let n = self.graph.nodes.get(node as usize).ok_or("no such node")?;
		let value = |v: u32| self.run.values[v as usize].clone();
		Ok(NodeValues {
			inputs: n.inputs.iter().map(|v| v.and_then(value)).collect(),
			outputs: n.outputs.iter().map(|v| value(*v)).collect(),
		})
	}
}

/// Plays game `id` to its end as the nodes' off-chain workers do: each party's move is the
/// player's (`verity_primitives::dispute::play`) at the turn the pallet gives
/// (`Disputes::turn`), made with the call `Disputes::call_of` builds; the executor from
/// `exec`, the challenger from `chal`, each answering in the block after the other's move.
/// With `narrow`, the challenger narrows every step to one element. A party without a valid
/// move (a cheater whose witness does not verify, a challenger with nothing to dispute)
/// waits, and loses on its clock.
pub fn play_narrowing(
	id: GameId,
	_model: &ModelId,
	graph: &Graph,
	exec: &Run,
	chal: &Run,
	narrow: bool,
) -> Played {
	play_runs(id, &mut View { graph, run: exec }, &mut View { graph, run: chal }, narrow)
}

/// [`play_narrowing`] for any two parties' runs.
pub fn play_runs(
	id: GameId,
	exec: &mut impl PartyRun,
	chal: &mut impl PartyRun,
	narrow: bool,
) -> Played {
	let start = System::block_number();
	let mut witness_bytes = 0;
	let game0 = Games::<Test>::get(id).unwrap();
	let (executor, challenger, job) = (game0.executor, game0.challenger, game0.job);
	while let Some(game) = Games::<Test>::get(id) {
		let who = match game.phase.to_move() {
			Party::Executor => executor,
			Party::Challenger => challenger,
		};
		let ex = <Test as Config>::Jobs::executed(job).unwrap();
		let mut turn = Disputes::turn(id, &game, &ex).expect("the game's state is complete");
		if let Turn::Step { bounds: Some(b), .. } = &mut turn {
			if narrow {
				b.max_chunks = 0;
			}
		}
		let mv = match game.phase.to_move() {
			Party::Executor => next_move(&turn, exec),
			Party::Challenger => next_move(&turn, chal),
		};
		let moved = match mv {
			Ok(Some(mv)) => {
				if let Move::Step { witness } = &mv {
					witness_bytes =
						codec::Encode::encoded_size(&Disputes::witness_arg(witness).unwrap());
				}
				let call = Disputes::call_of(id, mv).expect("the move fits a call");
				RuntimeCall::Disputes(call)
					.dispatch(RuntimeOrigin::signed(who))
					.map(|_| ())
					.map_err(|e| e.error)
			},
			Ok(None) => Err(Error::<Test>::WrongPhase.into()),
			Err(e) => Err(sp_runtime::DispatchError::Other(Box::leak(e.into_boxed_str()))),
		};
		if moved.is_err() {
			run_to(game.deadline);
		} else if Games::<Test>::contains_key(id) {
			run_to(System::block_number() + 1);
		}
	}
	let settled = System::events().into_iter().rev().find_map(|r| match r.event {
		RuntimeEvent::Disputes(Event::DisputeSettled { game, winner, .. }) if game == id => {
			Some(winner)
		},
		_ => None,
	});
	let winner = match settled {
		Some(w) if w == challenger => Party::Challenger,
		Some(_) => Party::Executor,
		None => panic!("game {id} on job {job} ended without a winner"),
	};
	Played { winner, blocks: System::block_number() - start, witness_bytes }
}

/// Events of the disputes pallet.
pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Disputes(e) = r.event { Some(e) } else { None })
		.collect()
}

/// Free balance.
pub fn free(who: u64) -> Balance {
	Balances::free_balance(who)
}

/// Held as a challenge bond.
pub fn bond_held(who: u64) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Disputes(HoldReason::ChallengeBond), &who)
}

/// Held as an executor bond.
pub fn executor_bond(who: u64) -> Balance {
	Balances::balance_on_hold(
		&RuntimeHoldReason::Inference(pallet_verity_inference::HoldReason::ExecutorBond),
		&who,
	)
}

/// A party's run as a node computes it: the graph run once for its roots, then re-run up to
/// the node a move needs ([`TraceOptions::capture`]); it may fail at a node.
pub struct GraphRun {
	/// The model's graph.
	pub graph: Graph,
	/// The job's inputs.
	pub inputs: Vec<Tensor>,
	/// The output roots of the nodes computed.
	pub roots: Vec<H256>,
	/// The node the run fails at.
	pub failed: Option<u32>,
}

impl GraphRun {
	/// `graph` run on `inputs`.
	pub fn new(graph: &Graph, inputs: &[Tensor]) -> GraphRun {
		let (roots, failed) = match graph.try_run(inputs, Default::default()) {
			Ok(trace) => (trace.output_roots.concat(), None),
			Err(verity_primitives::graph::RunError::NodeFailed(f)) => {
				(f.output_roots.concat(), Some(f.node))
			},
			Err(e) => panic!("{e}"),
		};
		GraphRun { graph: graph.clone(), inputs: inputs.to_vec(), roots, failed }
	}
}

impl PartyRun for GraphRun {
	fn graph(&self) -> &Graph {
		&self.graph
	}

	fn roots(&self) -> &[H256] {
		&self.roots
	}

	fn failed_node(&self) -> Option<u32> {
		self.failed
	}

	fn node_values(&mut self, node: u32) -> Result<NodeValues, String> {
		let options =
			verity_primitives::graph::TraceOptions { capture: Some(node), ..Default::default() };
		let trace = self.graph.try_run(&self.inputs, options).map_err(|e| format!("{e}"))?;
		trace.captured.ok_or_else(|| format!("node {node} not reached"))
	}
}
