//! # Disputes pallet
//!
//! The optimistic challenge game. Within a job's challenge window any account may bond
//! [`Config::ChallengeBond`] and [`open`](Pallet::open) a game against the executor's trace
//! root. The game narrows the disagreement to one chunk of one output of one canonical node;
//! the runtime re-executes that chunk with the canonical kernel from a proven witness and
//! compares leaf hashes; the loser is slashed ([`Config::DisputeSlash`]: the winner's share
//! [`Config::WinnerShare`], the rest to [`Config::Treasury`]). `docs/disputes.md` has the
//! protocol and the argument that an honest party always wins.
//!
//! ```text
//! open ──▶ Reveal ──reveal──▶ Pick ──pick(node, output)──▶ OpenOutput ──open_output──▶ Bisect
//!  │ (executor's list,    │           │                                          │   ▲
//!  │  once per job)       │           │ pick(.., fails at chunk)    bisect ──▶ Choose │
//!  │                      │           ▼                                          └───┘ choose
//!  │                      │         Step ◀──────────────── leaf reached ──────────────┘
//!  │                      │           │ split ─▶ OpenLeaf ─open_leaf─▶ PickElement ─pick_element─▶ ElementStep
//!  │                      │           │ step(witness): the runtime computes the chunk (or the element)
//!  │ fast path: list, node, chunk, leaf path and witness in `open` ──▶ settled in one block
//!  ▼                      ▼           ▼
//!  the party to move runs out of its clock ─▶ it loses      verdict ─▶ the loser is slashed
//! ```
//!
//! Each party has a chess clock of [`MoveClock`] blocks (the runtime's [`Config::MoveBudget`]
//! unless the genesis set another) for all its moves in a game;
//! the [`Timeouts`] queue of each block finds the games whose party to move ran out. Moves
//! that are facts about the executor's commitment (the list, an output's chunks root, two
//! children, the witness) may be posted by anyone: they are checked against the commitment.
//! Several challengers play their own games against one result; when one wins, the result is
//! refuted (through [`pallet_verity_inference::JobSettlement`]: the executor slashed and
//! suspended, the job reassigned or refunded) and the other games end with their bonds
//! released and, when opened before that block, a share of the reward (at most half of it in
//! all). A job stays unfinalized while a game holds it ([`DisputeHook`]).
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
	test,
	allow(clippy::arithmetic_side_effects, reason = "test arithmetic on small literals")
)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod game;
mod invariants;
pub mod offchain;
mod settle;
pub mod types;
pub mod weights;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use pallet_verity_inference::DisputeHook;

