//! The off-chain worker: a node plays its accounts' games and watches other executors'
//! results, with no human in the loop.
//!
//! The accounts are those of the executor keys (`vrty`) in the node's keystore, the keys its
//! inference worker signs results with. In every block the worker:
//!
//! 1. **Plays.** For every open game where one of its accounts is to move, it asks the node
//!    for the move ([`verity_io::inference::dispute_move`], computed from the node's trace
//!    record of the job with the player of `verity_primitives::dispute::play`) and signs it.
//!    The executor side plays from the record of the result it posted, the challenger side
//!    from its audit. A move is sent once per game state and sent again only when the game
//!    has not moved `REPOST_AFTER` blocks later (the transaction was dropped).
//! 2. **Watches** (a node run with `--verity-watcher`). It audits the results in their
//!    challenge window of every other executor, or a random sample of them: a job is drawn
//!    from a secret of this node ([`audit_drawn`]), so executors cannot predict it. When the
//!    audit's trace differs, it opens a game from the first of its accounts that can afford
//!    the bond (never against its own executor; it logs when none can).
//! 3. **Reports** the games its accounts opened, won and lost to the node's metrics.
//!
//! Transactions share the inference worker's nonce claims, so results and moves of one
//! account never take the same nonce.

use crate::{pallet::*, types::*, PickClaim};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::traits::{fungible::Inspect, Get};
use frame_system::{
	offchain::{AppCrypto, CreateSignedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use pallet_verity_inference::{ExecutedJob, JobSettlement};
use pallet_verity_models::ModelRegistry;
use sp_runtime::{
	offchain::storage::{StorageRetrievalError, StorageValueRef},
	traits::{IdentifyAccount, Saturating},
	RuntimeAppPublic,
};
use verity_io::{GameReport, Record};
use verity_primitives::{
	commitment::tensor_root,
	dispute::{InputWitness, Move, PickKind, Turn, WitnessBounds},
};

/// Blocks after which a move that did not change its game is sent again.
const REPOST_AFTER: u32 = 3;

/// Most audits one worker run makes (the rest wait for the next block).
const AUDITS_PER_BLOCK: usize = 4;

/// Most tries of one audit the node could not make (the model evicted, its time limit).
const AUDIT_TRIES: u8 = 3;

/// Blocks after which an audit still marked running is taken for abandoned (a restart): well
/// inside a challenge window, so the retry still can challenge.
const AUDIT_STALE: u32 = 4;

/// Most `open` calls sent against one result whose game never appeared (a dropped or failed
/// transaction): after that the node gives up on it and says so.
const OPEN_TRIES: u8 = 3;

/// Most encoded bytes of a witness the worker posts whole (a block takes 3.75 MiB of normal
/// calls); a larger one is narrowed to one element.
const MAX_WITNESS_BYTES: u32 = 3 * 1024 * 1024;

/// Prefix of the per-game record of the last move sent.
const MOVE_PREFIX: &[u8] = b"verity/disputes/move/";

/// Prefix of the per-result audit records.
const AUDIT_PREFIX: &[u8] = b"verity/disputes/audit/";

/// The key of this node's secret for drawing audits.
const SALT_KEY: &[u8] = b"verity/disputes/audit-salt";

/// What this node knows of its audit of one result.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Audit<BlockNumber> {
	/// Not drawn for an audit.
	Skipped,
	/// Being audited since this block.
	Running(BlockNumber),
	/// The audit agrees with the result (trace root, node count and posted outputs).
	Agrees,
	/// The audit differs: `sent` opens were sent, the last in block `last` while the result's
	/// window ended in block `window`.
	Differs {
		/// `open` calls sent so far.
		sent: u8,
		/// The block of the last one.
		last: Option<BlockNumber>,
		/// The result's window end when it was sent (a game upheld reopens the window).
		window: Option<BlockNumber>,
	},
	/// A game of this node's accounts was opened on the result: it is never challenged again
	/// from here (a game the node lost reopens the window; challenging again would only pay
	/// the slash again).
	Challenged,
	/// The node could not audit it `tries` times (the last error text).
	Failed {
		/// Tries so far.
		tries: u8,
		/// The last error.
		error: Vec<u8>,
	},
}

type ExecutedOf<T> = ExecutedJob<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

type KeyOf<T> = <<T as pallet_verity_inference::Config>::AuthorityId as AppCrypto<
	<T as frame_system::offchain::SigningTypes>::Public,
	<T as frame_system::offchain::SigningTypes>::Signature,
>>::RuntimeAppPublic;

type GenericOf<T> = <<T as pallet_verity_inference::Config>::AuthorityId as AppCrypto<
	<T as frame_system::offchain::SigningTypes>::Public,
	<T as frame_system::offchain::SigningTypes>::Signature,
>>::GenericPublic;

/// A local signing key and its account.
type LocalKey<T> =
	(<T as frame_system::offchain::SigningTypes>::Public, <T as frame_system::Config>::AccountId);

/// Runs the worker for block `now`.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
	let keys: Vec<LocalKey<T>> = KeyOf::<T>::all()
		.into_iter()
		.map(|key| {
			let generic: GenericOf<T> = key.into();
			let public: T::Public = generic.into();
			let account = public.clone().into_account();
			(public, account)
		})
		.collect();
	if keys.is_empty() {
		return;
	}
	report::<T>(&keys);
	play::<T>(now, &keys);
	if let Some(policy) = verity_io::inference::watch_policy() {
		watch::<T>(now, &keys, policy.audit_ppm);
	}
}

