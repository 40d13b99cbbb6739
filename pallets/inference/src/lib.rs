//! # Inference pallet
//!
//! Inference jobs on chain. Executors register with a bond ([`Pallet::register_executor`],
//! held with `fungible` holds; when the set is full a larger bond displaces the smallest). A
//! dApp [`submit`](Pallet::submit)s a job: a registered model and input tensors matching its
//! input spec, with a maximum fee. The execution fee and the model's royalty are held from the
//! submitter, with a data deposit per byte of inputs and outputs ([`Config::DataDepositPerByte`],
//! until the job is pruned), and the job is assigned to an active executor, weighted by stake,
//! from on-chain randomness ([`Config::Randomness`]).
//!
//! The executor's node runs the job in its off-chain worker (through the `verity-io` host
//! functions: tract and the canonical traced run) and posts the outputs with the root of its
//! canonical trace ([`Pallet::post_results`]), or a *failed result* when a node of the model
//! fails on the job's own inputs (the executor is paid, the submitter is not refunded). The job
//! is then `Executed` for a challenge window of [`Config::ChallengeWindow`] blocks, after which
//! it is `Finalized`: the executor gets the fee, the model owner the royalty. An executor that
//! misses the [`Config::ExecutionTimeout`] loses [`Config::LatePenalty`] of its bond and the
//! job is reassigned, up to [`Config::MaxAttempts`] times, then `Refunded`. Finished jobs are
//! pruned after [`Config::Retention`] blocks, which releases the data deposit; their events
//! remain.
//!
//! ```text
//! submit ──▶ Assigned ──post_results──▶ Executed ──window──▶ Finalized ──retention──▶ pruned
//!               │    (outputs or failed)       (held while a dispute holds it)
//!               ├─ deadline missed ──▶ Assigned again (late executor penalised)
//!               │◀── result refuted by a dispute (executor slashed, suspended) ── Executed
//!               └─ MaxAttempts missed ──▶ Refunded ──retention──▶ pruned
//! ```
//!
//! Per-block work is bounded: every job waits in the [`Due`] queue of the block of its next
//! step, and a block only looks at its own queue. The storage invariants (`try_state`) are
//! listed on [`Pallet::do_try_state`] (built with `try-runtime` and in tests) and in
//! `docs/jobs.md`.
//!
//! The challenge game (the disputes pallet, `docs/disputes.md`) plugs in through
//! [`DisputeHook`] and [`JobSettlement`]: a refuted result costs its executor
//! part of its bond and its place in the set for [`Config::SuspensionPeriod`] blocks, and the
//! job goes to another executor.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
	test,
	allow(clippy::arithmetic_side_effects, reason = "test arithmetic on small literals")
)]

extern crate alloc;

pub mod executors;
mod invariants;
pub mod jobs;
pub mod migrations;
pub mod offchain;
pub mod settlement;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use settlement::{DisputeHook, ExecutedJob, JobSettlement, SlashTerms, Slashed};
pub use types::*;
pub use weights::WeightInfo;

/// The key type of executors' keys in a node's keystore.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"vrty");

/// Executors' keys: sr25519, the executor's account is its public key.
pub mod crypto {
	use super::KEY_TYPE;
	use sp_runtime::{
		app_crypto::{app_crypto, sr25519},
		traits::Verify,
		MultiSignature, MultiSigner,
	};

	app_crypto!(sr25519, KEY_TYPE);

	/// The signing scheme of executors' off-chain transactions.
	pub struct ExecutorAuthId;

	impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for ExecutorAuthId {
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}

	impl
		frame_system::offchain::AppCrypto<
			<sp_core::sr25519::Signature as Verify>::Signer,
			sp_core::sr25519::Signature,
		> for ExecutorAuthId
	{
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}
}