#[frame_support::pallet]
#[allow(
	clippy::expect_used,
	reason = "FRAME's pallet macros expand to `expect` (storage, errors, hooks); none in this module's own code"
)]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use pallet_verity_inference::JobSettlement;
	use sp_runtime::Perbill;

	/// Balances of the pallet's currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// The runtime's hold reason, as this pallet names it.
	pub type HoldReasonOf<T> = <T as Config>::RuntimeHoldReason;

	/// A game as stored.
	pub type GameOf<T> =
		Game<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	/// A witness argument of this runtime.
	pub type WitnessOf<T> =
		WitnessArg<<T as Config>::MaxWitnessChunks, <T as Config>::MaxProofHashes>;

	/// A fast-path argument of this runtime.
	pub type FastPathOf<T> = FastPath<
		<T as Config>::MaxTraceValues,
		<T as Config>::MaxWitnessChunks,
		<T as Config>::MaxProofHashes,
	>;

	/// The current storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	/// The pallet.
	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>> + TryInto<Event<Self>>>
		+ pallet_verity_models::Config
		+ pallet_verity_inference::Config
		+ frame_system::offchain::CreateSignedTransaction<Call<Self>>
	{
		/// The currency of bonds.
		type Currency: MutateHold<Self::AccountId, Reason = <Self as Config>::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// The jobs: what is disputed, and what a settled game does to it.
		type Jobs: JobSettlement<Self::AccountId, BlockNumberFor<Self>, BalanceOf<Self>>;
		/// Held from a challenger while its game is open.
		#[pallet::constant]
		type ChallengeBond: Get<BalanceOf<Self>>;
		/// Taken from the loser of a game (capped at what it holds).
		#[pallet::constant]
		type DisputeSlash: Get<BalanceOf<Self>>;
		/// The winner's share of the slash (the rest goes to the treasury: never all to the
		/// winner, or a colluding pair would lose nothing).
		#[pallet::constant]
		type WinnerShare: Get<Perbill>;
		/// Receives the rest of every slash.
		type Treasury: Get<Self::AccountId>;
		/// Blocks each party has for all its moves in one game.
		#[pallet::constant]
		type MoveBudget: Get<BlockNumberFor<Self>>;
		/// Most games open on one job at once.
		#[pallet::constant]
		type MaxGamesPerJob: Get<u32>;
		/// Most games whose clock runs out in one block.
		#[pallet::constant]
		type MaxTimeoutsPerBlock: Get<u32>;
		/// Most node outputs in a revealed list (at least the models' limit,
		/// `verity_primitives::limits::MAX_TRACE_VALUES`).
		#[pallet::constant]
		type MaxTraceValues: Get<u32>;
		/// Most chunks in one step's witness, over all its inputs.
		#[pallet::constant]
		type MaxWitnessChunks: Get<u32>;
		/// Most hashes in one proof (a witness input's multi-proof, a leaf's path).
		#[pallet::constant]
		type MaxProofHashes: Get<u32>;
		/// Weights of the dispatchables and of the per-block work.
		type DisputeWeightInfo: WeightInfo;
	}

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A challenger's bond, while its game is open.
		ChallengeBond,
	}

	/// The id the next game gets.
	#[pallet::storage]
	pub type NextGameId<T> = StorageValue<_, GameId, ValueQuery>;

	/// [`Config::MoveBudget`]: the move clock of a chain whose genesis sets none.
	#[pallet::type_value]
	pub fn DefaultMoveClock<T: Config>() -> BlockNumberFor<T> {
		T::MoveBudget::get()
	}

	/// Blocks each party has for all its moves in a game opened from now on: the runtime's
	/// [`Config::MoveBudget`] unless the chain's genesis set another (a test network's short
	/// clock). Invariant: at least one block.
	#[pallet::storage]
	pub type MoveClock<T: Config> =
		StorageValue<_, BlockNumberFor<T>, ValueQuery, DefaultMoveClock<T>>;

	/// The move clock of a chain that does not take the runtime's.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Blocks per party per game; `None` keeps [`Config::MoveBudget`]. At least one.
		pub move_clock: Option<BlockNumberFor<T>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(blocks) = self.move_clock {
				assert!(!blocks.is_zero(), "a move needs at least one block");
				MoveClock::<T>::put(blocks);
			}
		}
	}

	/// Open games. Invariants: every game is in the [`Timeouts`] queue of block
	/// `game.deadline` exactly once and in its job's [`JobGames`]; its challenger holds
	/// `game.bond` under [`HoldReason::ChallengeBond`] (all its games' bonds in all).
	#[pallet::storage]
	pub type Games<T: Config> = StorageMap<_, Twox64Concat, GameId, GameOf<T>>;

	/// The open games of each job, with their challengers (one game per challenger).
	/// Invariant: exactly the games in [`Games`] of that job.
	#[pallet::storage]
	pub type JobGames<T: Config> = StorageMap<
		_,
		Twox64Concat,
		JobId,
		BoundedVec<(T::AccountId, GameId), T::MaxGamesPerJob>,
		ValueQuery,
	>;

	/// The executor's revealed list of output roots, per job with an open game (every game on
	/// the job plays against it). Deleted with the job's last game.
	#[pallet::storage]
	pub type Revealed<T: Config> =
		StorageMap<_, Twox64Concat, JobId, RevealedTrace<T::MaxTraceValues>>;

	/// The executor's bytes of the disputed chunk, opened by `open_leaf`, while the challenger
	/// picks the element it disputes (its off-chain worker reads them here). Invariant: only
	/// for an open game in [`Phase::PickElement`].
	#[pallet::storage]
	pub type OpenedLeaves<T: Config> = StorageMap<_, Twox64Concat, GameId, ChunkBytes>;

	/// The games whose party to move runs out of time in each block.
	#[pallet::storage]
	pub type Timeouts<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<GameId, T::MaxTimeoutsPerBlock>,
		ValueQuery,
	>;

	/// Events.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A game was opened against a job's result.
		DisputeOpened {
			/// The game.
			game: GameId,
			/// The job.
			job: JobId,
			/// Who opened it.
			challenger: T::AccountId,
		},
		/// The executor's list of output roots was revealed for a job.
		TraceRevealed {
			/// The job.
			job: JobId,
		},
		/// A move was made; the game now stands at `phase`.
		Moved {
			/// The game.
			game: GameId,
			/// What is owed next.
			phase: Phase,
			/// The block the party to move runs out of time in.
			deadline: BlockNumberFor<T>,
		},
		/// A game ended with a winner: `slashed` was taken from the loser, `reward` of it went
		/// to the winner, the rest to the treasury.
		DisputeSettled {
			/// The game.
			game: GameId,
			/// The job.
			job: JobId,
			/// The winner.
			winner: T::AccountId,
			/// The loser.
			loser: T::AccountId,
			/// Taken from the loser.
			slashed: BalanceOf<T>,
			/// Given to the winner (its share, when other games on the job are closed with it).
			reward: BalanceOf<T>,
			/// How it ended.
			ending: Ending,
		},
		/// A game ended because another game on the job refuted the same result: the
		/// challenger, right too, gets its bond back and an equal share of the reward.
		DisputeClosed {
			/// The game.
			game: GameId,
			/// The job.
			job: JobId,
			/// The game's challenger.
			challenger: T::AccountId,
			/// The challenger's share of the reward.
			reward: BalanceOf<T>,
		},
	}

	/// Errors.
	#[pallet::error]
	pub enum Error<T> {
		/// No such game.
		UnknownGame,
		/// The job has no result in its challenge window.
		NotChallengeable,
		/// An executor cannot challenge its own result.
		OwnResult,
		/// This account already plays a game on this job.
		AlreadyChallenging,
		/// The job has `MaxGamesPerJob` games open.
		TooManyGames,
		/// Too many games time out in the blocks this one would (try again later).
		Congested,
		/// Not this move now.
		WrongPhase,
		/// Only the executor reveals the list of a failed result (it names the failing chunk).
		NotExecutor,
		/// Only the challenger makes this move.
		NotChallenger,
		/// The list of output roots does not lead to the executor's trace root, or does not
		/// fit the model.
		BadReveal,
		/// The failing chunk named with a failed result's list is missing, out of range, or
		/// given for a result that did not fail.
		BadFailingChunk,
		/// No such node or output (or the node is past the executor's trace).
		NoSuchValue,
		/// No such chunk in that output.
		NoSuchChunk,
		/// Disputing the failure of a node that is not the failed result's failing node.
		NotTheFailingNode,
		/// The chunks root does not lead to the executor's root with the output's static type.
		BadChunksRoot,
		/// The children do not hash to the executor's node.
		BadChildren,
		/// A `choose` naming another hash than the executor's child it picks (a stale or
		/// replayed move).
		StaleChoice,
		/// The leaf's path does not lead to the executor's chunks root.
		BadLeafPath,
		/// The witness does not verify or lacks an element the chunk reads (nobody loses).
		BadWitness,
		/// The witness holds more than `MaxWitnessChunks` chunks.
		WitnessTooLarge,
		/// The bytes are not the executor's chunk (wrong length or leaf).
		BadLeafBytes,
		/// No such element in the chunk.
		NoSuchElement,
		/// The model's dispute index is missing (it cannot be disputed).
		NoIndex,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_timeouts(now)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			offchain::run::<T>(now);
		}

		fn integrity_test() {
			assert!(
				T::ChallengeBond::get() >= T::DisputeSlash::get(),
				"a challenger's bond must cover the slash it risks"
			);
			assert!(
				T::MaxTraceValues::get() as usize >= verity_primitives::limits::MAX_TRACE_VALUES,
				"a revealed list must fit every model's trace"
			);
			assert!(!T::MoveBudget::get().is_zero(), "a move needs at least one block");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Opens a game against `job`'s result, holding `ChallengeBond`. With `fast`, plays the
		/// whole game in this call (the challenger holds the executor's trace data).
		#[pallet::call_index(0)]
		#[pallet::weight(T::DisputeWeightInfo::open()
			.saturating_add(match fast {
				Some(f) => weights::reveal::<T::DisputeWeightInfo>(T::MaxTraceValues::get())
					.saturating_add(T::DisputeWeightInfo::open_output())
					.saturating_add(Pallet::<T>::step_weight(&f.witness)),
				None => Weight::zero(),
			}))]
		pub fn open(
			origin: OriginFor<T>,
			job: JobId,
			fast: Option<alloc::boxed::Box<FastPathOf<T>>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_open(who, job, fast.map(|f| *f))
		}

		/// Reveals the executor's list of output roots of `game`'s job (anyone may: it is
		/// checked against the trace root). For a failed result only the executor may, and
		/// `failing` names the output and chunk of the failing node that fail.
		#[pallet::call_index(1)]
		#[pallet::weight(weights::reveal::<T::DisputeWeightInfo>(roots.len() as u32))]
		pub fn reveal(
			origin: OriginFor<T>,
			game: GameId,
			roots: BoundedVec<verity_primitives::commitment::H256, T::MaxTraceValues>,
			failing: Option<(u32, u32)>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal(&who, game, roots, failing)
		}

		/// The challenger names the node and output it disputes: `Wrong` (bisection follows),
		/// `Fails { chunk }` (that chunk of a node the executor computed fails), or
		/// `FailureComputes` (the failed result's failing chunk computes).
		#[pallet::call_index(2)]
		#[pallet::weight(T::DisputeWeightInfo::pick())]
		pub fn pick(
			origin: OriginFor<T>,
			game: GameId,
			node: u32,
			output: u32,
			claim: PickClaim,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_pick(&who, game, node, output, claim)
		}

		/// Opens the disputed output: the executor's chunks root (anyone may post it).
		#[pallet::call_index(3)]
		#[pallet::weight(T::DisputeWeightInfo::open_output())]
		pub fn open_output(
			origin: OriginFor<T>,
			game: GameId,
			chunks_root: verity_primitives::commitment::H256,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_open_output(game, chunks_root)
		}

		/// The executor's two children of the disputed tree node (anyone may post them).
		#[pallet::call_index(4)]
		#[pallet::weight(T::DisputeWeightInfo::bisect())]
		pub fn bisect(
			origin: OriginFor<T>,
			game: GameId,
			left: verity_primitives::commitment::H256,
			right: verity_primitives::commitment::H256,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_bisect(game, left, right)
		}

		/// The challenger chooses the child it disputes (`right`), naming the executor's hash
		/// of it (`against`), so that a stale or replayed choice fails.
		#[pallet::call_index(5)]
		#[pallet::weight(T::DisputeWeightInfo::choose())]
		pub fn choose(
			origin: OriginFor<T>,
			game: GameId,
			against: verity_primitives::commitment::H256,
			right: bool,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_choose(&who, game, against, right)
		}

		/// Narrows the one-step to one element of the chunk (the challenger, when the chunk's
		/// witness is too large to post whole): the executor must open its chunk's bytes.
		#[pallet::call_index(7)]
		#[pallet::weight(T::DisputeWeightInfo::split())]
		pub fn split(origin: OriginFor<T>, game: GameId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_split(&who, game)
		}

		/// The executor's bytes of the disputed chunk (anyone may post them: they are checked
		/// against its leaf).
		#[pallet::call_index(8)]
		#[pallet::weight(T::DisputeWeightInfo::open_leaf())]
		pub fn open_leaf(origin: OriginFor<T>, game: GameId, bytes: ChunkBytes) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_open_leaf(game, bytes)
		}

		/// The challenger names the element of the chunk it disputes, with the chunk's bytes
		/// as the executor opened them.
		#[pallet::call_index(9)]
		#[pallet::weight(T::DisputeWeightInfo::pick_element())]
		pub fn pick_element(
			origin: OriginFor<T>,
			game: GameId,
			element: u32,
			bytes: ChunkBytes,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_pick_element(&who, game, element, &bytes)
		}

		/// The one-step: the witness of the disputed chunk (anyone may post it). The runtime
		/// computes the chunk and settles the game.
		#[pallet::call_index(6)]
		#[pallet::weight(Pallet::<T>::step_weight(witness))]
		pub fn step(
			origin: OriginFor<T>,
			game: GameId,
			witness: WitnessOf<T>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			Self::do_step(game, &witness)
		}
	}

	impl<T: Config> Pallet<T> {
		/// The declared weight of a step with `witness`: its chunks and hashes, and an
		/// evaluation at the read limit (refunded to the reads made).
		pub fn step_weight(witness: &WitnessOf<T>) -> Weight {
			Self::step_weight_with_reads(witness, verity_primitives::limits::MAX_STEP_READS)
		}

		/// The weight of a step with `witness` whose evaluation made `reads` reads.
		pub fn step_weight_with_reads(witness: &WitnessOf<T>, reads: u64) -> Weight {
			let chunks = witness.iter().map(|w| w.chunks.len() as u32).fold(0, u32::saturating_add);
			T::DisputeWeightInfo::step(chunks)
				.saturating_add(weights::evaluation::<T::DisputeWeightInfo>(reads))
		}

		/// The open games of `job`.
		pub fn job_disputes(job: JobId) -> alloc::vec::Vec<GameId> {
			JobGames::<T>::get(job).into_iter().map(|(_, g)| g).collect()
		}
	}

	impl<T: Config> DisputeHook for Pallet<T> {
		fn holds(job: JobId) -> bool {
			!JobGames::<T>::get(job).is_empty()
		}
	}
}

/// What the challenger claims with its pick.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	codec::Encode,
	codec::Decode,
	codec::DecodeWithMemTracking,
	scale_info::TypeInfo,
	codec::MaxEncodedLen,
)]
pub enum PickClaim {
	/// The executor's root of this output is wrong: bisect its chunks.
	Wrong,
	/// Chunk `chunk` of this output fails on the job's values, though the executor computed it.
	Fails {
		/// The failing chunk.
		chunk: u32,
	},
	/// The failed result's failing chunk (named with its list) computes.
	FailureComputes,
}