/// Tells the node which of its accounts' games this block settled.
fn report<T: Config>(keys: &[LocalKey<T>]) {
	let ours = |who: &T::AccountId| keys.iter().any(|(_, a)| a == who);
	for record in frame_system::Pallet::<T>::read_events_no_consensus() {
		let event: <T as frame_system::Config>::RuntimeEvent = record.event;
		let (winner, loser, game) = match event.try_into() {
			Ok(Event::<T>::DisputeSettled { winner, loser, game, .. }) => {
				(winner, Some(loser), game)
			},
			// Closed with another game that refuted the same result: won as well.
			Ok(Event::<T>::DisputeClosed { challenger, game, .. }) => (challenger, None, game),
			_ => continue,
		};
		if ours(&winner) {
			log::info!(target: "verity", "dispute game {game}: won");
			verity_io::inference::report(GameReport::Won);
		}
		if loser.as_ref().is_some_and(ours) {
			log::warn!(target: "verity", "dispute game {game}: lost");
			verity_io::inference::report(GameReport::Lost);
		}
	}
}

/// Makes every move owed by one of this node's accounts.
fn play<T: Config>(now: BlockNumberFor<T>, keys: &[LocalKey<T>]) {
	for (id, game) in Games::<T>::iter() {
		let party = game.phase.to_move();
		let mover = match party {
			Party::Executor => &game.executor,
			Party::Challenger => &game.challenger,
		};
		let Some((public, account)) = keys.iter().find(|(_, a)| a == mover) else { continue };
		// One list serves every game on the job: it is revealed once per job.
		let claim = match game.phase {
			Phase::Reveal => {
				[b"reveal/".as_slice(), &game.job.encode(), game.trace_root.as_bytes()].concat()
			},
			_ => id.encode(),
		};
		if !claim_move::<T>(&claim, game.moves, now) {
			continue;
		}
		let Some(ex) = T::Jobs::executed(game.job) else { continue };
		let Some(turn) = Pallet::<T>::turn(id, &game, &ex) else { continue };
		if !ensure_model::<T>(&ex) {
			continue;
		}
		let record = match party {
			Party::Executor => Record::Executed { root: game.trace_root },
			Party::Challenger => Record::Audit { of: game.trace_root },
		};
		match verity_io::inference::dispute_move(game.job, record, turn) {
			Ok(Some(mv)) => match Pallet::<T>::call_of(id, mv) {
				Some(call) => {
					let sent = submit::<T>(public, account, call, now);
					log::info!(target: "verity", "dispute game {id}: move sent ({sent:?})");
				},
				None => log::warn!(target: "verity", "dispute game {id}: the move exceeds a call"),
			},
			Ok(None) => log::info!(target: "verity", "dispute game {id}: nothing to dispute"),
			Err(e) => log::warn!(
				target: "verity",
				"dispute game {id}: no move: {}",
				alloc::string::String::from_utf8_lossy(&e)
			),
		}
	}
}

