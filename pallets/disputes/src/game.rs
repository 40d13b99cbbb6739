//! The moves of the game and the clocks: each move checks what it claims against the
//! executor's commitments, then hands the turn over (`advance`).

use crate::{pallet::*, settle::Verdict, types::*, weights, PickClaim};
use alloc::vec::Vec;
use frame_support::{
	dispatch::{DispatchErrorWithPostInfo, DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_verity_inference::{ExecutedJob, JobSettlement};
use sp_runtime::{
	traits::{One, Saturating},
	DispatchError,
};
use verity_primitives::{
	commitment::{
		chunk_count, hash, node_commitment, tensor_root, tensor_root_from_parts, trace_root, H256,
	},
	dispute::{
		element_step_metered, one_step_metered, ElementVerdict, InputData, Source, StepNode,
		StepVerdict, TraceLayout, TreeCursor,
	},
	tensor::{checked_numel, shape_from_u64, TensorHeader},
};

/// What a step evaluates: a chunk with the claim on it, or one element with the executor's
/// bytes of it.
enum Target {
	Chunk(u32, Claim),
	Element(u32, [u8; 8], u8),
}

/// Blocks past its due block a game's timeout may slip when queues are full.
const TIMEOUT_SLIP: u32 = 64;

type ExecutedOf<T> = ExecutedJob<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

/// Chunks of a tensor with `header`, or `None` when the header is not a valid static type.
fn chunks_of(header: &TensorHeader) -> Option<u32> {
	let len = shape_from_u64(&header.shape).and_then(|s| checked_numel(&s)).ok()?;
	u32::try_from(chunk_count(len)).ok()
}

impl<T: Config> Pallet<T> {
	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// The job's result, while it is executed.
	fn executed(job: JobId) -> Result<ExecutedOf<T>, DispatchError> {
		T::Jobs::executed(job).ok_or_else(|| Error::<T>::NotChallengeable.into())
	}

	fn layout(ex: &ExecutedOf<T>) -> Result<TraceLayout, DispatchError> {
		pallet_verity_models::Pallet::<T>::trace_layout(&ex.model)
			.ok_or_else(|| Error::<T>::NoIndex.into())
	}

	fn step_node(ex: &ExecutedOf<T>, node: u32) -> Result<StepNode, DispatchError> {
		pallet_verity_models::Pallet::<T>::step_node(&ex.model, node)
			.ok_or_else(|| Error::<T>::NoIndex.into())
	}

	fn game(id: GameId) -> Result<GameOf<T>, DispatchError> {
		Games::<T>::get(id).ok_or_else(|| Error::<T>::UnknownGame.into())
	}

	/// The executor's root of output `output` of `node`, from its revealed list.
	fn revealed_root(
		revealed: &RevealedTrace<T::MaxTraceValues>,
		layout: &TraceLayout,
		node: u32,
		output: u32,
	) -> Result<H256, DispatchError> {
		let position = layout.position(node, output).ok_or(Error::<T>::NoSuchValue)?;
		revealed.roots.get(position).copied().ok_or_else(|| Error::<T>::NoSuchValue.into())
	}

	/// Puts game `id` in the timeout queue of block `at`, or of one of the next blocks.
	pub(crate) fn schedule_timeout(
		id: GameId,
		at: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let mut block = at;
		for _ in 0..=TIMEOUT_SLIP {
			if Timeouts::<T>::try_mutate(block, |q| q.try_push(id)).is_ok() {
				return Ok(block);
			}
			block = block.saturating_add(One::one());
		}
		Err(Error::<T>::Congested.into())
	}

	/// Takes game `id` out of the timeout queue of block `at` (deleting an emptied queue).
	pub(crate) fn unqueue(at: BlockNumberFor<T>, id: GameId) {
		Timeouts::<T>::mutate_exists(at, |queue| {
			if let Some(q) = queue {
				q.retain(|g| *g != id);
				if q.is_empty() {
					*queue = None;
				}
			}
		});
	}

	/// Hands the turn over: the party that was to move is charged the blocks it took, the
	/// game moves to `phase`, and the party to move now gets a deadline from its clock.
	pub(crate) fn advance(id: GameId, mut game: GameOf<T>, phase: Phase) -> DispatchResult {
		let now = Self::now();
		let used = now.saturating_sub(game.turn_since);
		match game.phase.to_move() {
			Party::Executor => game.executor_clock = game.executor_clock.saturating_sub(used),
			Party::Challenger => game.challenger_clock = game.challenger_clock.saturating_sub(used),
		}
		Self::unqueue(game.deadline, id);
		game.phase = phase;
		game.turn_since = now;
		let clock = match phase.to_move() {
			Party::Executor => game.executor_clock,
			Party::Challenger => game.challenger_clock,
		};
		// At least the next block: this block's queue has already been looked at.
		let due = now.saturating_add(clock.max(One::one()));
		game.deadline = Self::schedule_timeout(id, due)?;
		game.moves = game.moves.saturating_add(1);
		let deadline = game.deadline;
		Games::<T>::insert(id, game);
		Self::deposit_event(Event::Moved { game: id, phase, deadline });
		Ok(())
	}

	pub(crate) fn do_open(
		who: T::AccountId,
		job: JobId,
		fast: Option<FastPathOf<T>>,
	) -> DispatchResult {
		let ex = Self::executed(job)?;
		let now = Self::now();
		ensure!(now < ex.window_end, Error::<T>::NotChallengeable);
		ensure!(who != ex.executor, Error::<T>::OwnResult);
		// A model without its dispute index cannot be played: refuse the game rather than let
		// the executor lose on a clock it cannot answer.
		Self::layout(&ex)?;
		let mut games = JobGames::<T>::get(job);
		ensure!(games.iter().all(|(c, _)| c != &who), Error::<T>::AlreadyChallenging);
		let id = NextGameId::<T>::get();
		games.try_push((who.clone(), id)).map_err(|_| Error::<T>::TooManyGames)?;
		let bond = T::ChallengeBond::get();
		<T as Config>::Currency::hold(&HoldReason::ChallengeBond.into(), &who, bond)?;
		let revealed = Revealed::<T>::get(job).is_some_and(|r| r.trace_root == ex.trace_root);
		let phase = if revealed { Phase::Pick } else { Phase::Reveal };
		// At least one block, whatever the storage says: a game must be able to time out.
		let budget = MoveClock::<T>::get().max(One::one());
		let deadline = Self::schedule_timeout(id, now.saturating_add(budget))?;
		Games::<T>::insert(
			id,
			Game {
				job,
				challenger: who.clone(),
				executor: ex.executor,
				trace_root: ex.trace_root,
				bond,
				phase,
				executor_clock: budget,
				challenger_clock: budget,
				turn_since: now,
				deadline,
				opened_at: now,
				moves: 0,
			},
		);
		JobGames::<T>::insert(job, games);
		NextGameId::<T>::put(id.saturating_add(1));
		Self::deposit_event(Event::DisputeOpened { game: id, job, challenger: who.clone() });
		match fast {
			Some(f) => Self::play_fast(&who, id, f),
			None => Ok(()),
		}
	}

	/// The fast path: every move of the game from the challenger's copy of the executor's
	/// trace data, in one call. Any move that does not check fails the whole call.
	fn play_fast(who: &T::AccountId, id: GameId, f: FastPathOf<T>) -> DispatchResult {
		if let Some(roots) = f.roots.clone() {
			if Self::game(id)?.phase == Phase::Reveal {
				Self::do_reveal(who, id, roots, None)?;
			}
		}
		// The list alone may settle it (outputs not bound to the trace).
		if !Games::<T>::contains_key(id) {
			return Ok(());
		}
		Self::do_pick(who, id, f.node, f.output, PickClaim::Wrong)?;
		let game = Self::game(id)?;
		let ex = Self::executed(game.job)?;
		let chunks = Self::open_chunks(&game, &ex, f.chunks_root)?;
		let path = f.merkle_path(chunks);
		ensure!(path.verify(&f.chunks_root, f.leaf), Error::<T>::BadLeafPath);
		let step = Phase::Step {
			node: f.node,
			output: f.output,
			chunk: f.chunk,
			claim: Claim::Leaf(f.leaf),
		};
		Self::advance(id, game, step)?;
		Self::do_step(id, &f.witness).map(|_| ()).map_err(|e| e.error)
	}

	pub(crate) fn do_reveal(
		who: &T::AccountId,
		id: GameId,
		roots: BoundedVec<H256, T::MaxTraceValues>,
		failing: Option<(u32, u32)>,
	) -> DispatchResult {
		let game = Self::game(id)?;
		ensure!(game.phase == Phase::Reveal, Error::<T>::WrongPhase);
		let ex = Self::executed(game.job)?;
		// The failing chunk of a failed result is the executor's claim: nobody else names it.
		ensure!(ex.failure.is_none() || who == &ex.executor, Error::<T>::NotExecutor);
		let layout = Self::layout(&ex)?;
		let values = layout.values_before(ex.nodes).ok_or(Error::<T>::BadReveal)?;
		ensure!(roots.len() == values, Error::<T>::BadReveal);
		let mut commitments = Vec::with_capacity(ex.nodes as usize);
		let mut rest: &[H256] = &roots;
		for (k, count) in layout.node_outputs.iter().take(ex.nodes as usize).enumerate() {
			let (own, after) =
				rest.split_at_checked(*count as usize).ok_or(Error::<T>::BadReveal)?;
			commitments.push(node_commitment(k as u32, own));
			rest = after;
		}
		ensure!(trace_root(&commitments) == game.trace_root, Error::<T>::BadReveal);
		let mut impossible = false;
		match (&ex.failure, failing) {
			(Some(f), Some((output, chunk))) => {
				let node = Self::step_node(&ex, f.node)?;
				impossible = !node.can_fail_on_values();
				let header =
					node.outputs.get(output as usize).ok_or(Error::<T>::BadFailingChunk)?;
				ensure!(chunks_of(header).is_some_and(|n| chunk < n), Error::<T>::BadFailingChunk);
			},
			(None, None) => {},
			_ => return Err(Error::<T>::BadFailingChunk.into()),
		}
		let bound = ex.failure.is_some() || Self::outputs_bound(&ex, game.job, &layout, &roots)?;
		Revealed::<T>::insert(
			game.job,
			RevealedTrace { trace_root: game.trace_root, roots, failing },
		);
		Self::deposit_event(Event::TraceRevealed { job: game.job });
		if impossible {
			// Only a node that reads indices from the data can fail on it: a failure claimed
			// anywhere else is false whatever the values, and its chunk need not be stepped.
			let verdict = Verdict { winner: Party::Challenger, ending: Ending::ImpossibleFailure };
			Self::settle(id, game, verdict);
			return Ok(());
		}
		if !bound {
			Self::settle(
				id,
				game,
				Verdict { winner: Party::Challenger, ending: Ending::OutputsUnbound },
			);
			return Ok(());
		}
		// Every game on the job waiting for the list now waits for its challenger's pick.
		for (_, other) in JobGames::<T>::get(game.job) {
			if let Some(g) = Games::<T>::get(other) {
				if g.phase == Phase::Reveal {
					Self::advance(other, g, Phase::Pick)?;
				}
			}
		}
		Ok(())
	}

	/// Whether every posted output has the root the revealed list gives its source.
	fn outputs_bound(
		ex: &ExecutedOf<T>,
		job: JobId,
		layout: &TraceLayout,
		roots: &[H256],
	) -> Result<bool, DispatchError> {
		let outputs = T::Jobs::outputs(job).ok_or(Error::<T>::NotChallengeable)?;
		if outputs.len() != layout.outputs.len() {
			return Ok(false);
		}
		for (posted, source) in outputs.iter().zip(&layout.outputs) {
			let Ok(posted) = posted.to_tensor() else { return Ok(false) };
			let expected = match *source {
				Source::Node { node, output } => {
					layout.position(node, output).and_then(|p| roots.get(p).copied())
				},
				Source::Constant(v) => pallet_verity_models::ConstantRoots::<T>::get(ex.model, v),
				Source::GraphInput(i) => T::Jobs::inputs(job)
					.and_then(|ins| ins.get(i as usize)?.to_tensor().ok())
					.map(|t| tensor_root(&t)),
			};
			if expected != Some(tensor_root(&posted)) {
				return Ok(false);
			}
		}
		Ok(true)
	}

	pub(crate) fn do_pick(
		who: &T::AccountId,
		id: GameId,
		node: u32,
		output: u32,
		claim: PickClaim,
	) -> DispatchResult {
		let game = Self::game(id)?;
		ensure!(&game.challenger == who, Error::<T>::NotChallenger);
		ensure!(game.phase == Phase::Pick, Error::<T>::WrongPhase);
		let ex = Self::executed(game.job)?;
		let phase = match claim {
			PickClaim::FailureComputes => {
				let failed = ex.failure.as_ref().ok_or(Error::<T>::NotTheFailingNode)?;
				ensure!(node == failed.node, Error::<T>::NotTheFailingNode);
				let revealed = Revealed::<T>::get(game.job).ok_or(Error::<T>::WrongPhase)?;
				let (output, chunk) = revealed.failing.ok_or(Error::<T>::BadFailingChunk)?;
				Phase::Step { node, output, chunk, claim: Claim::ExecutorFails }
			},
			PickClaim::Wrong | PickClaim::Fails { .. } => {
				ensure!(node < ex.nodes, Error::<T>::NoSuchValue);
				let index = Self::step_node(&ex, node)?;
				let header = index.outputs.get(output as usize).ok_or(Error::<T>::NoSuchValue)?;
				match claim {
					PickClaim::Fails { chunk } => {
						ensure!(
							chunks_of(header).is_some_and(|n| chunk < n),
							Error::<T>::NoSuchChunk
						);
						Phase::Step { node, output, chunk, claim: Claim::ChallengerFails }
					},
					_ => Phase::OpenOutput { node, output },
				}
			},
		};
		Self::advance(id, game, phase)
	}

	/// Checks `chunks_root` against the executor's root of the disputed output (with the
	/// output's static header); returns the output's chunk count.
	fn open_chunks(
		game: &GameOf<T>,
		ex: &ExecutedOf<T>,
		chunks_root: H256,
	) -> Result<u32, DispatchError> {
		let Phase::OpenOutput { node, output } = game.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let layout = Self::layout(ex)?;
		let revealed = Revealed::<T>::get(game.job).ok_or(Error::<T>::WrongPhase)?;
		let root = Self::revealed_root(&revealed, &layout, node, output)?;
		let index = Self::step_node(ex, node)?;
		let header = index.outputs.get(output as usize).ok_or(Error::<T>::NoSuchValue)?;
		ensure!(tensor_root_from_parts(header, &chunks_root) == root, Error::<T>::BadChunksRoot);
		chunks_of(header).ok_or_else(|| Error::<T>::NoSuchValue.into())
	}

	pub(crate) fn do_open_output(id: GameId, chunks_root: H256) -> DispatchResult {
		let game = Self::game(id)?;
		let ex = Self::executed(game.job)?;
		let chunks = Self::open_chunks(&game, &ex, chunks_root)?;
		let Phase::OpenOutput { node, output } = game.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let at = TreeCursor::root(chunks);
		let phase = match at.leaf() {
			Some(chunk) => Phase::Step { node, output, chunk, claim: Claim::Leaf(chunks_root) },
			None => Phase::Bisect { node, output, at, hash: chunks_root },
		};
		Self::advance(id, game, phase)
	}

	pub(crate) fn do_bisect(id: GameId, left: H256, right: H256) -> DispatchResult {
		let game = Self::game(id)?;
		let Phase::Bisect { node, output, at, hash: parent } = game.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let mut pair = [0u8; 64];
		pair[..32].copy_from_slice(left.as_bytes());
		pair[32..].copy_from_slice(right.as_bytes());
		ensure!(hash(&pair) == parent, Error::<T>::BadChildren);
		Self::advance(id, game, Phase::Choose { node, output, at, left, right })
	}

	pub(crate) fn do_choose(
		who: &T::AccountId,
		id: GameId,
		against: H256,
		right: bool,
	) -> DispatchResult {
		let game = Self::game(id)?;
		ensure!(&game.challenger == who, Error::<T>::NotChallenger);
		let Phase::Choose { node, output, at, left, right: right_hash } = game.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let next = at.child(right).ok_or(Error::<T>::WrongPhase)?;
		let chosen = if right { right_hash } else { left };
		// A choice names the executor's hash it disputes: a stale or replayed `choose` (sent
		// for another level, or another fork's game of this id) cannot steer this walk.
		ensure!(against == chosen, Error::<T>::StaleChoice);
		let phase = match next.leaf() {
			Some(chunk) => Phase::Step { node, output, chunk, claim: Claim::Leaf(chosen) },
			None => Phase::Bisect { node, output, at: next, hash: chosen },
		};
		Self::advance(id, game, phase)
	}

	pub(crate) fn do_split(who: &T::AccountId, id: GameId) -> DispatchResult {
		let game = Self::game(id)?;
		ensure!(&game.challenger == who, Error::<T>::NotChallenger);
		let Phase::Step { node, output, chunk, claim: Claim::Leaf(leaf) } = game.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		Self::advance(id, game, Phase::OpenLeaf { node, output, chunk, leaf })
	}

	/// Checks that `bytes` are chunk `chunk` of output `output` of `node` with leaf `leaf`;
	/// returns the bytes of one element.
	fn check_leaf_bytes(
		ex: &ExecutedOf<T>,
		node: u32,
		output: u32,
		chunk: u32,
		leaf: H256,
		bytes: &[u8],
	) -> Result<u32, DispatchError> {
		let index = Self::step_node(ex, node)?;
		let header = index.outputs.get(output as usize).ok_or(Error::<T>::NoSuchValue)?;
		let len = shape_from_u64(&header.shape)
			.and_then(|s| checked_numel(&s))
			.map_err(|_| Error::<T>::NoSuchValue)?;
		let width = header.dtype.size() as u64;
		let elements = verity_primitives::commitment::chunk_range(len, chunk as usize).len() as u64;
		ensure!(
			elements.checked_mul(width) == Some(bytes.len() as u64)
				&& hash(&verity_primitives::commitment::chunk_leaf(chunk, bytes)) == leaf,
			Error::<T>::BadLeafBytes
		);
		Ok(width as u32)
	}

	pub(crate) fn do_open_leaf(id: GameId, bytes: ChunkBytes) -> DispatchResult {
		let game = Self::game(id)?;
		let Phase::OpenLeaf { node, output, chunk, leaf } = game.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let ex = Self::executed(game.job)?;
		Self::check_leaf_bytes(&ex, node, output, chunk, leaf, &bytes)?;
		OpenedLeaves::<T>::insert(id, bytes);
		Self::advance(id, game, Phase::PickElement { node, output, chunk, leaf })
	}

	pub(crate) fn do_pick_element(
		who: &T::AccountId,
		id: GameId,
		element: u32,
		bytes: &[u8],
	) -> DispatchResult {
		let game = Self::game(id)?;
		ensure!(&game.challenger == who, Error::<T>::NotChallenger);
		let Phase::PickElement { node, output, chunk, leaf } = game.phase else {
			return Err(Error::<T>::WrongPhase.into());
		};
		let ex = Self::executed(game.job)?;
		let width = Self::check_leaf_bytes(&ex, node, output, chunk, leaf, bytes)?;
		let start =
			(element as usize).checked_mul(width as usize).ok_or(Error::<T>::NoSuchElement)?;
		let own = bytes
			.get(start..start.saturating_add(width as usize))
			.filter(|b| b.len() == width as usize && width <= 8)
			.ok_or(Error::<T>::NoSuchElement)?;
		let mut value = [0u8; 8];
		value.get_mut(..own.len()).ok_or(Error::<T>::NoSuchElement)?.copy_from_slice(own);
		let index = chunk
			.checked_mul(verity_primitives::limits::CHUNK_ELEMENTS as u32)
			.and_then(|c| c.checked_add(element))
			.ok_or(Error::<T>::NoSuchElement)?;
		let phase = Phase::ElementStep { node, output, index, value, width: width as u8 };
		OpenedLeaves::<T>::remove(id);
		Self::advance(id, game, phase)
	}

	pub(crate) fn do_step(id: GameId, witness: &WitnessOf<T>) -> DispatchResultWithPostInfo {
		let game = Self::game(id)?;
		let (node, output, target) = match game.phase {
			Phase::Step { node, output, chunk, claim } => {
				(node, output, Target::Chunk(chunk, claim))
			},
			Phase::ElementStep { node, output, index, value, width } => {
				(node, output, Target::Element(index, value, width))
			},
			_ => return Err(Error::<T>::WrongPhase.into()),
		};
		let chunks = witness.iter().map(|w| w.chunks.len() as u32).fold(0, u32::saturating_add);
		ensure!(chunks <= T::MaxWitnessChunks::get(), Error::<T>::WitnessTooLarge);
		let ex = Self::executed(game.job)?;
		let index = Self::step_node(&ex, node)?;
		let layout = Self::layout(&ex)?;
		let job_inputs = T::Jobs::inputs(game.job).unwrap_or_default();
		// Read once: every input from an earlier node takes its root from it.
		let revealed = Revealed::<T>::get(game.job).ok_or(Error::<T>::WrongPhase)?;
		let mut inputs = Vec::with_capacity(index.inputs.len());
		for input in &index.inputs {
			inputs.push(match input.as_ref().map(|i| i.source) {
				None => InputData::Absent,
				Some(Source::GraphInput(i)) => InputData::Dense(
					job_inputs
						.get(i as usize)
						.and_then(|t| t.to_tensor().ok())
						.ok_or(Error::<T>::NotChallengeable)?,
				),
				Some(Source::Constant(v)) => InputData::Root(
					pallet_verity_models::ConstantRoots::<T>::get(ex.model, v)
						.ok_or(Error::<T>::NoIndex)?,
				),
				Some(Source::Node { node, output }) => {
					InputData::Root(Self::revealed_root(&revealed, &layout, node, output)?)
				},
			});
		}
		let args = witness;
		let witness: Vec<_> = args.iter().map(InputWitnessArg::to_witness).collect();
		let (winner, reads) = match target {
			Target::Chunk(chunk, claim) => {
				let (verdict, reads) = one_step_metered(&index, &inputs, &witness, output, chunk);
				(verdict.map(|v| Self::chunk_winner(claim, v)), reads)
			},
			Target::Element(element, value, width) => {
				let (verdict, reads) =
					element_step_metered(&index, &inputs, &witness, output, element);
				let winner = verdict.map(|v| match v {
					ElementVerdict::Computes(bytes)
						if value.get(..width as usize) == Some(&bytes[..]) =>
					{
						Party::Executor
					},
					_ => Party::Challenger,
				});
				(winner, reads)
			},
		};
		// Charged for the reads it made, verdict or not: a bad witness pays its evaluation.
		let used = Some(Self::step_weight_with_reads(args, reads));
		let winner = winner.map_err(|e| {
			log::debug!(target: "verity", "game {id}: witness refused: {e:?}");
			DispatchErrorWithPostInfo {
				post_info: PostDispatchInfo { actual_weight: used, pays_fee: Pays::Yes },
				error: Error::<T>::BadWitness.into(),
			}
		})?;
		Self::settle(id, game, Verdict { winner, ending: Ending::Step });
		Ok(PostDispatchInfo { actual_weight: used, pays_fee: Pays::Yes })
	}

	/// Who a chunk's verdict makes right, given what was claimed.
	fn chunk_winner(claim: Claim, verdict: StepVerdict) -> Party {
		match (claim, verdict) {
			(Claim::Leaf(leaf), StepVerdict::Computes(computed)) if leaf == computed => {
				Party::Executor
			},
			(Claim::Leaf(_), _) => Party::Challenger,
			(Claim::ExecutorFails, StepVerdict::Fails) => Party::Executor,
			(Claim::ExecutorFails, StepVerdict::Computes(_)) => Party::Challenger,
			(Claim::ChallengerFails, StepVerdict::Fails) => Party::Challenger,
			(Claim::ChallengerFails, StepVerdict::Computes(_)) => Party::Executor,
		}
	}

	/// Ends the games whose party to move ran out of its clock in block `now`.
	pub(crate) fn process_timeouts(now: BlockNumberFor<T>) -> Weight {
		let mut ended = 0u32;
		for id in Timeouts::<T>::take(now) {
			let Some(game) = Games::<T>::get(id) else { continue };
			if game.deadline != now {
				continue;
			}
			let winner = match game.phase.to_move() {
				Party::Executor => Party::Challenger,
				Party::Challenger => Party::Executor,
			};
			Self::settle(id, game, Verdict { winner, ending: Ending::Timeout });
			ended = ended.saturating_add(1);
		}
		weights::timeouts::<T::DisputeWeightInfo>(ended)
	}
}