#[frame_support::pallet]
#[allow(
	clippy::expect_used,
	reason = "FRAME's pallet macros expand to `expect` (storage, errors, hooks); none in this module's own code"
)]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			Randomness,
		},
	};
	use frame_system::{
		offchain::{AppCrypto, CreateSignedTransaction},
		pallet_prelude::*,
	};
	use pallet_verity_models::{ModelId, ModelRegistry};
	use sp_runtime::Perbill;
	use verity_primitives::commitment::H256;

	/// The balance type of the currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A job as stored.
	pub type JobOf<T> =
		Job<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	/// Input or output tensors as stored.
	pub type TensorsOf<T> = Tensors<<T as Config>::MaxTensorBytes>;

	/// A job with its inputs and, once executed, its outputs.
	pub type JobData<T> = (JobOf<T>, TensorsOf<T>, Option<TensorsOf<T>>);

	/// A result as posted.
	pub type JobResultOf<T> = JobResult<<T as Config>::MaxTensorBytes>;

	/// An executor as stored.
	pub type ExecutorOf<T> = ExecutorInfo<BalanceOf<T>, BlockNumberFor<T>>;

	/// The storage version: 1 added job deposits and failed results ([`crate::migrations`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>> + CreateSignedTransaction<Call<Self>>
	{
		/// The currency of bonds and fees.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// The registered models.
		type Models: ModelRegistry<Self::AccountId, BalanceOf<Self>>;
		/// Randomness for assigning jobs (see the runtime's docs for what it resists).
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
		/// The dispute game, or `()`.
		type Disputes: DisputeHook;
		/// The key executors' nodes sign results with.
		type AuthorityId: AppCrypto<Self::Public, Self::Signature>;
		/// Smallest executor bond.
		#[pallet::constant]
		type MinExecutorBond: Get<BalanceOf<Self>>;
		/// Blocks between leaving the executor set and withdrawing the bond.
		#[pallet::constant]
		type UnbondingDelay: Get<BlockNumberFor<Self>>;
		/// Blocks an executor has to post a result.
		#[pallet::constant]
		type ExecutionTimeout: Get<BlockNumberFor<Self>>;
		/// Blocks a posted result can be challenged before it is final.
		#[pallet::constant]
		type ChallengeWindow: Get<BlockNumberFor<Self>>;
		/// Assignments of one job before it is refunded.
		#[pallet::constant]
		type MaxAttempts: Get<u32>;
		/// Share of its bond an executor loses when it misses a deadline.
		#[pallet::constant]
		type LatePenalty: Get<Perbill>;
		/// Blocks an executor whose result was refuted in a dispute stays out of the assignment
		/// set (it may withdraw after, or rejoin with at least the minimum bond).
		#[pallet::constant]
		type SuspensionPeriod: Get<BlockNumberFor<Self>>;
		/// Execution fee of every job.
		#[pallet::constant]
		type BaseFee: Get<BalanceOf<Self>>;
		/// Execution fee per node of the model's canonical graph.
		#[pallet::constant]
		type FeePerNode: Get<BalanceOf<Self>>;
		/// Execution fee per 2^20 units of the model's work (`verity_primitives::cost`), rounded
		/// up: a model that is slow to run costs its submitter accordingly.
		#[pallet::constant]
		type FeePerMegaWork: Get<BalanceOf<Self>>;
		/// Storage deposit per byte of a job's inputs and outputs, held from the submitter until
		/// the job is pruned.
		#[pallet::constant]
		type DataDepositPerByte: Get<BalanceOf<Self>>;
		/// Blocks a finished job stays in storage.
		#[pallet::constant]
		type Retention: Get<BlockNumberFor<Self>>;
		/// Largest input or output tensor, in bytes.
		#[pallet::constant]
		type MaxTensorBytes: Get<u32>;
		/// Most executors in the assignment set.
		#[pallet::constant]
		type MaxExecutors: Get<u32>;
		/// Most jobs waiting for one executor's result.
		#[pallet::constant]
		type MaxAssigned: Get<u32>;
		/// Most jobs whose next step falls in one block.
		#[pallet::constant]
		type MaxDuePerBlock: Get<u32>;
		/// Most results in one `post_results`.
		#[pallet::constant]
		type MaxResultsPerCall: Get<u32>;
		/// Weights of the dispatchables and of the per-block work.
		type WeightInfo: WeightInfo;
	}

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// An executor's bond.
		ExecutorBond,
		/// A job's fee and royalty, until it is final or refunded.
		JobPayment,
		/// The storage deposit of a job's inputs and outputs, until it is pruned.
		JobData,
	}

	/// The id the next job gets.
	#[pallet::storage]
	pub type NextJobId<T> = StorageValue<_, JobId, ValueQuery>;

	/// Jobs, until pruned. Invariant: every job is in exactly one [`Due`] queue, the one of
	/// block `job.due`; its id is below [`NextJobId`].
	#[pallet::storage]
	pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

	/// Jobs' input tensors.
	#[pallet::storage]
	pub type JobInputs<T: Config> = StorageMap<_, Twox64Concat, JobId, TensorsOf<T>>;

	/// Jobs' output tensors, once executed.
	#[pallet::storage]
	pub type JobOutputs<T: Config> = StorageMap<_, Twox64Concat, JobId, TensorsOf<T>>;

	/// The jobs of each submitter, for paged lists.
	#[pallet::storage]
	pub type AccountJobs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

	/// Registered executors.
	#[pallet::storage]
	pub type Executors<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ExecutorOf<T>>;

	/// The assignment set: active executors, their bonds and queue lengths. Invariant: exactly
	/// the executors whose status is `Active`, with their bond, and `queued` the length of
	/// their [`Assigned`] queue.
	#[pallet::storage]
	pub type ActiveExecutors<T: Config> = StorageValue<
		_,
		BoundedVec<ActiveExecutor<T::AccountId, BalanceOf<T>>, T::MaxExecutors>,
		ValueQuery,
	>;

	/// Jobs waiting for each executor's result. Invariant: exactly the `Assigned` jobs of the
	/// executor, each once.
	#[pallet::storage]
	pub type Assigned<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<JobId, T::MaxAssigned>,
		ValueQuery,
	>;

	/// Jobs by the block of their next step (deadline, end of window, pruning). Invariant:
	/// every entry is a job whose `due` is this block, and no job is in two entries.
	#[pallet::storage]
	pub type Due<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<JobId, T::MaxDuePerBlock>,
		ValueQuery,
	>;

	/// Executors bonded at genesis (the dev chain's Alice).
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Executors and their bonds.
		pub executors: alloc::vec::Vec<(T::AccountId, BalanceOf<T>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (who, bond) in &self.executors {
				if let Err(e) = Pallet::<T>::do_register_executor(who, *bond) {
					panic!("genesis executor cannot be registered: {e:?}");
				}
			}
		}
	}

	/// Events.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An executor joined the assignment set.
		ExecutorRegistered {
			/// The executor.
			who: T::AccountId,
			/// Its bond.
			bond: BalanceOf<T>,
		},
		/// An executor left the assignment set.
		ExecutorLeaving {
			/// The executor.
			who: T::AccountId,
			/// First block its bond can be withdrawn in (once no job is open).
			unlocks_at: BlockNumberFor<T>,
		},
		/// An executor withdrew its bond.
		ExecutorWithdrawn {
			/// The executor.
			who: T::AccountId,
			/// The bond released.
			bond: BalanceOf<T>,
		},
		/// An executor missed a deadline and lost part of its bond.
		ExecutorPenalised {
			/// The executor.
			who: T::AccountId,
			/// The job.
			job: JobId,
			/// The amount burnt.
			amount: BalanceOf<T>,
		},
		/// A dispute proved an executor's result wrong: this much of its bond was taken, the
		/// winner of the game received `reward` of it and the treasury the rest.
		ExecutorSlashed {
			/// The executor.
			who: T::AccountId,
			/// The job whose result was refuted.
			job: JobId,
			/// Taken from its bond.
			amount: BalanceOf<T>,
			/// Of which the winner received this.
			reward: BalanceOf<T>,
		},
		/// A refuted executor is out of the assignment set until `until`.
		ExecutorSuspended {
			/// The executor.
			who: T::AccountId,
			/// From this block on it may withdraw its bond or rejoin.
			until: BlockNumberFor<T>,
		},
		/// A dispute proved a job's result wrong: the result is dropped and the job goes to
		/// another executor (`JobAssigned`) or is refunded (`JobRefunded`).
		ResultRefuted {
			/// The job.
			job: JobId,
			/// The executor whose result it was.
			executor: T::AccountId,
		},
		/// A job was submitted; its fee, royalty and data deposit are held.
		JobSubmitted {
			/// The job.
			job: JobId,
			/// The model.
			model: ModelId,
			/// Who pays.
			submitter: T::AccountId,
			/// Execution fee.
			fee: BalanceOf<T>,
			/// Royalty for the model's owner.
			royalty: BalanceOf<T>,
			/// Storage deposit for its inputs and outputs, released when it is pruned.
			deposit: BalanceOf<T>,
		},
		/// A job was assigned (first or again after a timeout).
		JobAssigned {
			/// The job.
			job: JobId,
			/// Its executor.
			executor: T::AccountId,
			/// Which assignment this is (1 for the first).
			attempt: u32,
			/// The last block the result can be posted in is the one before this.
			deadline: BlockNumberFor<T>,
		},
		/// An executor posted a job's result; the challenge window is open.
		JobExecuted {
			/// The job.
			job: JobId,
			/// The executor.
			executor: T::AccountId,
			/// Root of its canonical trace.
			trace_root: H256,
			/// The block the job becomes final in, unless disputed.
			final_at: BlockNumberFor<T>,
		},
		/// An executor posted a failed result: a node of the model fails on the job's inputs.
		/// The challenge window is open; once final the executor is paid as for outputs.
		JobFailed {
			/// The job.
			job: JobId,
			/// The executor.
			executor: T::AccountId,
			/// The failing node's canonical index.
			node: u32,
			/// Root of the trace of the nodes before it.
			trace_root: H256,
			/// The block the job becomes final in, unless disputed.
			final_at: BlockNumberFor<T>,
		},
		/// One result of a `post_results` was refused; the others stand.
		ResultRefused {
			/// The job.
			job: JobId,
			/// The executor who posted it.
			executor: T::AccountId,
			/// Why.
			error: DispatchError,
		},
		/// A larger bond took the place of the smallest in the full assignment set: that
		/// executor is leaving (its open jobs stay its own).
		ExecutorDisplaced {
			/// The executor that left the set.
			who: T::AccountId,
			/// The executor that took its place.
			by: T::AccountId,
		},
		/// A job is final; executor and model owner were paid.
		JobFinalized {
			/// The job.
			job: JobId,
			/// The executor, paid `fee`.
			executor: T::AccountId,
			/// Execution fee paid.
			fee: BalanceOf<T>,
			/// Royalty paid to the model's owner.
			royalty: BalanceOf<T>,
		},
		/// A job was refunded after too many missed deadlines.
		JobRefunded {
			/// The job.
			job: JobId,
			/// The submitter, who got the fee and royalty back.
			submitter: T::AccountId,
		},
		/// A finished job was removed from storage.
		JobPruned {
			/// The job.
			job: JobId,
		},
	}

	/// Errors.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered executor.
		AlreadyExecutor,
		/// The executor is suspended after a refuted result until its suspension ends.
		Suspended,
		/// The account is not a registered executor.
		NotExecutor,
		/// The bond is below `MinExecutorBond`.
		BondTooLow,
		/// The assignment set is full (`MaxExecutors`) and the bond is not larger than the
		/// smallest in it.
		TooManyExecutors,
		/// The executor is still in the assignment set: unregister first.
		StillActive,
		/// The unbonding delay has not passed yet.
		Unbonding,
		/// The executor still has jobs that are not final.
		OpenJobs,
		/// The number of input tensors differs from the model's inputs.
		WrongInputCount,
		/// An input's element type differs from the model's.
		WrongInputDtype,
		/// An input's shape differs from the model's.
		WrongInputShape,
		/// An input's data length does not fit its shape and element type.
		WrongInputLength,
		/// An input element is not a value of its type (a bool other than 0 or 1).
		WrongInputValue,
		/// The model's inputs or outputs do not fit `MaxTensorBytes`: no job can carry them.
		ModelTooLarge,
		/// The number of output tensors differs from the model's outputs.
		WrongOutputCount,
		/// An output's element type differs from the model's.
		WrongOutputDtype,
		/// An output's shape differs from the model's.
		WrongOutputShape,
		/// An output's data length does not fit its shape and element type.
		WrongOutputLength,
		/// An output element is not a value of its type (a bool other than 0 or 1).
		WrongOutputValue,
		/// The trace's node count differs from the model's canonical graph.
		WrongNodeCount,
		/// Fee plus royalty exceed the submitter's `max_fee`.
		MaxFeeTooLow,
		/// No active executor can take the job.
		NoExecutor,
		/// No such job (never submitted, or pruned).
		UnknownJob,
		/// The job is assigned to another executor.
		NotYourJob,
		/// The job is not waiting for a result (already executed, or its deadline passed).
		NotAwaitingResult,
		/// The same job appears twice in one `post_results`.
		DuplicateResult,
		/// Too many jobs are already due in the coming blocks; try again later.
		Congested,
		/// A failed result names a node outside the model, or a trace that is not the nodes
		/// before it.
		WrongFailedNode,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_due(now)
		}

		fn offchain_worker(now: BlockNumberFor<T>) {
			offchain::run::<T>(now);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}

		fn integrity_test() {
			assert!(T::MaxAttempts::get() >= 1, "MaxAttempts must be at least 1");
			assert!(T::Retention::get() > 0u32.into(), "Retention must be positive");
			assert!(T::MaxDuePerBlock::get() >= 2, "MaxDuePerBlock must leave room for steps");
			assert!(
				T::ExecutionTimeout::get() > 0u32.into() && T::ChallengeWindow::get() > 0u32.into(),
				"ExecutionTimeout and ChallengeWindow must be positive"
			);
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as an executor with `bond` held; it joins the assignment set.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_executor())]
		pub fn register_executor(origin: OriginFor<T>, bond: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_executor(&who, bond)
		}

		/// Leaves the assignment set; the bond can be withdrawn after `UnbondingDelay` blocks
		/// once no job of the executor is open.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::unregister_executor())]
		pub fn unregister_executor(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unregister_executor(&who)
		}

		/// Releases the bond of an executor that has left and has no open job.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::withdraw_bond())]
		pub fn withdraw_bond(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_bond(&who)
		}

		/// Submits a job: `inputs` must match the model's input spec; fee plus royalty, at
		/// most `max_fee`, are held until the job is final or refunded.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::submit(inputs.iter().map(|t| t.data.len() as u32).sum()))]
		pub fn submit(
			origin: OriginFor<T>,
			model: ModelId,
			inputs: TensorsOf<T>,
			max_fee: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit(who, model, inputs, max_fee)
		}

		/// Posts results (outputs or failed results) of jobs assigned to the caller (its
		/// node's off-chain worker does this). Each result is accepted or refused on its own
		/// (`ResultRefused` says why). The call is free of transaction fees when it accepts at
		/// least one result and refuses none but for a race (a job that timed out or was
		/// already posted), at most one per accepted result: junk beside a good result pays.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::post_results(results.len() as u32))]
		pub fn post_results(
			origin: OriginFor<T>,
			results: BoundedVec<JobResultOf<T>, T::MaxResultsPerCall>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (accepted, only_races) = Self::do_post_results(&who, results);
			let pays_fee = if accepted > 0 && only_races { Pays::No } else { Pays::Yes };
			Ok(frame_support::dispatch::PostDispatchInfo { actual_weight: None, pays_fee })
		}
	}
}