/// Whether this worker should send a move for `claim` (a game, or a job's reveal) at `moves`
/// moves: not sent yet, or
/// sent `REPOST_AFTER` blocks ago without the game moving (a compare-and-set, so concurrent
/// workers send it once).
fn claim_move<T: Config>(claim: &[u8], moves: u32, now: BlockNumberFor<T>) -> bool {
	let key = [MOVE_PREFIX, claim].concat();
	let repost: BlockNumberFor<T> = REPOST_AFTER.into();
	StorageValueRef::persistent(&key)
		.mutate(|old: Result<Option<(u32, BlockNumberFor<T>)>, StorageRetrievalError>| match old {
			Ok(Some((m, at))) if m == moves && now < at.saturating_add(repost) => Err(()),
			_ => Ok((moves, now)),
		})
		.is_ok()
}

/// Loads the job's model into the node's cache if needed; false when it cannot.
fn ensure_model<T: Config>(ex: &ExecutedOf<T>) -> bool {
	if verity_io::inference::has_model(ex.model) {
		return true;
	}
	let Some(bytes) = <T as pallet_verity_inference::Config>::Models::bytes(&ex.model) else {
		return false;
	};
	match verity_io::inference::load_model(ex.model, &bytes) {
		Ok(()) => true,
		Err(e) => {
			log::warn!(
				target: "verity",
				"model {:?} not loaded: {}",
				ex.model,
				alloc::string::String::from_utf8_lossy(&e)
			);
			false
		},
	}
}

/// Signs and submits `call` from `account`.
fn submit<T: Config>(
	public: &T::Public,
	account: &T::AccountId,
	call: Call<T>,
	now: BlockNumberFor<T>,
) -> Result<(), ()> {
	let nonce = pallet_verity_inference::offchain::claim_nonce::<T>(account, now).ok_or(())?;
	let xt = <T as CreateSignedTransaction<Call<T>>>::create_signed_transaction::<
		<T as pallet_verity_inference::Config>::AuthorityId,
	>(call.into(), public.clone(), account.clone(), nonce)
	.ok_or(())?;
	SubmitTransaction::<T, Call<T>>::submit_transaction(xt)
}

/// This node's secret for drawing audits, made once from the node's randomness.
fn salt() -> [u8; 32] {
	let stored = StorageValueRef::persistent(SALT_KEY);
	if let Ok(Some(salt)) = stored.get::<[u8; 32]>() {
		return salt;
	}
	let salt = sp_io::offchain::random_seed();
	let _ = StorageValueRef::persistent(SALT_KEY).mutate(
		|old: Result<Option<[u8; 32]>, StorageRetrievalError>| match old {
			Ok(Some(existing)) => Err(existing),
			_ => Ok(salt),
		},
	);
	stored.get::<[u8; 32]>().ok().flatten().unwrap_or(salt)
}

/// Whether the result of `job` under `root` is drawn for an audit at `ppm` parts per million.
pub fn audit_drawn(salt: &[u8; 32], job: JobId, root: &sp_core::H256, ppm: u32) -> bool {
	let draw = sp_io::hashing::blake2_256(&(salt, job, root).encode());
	let value = u32::from_le_bytes([draw[0], draw[1], draw[2], draw[3]]) % 1_000_000;
	value < ppm
}

/// Audits the results in their window of other executors, and challenges those that differ.
fn watch<T: Config>(now: BlockNumberFor<T>, keys: &[LocalKey<T>], ppm: u32) {
	let salt = salt();
	let ours = |who: &T::AccountId| keys.iter().any(|(_, a)| a == who);
	let mut audits = 0;
	for job in pallet_verity_inference::Jobs::<T>::iter_keys() {
		let Some(ex) = T::Jobs::executed(job) else { continue };
		if now >= ex.window_end || ours(&ex.executor) {
			continue;
		}
		let key = [AUDIT_PREFIX, &job.encode(), ex.trace_root.as_bytes()].concat();
		let record = StorageValueRef::persistent(&key);
		let state = record.get::<Audit<BlockNumberFor<T>>>().ok().flatten();
		let tries = match &state {
			None => 0,
			Some(Audit::Failed { tries, .. }) if *tries < AUDIT_TRIES => *tries,
			Some(Audit::Running(since)) if now >= since.saturating_add(AUDIT_STALE.into()) => 0,
			_ => u8::MAX,
		};
		if tries != u8::MAX {
			if state.is_none() && !audit_drawn(&salt, job, &ex.trace_root, ppm) {
				record.set(&Audit::<BlockNumberFor<T>>::Skipped);
				continue;
			}
			// An audit that could not be followed by a challenge inside the window is useless.
			if audits >= AUDITS_PER_BLOCK || now.saturating_add(2u32.into()) >= ex.window_end {
				continue;
			}
			// Taken with a compare-and-set: a concurrent worker leaves it alone.
			let taken = record.mutate(
				|old: Result<Option<Audit<BlockNumberFor<T>>>, StorageRetrievalError>| match old {
					Ok(found) if found == state => Ok(Audit::Running(now)),
					_ => Err(()),
				},
			);
			if taken.is_err() {
				continue;
			}
			audits = audits.saturating_add(1);
			let audited = match audit::<T>(job, &ex) {
				Audit::Failed { error, .. } => {
					Audit::Failed { tries: tries.saturating_add(1), error }
				},
				other => other,
			};
			record.set(&audited);
		}
		let Some(Audit::Differs { sent, last, window }) =
			record.get::<Audit<BlockNumberFor<T>>>().ok().flatten()
		else {
			continue;
		};
		let games = JobGames::<T>::get(job);
		// Our game is open, or was played and upheld (the window moved since we sent it).
		let reopened = window.is_some_and(|w| w != ex.window_end);
		if reopened || games.iter().any(|(c, _)| ours(c)) {
			record.set(&Audit::<BlockNumberFor<T>>::Challenged);
			continue;
		}
		let repost: BlockNumberFor<T> = REPOST_AFTER.into();
		if last.is_some_and(|at| now < at.saturating_add(repost)) {
			continue;
		}
		if sent >= OPEN_TRIES {
			if sent == OPEN_TRIES {
				log::warn!(
					target: "verity",
					"job {job}: the result differs from this node's audit, but {OPEN_TRIES} \
					 challenges did not open a game; giving up"
				);
				record.set(&Audit::Differs { sent: sent.saturating_add(1), last, window });
			}
			continue;
		}
		if games.len() as u32 >= T::MaxGamesPerJob::get()
			|| !pallet_verity_models::TraceLayouts::<T>::contains_key(ex.model)
		{
			continue;
		}
		// The bond, and as much again for the fees of the moves (a step's witness may be
		// megabytes): a challenger that cannot pay for its moves would lose on its clock.
		let needed = T::ChallengeBond::get().saturating_mul(2u32.into());
		let Some((public, account)) = keys.iter().find(|(_, a)| {
			<T as Config>::Currency::reducible_balance(
				a,
				frame_support::traits::tokens::Preservation::Preserve,
				frame_support::traits::tokens::Fortitude::Polite,
			) >= needed
		}) else {
			log::warn!(
				target: "verity",
				"job {job}: the result differs from this node's audit, but no local account \
				 can afford the challenge bond and its moves"
			);
			continue;
		};
		let call = Call::<T>::open { job, fast: None };
		// Only a challenge that left this node counts as a try.
		let sent = if submit::<T>(public, account, call, now).is_ok() {
			log::warn!(target: "verity", "job {job}: result differs from the audit; challenged");
			if sent == 0 {
				verity_io::inference::report(GameReport::Opened);
			}
			sent.saturating_add(1)
		} else {
			sent
		};
		record.set(&Audit::Differs { sent, last: Some(now), window: Some(ex.window_end) });
	}
}

/// Re-executes the result of `job` on this node: it agrees when the trace root, the node
/// count and the posted outputs (or the failing node) are its own.
fn audit<T: Config>(job: JobId, ex: &ExecutedOf<T>) -> Audit<BlockNumberFor<T>> {
	let failed = |e: &str| Audit::Failed { tries: 0, error: e.as_bytes().to_vec() };
	if !ensure_model::<T>(ex) {
		return failed("model not loaded");
	}
	let Some(inputs) = T::Jobs::inputs(job) else { return failed("no inputs") };
	let run = match verity_io::inference::audit(job, ex.trace_root, ex.model, inputs) {
		Ok(run) => run,
		Err(error) => return Audit::Failed { tries: 0, error },
	};
	let roots = |ts: &[verity_primitives::tensor::TensorBytes]| -> Option<Vec<_>> {
		ts.iter().map(|t| t.to_tensor().ok().map(|t| tensor_root(&t))).collect()
	};
	// Outputs compare by their tensor roots (what the game binds them with), never by bytes.
	let same_outcome = match (&run.outcome, T::Jobs::outputs(job), &ex.failure) {
		(verity_io::Outcome::Outputs(mine), Some(posted), None) => {
			roots(mine).is_some() && roots(mine) == roots(&posted)
		},
		(verity_io::Outcome::Failed { node, .. }, _, Some(f)) => *node == f.node,
		_ => false,
	};
	if run.trace_root == ex.trace_root && run.nodes == ex.nodes && same_outcome {
		Audit::Agrees
	} else {
		Audit::Differs { sent: 0, last: None, window: None }
	}
}

impl<T: Config> Pallet<T> {
	/// What the party to move in game `id` is asked, from the game's storage; `None` when the
	/// game's state is incomplete (no revealed list yet where one is needed).
	pub fn turn(id: GameId, game: &GameOf<T>, ex: &ExecutedOf<T>) -> Option<Turn> {
		Some(match game.phase {
			Phase::Reveal => Turn::Reveal,
			Phase::Pick => {
				let revealed = Revealed::<T>::get(game.job)?;
				Turn::Pick {
					roots: revealed.roots.into_inner(),
					failed_node: ex.failure.as_ref().map(|f| f.node),
					failing: revealed.failing,
				}
			},
			Phase::OpenOutput { node, output } => Turn::OpenOutput { node, output },
			Phase::Bisect { node, output, at, .. } => Turn::Bisect { node, output, at },
			Phase::Choose { node, output, at, left, right } => {
				Turn::Choose { node, output, at, left, right }
			},
			Phase::Step { node, output, chunk, claim } => Turn::Step {
				node,
				output,
				chunk,
				bounds: matches!(claim, Claim::Leaf(_)).then(|| WitnessBounds {
					max_chunks: T::MaxWitnessChunks::get(),
					max_hashes: T::MaxProofHashes::get(),
					max_bytes: MAX_WITNESS_BYTES,
				}),
			},
			Phase::OpenLeaf { node, output, chunk, .. } => Turn::OpenLeaf { node, output, chunk },
			Phase::PickElement { node, output, chunk, .. } => Turn::PickElement {
				node,
				output,
				chunk,
				theirs: OpenedLeaves::<T>::get(id)?.into_inner(),
			},
			Phase::ElementStep { node, output, index, .. } => {
				Turn::ElementStep { node, output, index }
			},
		})
	}

	/// The call that makes `mv` in game `id`; `None` when it exceeds a call's bounds.
	pub fn call_of(id: GameId, mv: Move) -> Option<Call<T>> {
		let game = id;
		Some(match mv {
			Move::Reveal { roots, failing } => {
				Call::reveal { game, roots: roots.try_into().ok()?, failing }
			},
			Move::Pick { node, output, claim } => Call::pick {
				game,
				node,
				output,
				claim: match claim {
					PickKind::Wrong => PickClaim::Wrong,
					PickKind::Fails { chunk } => PickClaim::Fails { chunk },
					PickKind::FailureComputes => PickClaim::FailureComputes,
				},
			},
			Move::OpenOutput { chunks_root } => Call::open_output { game, chunks_root },
			Move::Bisect { left, right } => Call::bisect { game, left, right },
			Move::Choose { against, right } => Call::choose { game, against, right },
			Move::Split => Call::split { game },
			Move::OpenLeaf { bytes } => Call::open_leaf { game, bytes: bytes.try_into().ok()? },
			Move::PickElement { element, bytes } => {
				Call::pick_element { game, element, bytes: bytes.try_into().ok()? }
			},
			Move::Step { witness } => Call::step { game, witness: Self::witness_arg(&witness)? },
		})
	}

	/// A witness as the `step` call takes it, if it fits the bounds.
	pub fn witness_arg(witness: &[InputWitness]) -> Option<WitnessOf<T>> {
		let args: Vec<_> =
			witness.iter().map(InputWitnessArg::from_witness).collect::<Option<_>>()?;
		let total: usize = args.iter().map(|a: &InputWitnessArg<_, _>| a.chunks.len()).sum();
		(total <= T::MaxWitnessChunks::get() as usize).then_some(())?;
		args.try_into().ok()
	}
}
