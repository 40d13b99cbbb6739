//! # Models pallet
//!
//! ONNX models on chain. A model owner registers the model's bytes, in one extrinsic
//! ([`Pallet::register`]) or in chunks ([`Pallet::begin_upload`], [`Pallet::upload_chunk`],
//! [`Pallet::finish_upload`]) when they do not fit one. The runtime decodes and checks the
//! bytes with the canonical importer of `verity-primitives` (supported ops, opset, static
//! shapes, limits), so only models every validator agrees on are accepted. The model id is
//! the blake2-256 hash of the bytes; registering the same bytes twice is an error.
//!
//! The bytes stay in storage, chunked, for executors' nodes to load. The canonical graph is
//! stored beside them: its structure in [`Graphs`] and each constant (weights) in
//! [`Constants`], so that a dispute re-executes one node reading only what that node needs.
//! The owner holds a deposit per byte of both ([`Config::DepositPerByte`]) until the model
//! is removed. An upload not finished within [`Config::UploadLifetime`] can be reaped by
//! anyone, so nobody can reserve a model id for ever. An owner can deprecate a model (no new
//! jobs) and remove it once no job is open. Other pallets use models through the
//! [`ModelRegistry`] trait.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
	test,
	allow(clippy::arithmetic_side_effects, reason = "test arithmetic on small literals")
)]

extern crate alloc;

mod canonical;
mod invariants;
pub mod migrations;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::{dispatch::DispatchResult, pallet_prelude::*, BoundedVec};
use sp_runtime::DispatchError;
use verity_primitives::graph::Graph;

/// What other pallets (inference, disputes) need of a model.
pub trait ModelRegistry<AccountId, Balance> {
	/// The terms of an active model, or why it cannot take a job.
	fn usable(id: &ModelId) -> Result<ModelTerms<AccountId, Balance>, DispatchError>;
	/// The terms of a registered model, active or deprecated.
	fn terms(id: &ModelId) -> Option<ModelTerms<AccountId, Balance>>;
	/// The ONNX bytes of a registered model.
	fn bytes(id: &ModelId) -> Option<Vec<u8>>;
	/// Counts a job opened on the model (it cannot be removed while jobs are open).
	fn job_opened(id: &ModelId) -> DispatchResult;
	/// Counts a job closed (finalized or refunded).
	fn job_closed(id: &ModelId);
	/// The jobs counted open on a registered model (for invariant checks).
	fn open_jobs(id: &ModelId) -> Option<u32>;
	/// Registers `bytes` as a model of `owner`, with no deposit (benchmarks of other pallets).
	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmark(
		owner: &AccountId,
		bytes: Vec<u8>,
		price: Balance,
	) -> Result<ModelId, DispatchError>;
}

#[frame_support::pallet]
#[allow(
	clippy::expect_used,
	reason = "FRAME's pallet macros expand to `expect` (storage, errors, hooks); none in this module's own code"
)]
pub mod pallet {
	use super::*;
	use frame_support::traits::{
		fungible::{Inspect, Mutate, MutateHold},
		tokens::Precision,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::Saturating;

	/// The balance type of the currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

	/// A model as stored.
	pub type ModelInfoOf<T> = ModelInfo<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxNameLen,
	>;

	/// The storage layout version: 1 added `ModelInfo::cost`, 2 keyed uploads by uploader
	/// ([`crate::migrations`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency deposits are held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ Mutate<Self::AccountId>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// Deposit held per byte of model.
		#[pallet::constant]
		type DepositPerByte: Get<BalanceOf<Self>>;
		/// Deposit held per model or upload, whatever its size.
		#[pallet::constant]
		type DepositBase: Get<BalanceOf<Self>>;
		/// Largest model, in bytes (at most `verity_primitives::limits::MAX_MODEL_BYTES`).
		#[pallet::constant]
		type MaxModelBytes: Get<u32>;
		/// What running a model may cost (work, memory, one-step fan-in, folding at import):
		/// registration refuses a model over it. The node runs models within the same budget.
		#[pallet::constant]
		type Budget: Get<verity_primitives::cost::Budget>;
		/// Size of one stored chunk of model bytes, and the most one `upload_chunk` carries.
		#[pallet::constant]
		type ChunkBytes: Get<u32>;
		/// Largest model registered in one `register` extrinsic.
		#[pallet::constant]
		type MaxInlineBytes: Get<u32>;
		/// Longest model name.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;
		/// Most constants (initializers and folded subgraphs) of a model's canonical graph.
		#[pallet::constant]
		type MaxConstants: Get<u32>;
		/// Blocks an upload may stay unfinished before anyone may reap it.
		#[pallet::constant]
		type UploadLifetime: Get<BlockNumberFor<Self>>;
		/// Weights of the dispatchables.
		type WeightInfo: WeightInfo;
	}

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The storage deposit of a model or an upload.
		ModelDeposit,
	}

	/// Registered models.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, ModelInfoOf<T>>;

	/// Model bytes (of registered models and of uploads in progress), by chunk index.
	#[pallet::storage]
	pub type ModelBytes<T: Config> =
		StorageDoubleMap<_, Identity, ModelId, Twox64Concat, u32, BoundedVec<u8, T::ChunkBytes>>;

	/// The structure of each registered model's canonical graph ([`GraphBytes`]).
	#[pallet::storage]
	pub type Graphs<T: Config> = StorageMap<_, Identity, ModelId, GraphBytes>;

	/// The data of each constant of a canonical graph, by model and value id (its dtype and
	/// shape are in [`Graphs`]).
	#[pallet::storage]
	pub type Constants<T: Config> =
		StorageDoubleMap<_, Identity, ModelId, Twox64Concat, u32, BoundedVec<u8, T::MaxModelBytes>>;

	/// The dispute index of each registered model's canonical graph: node `k`'s op, where each
	/// of its inputs comes from, its static types and fan-in (a SCALE-encoded
	/// `verity_primitives::dispute::StepNode`), by model and node. Invariant: a model of `n`
	/// nodes has exactly the entries `0..n`.
	#[pallet::storage]
	pub type StepNodes<T: Config> =
		StorageDoubleMap<_, Identity, ModelId, Twox64Concat, u32, StepNodeBytes>;

	/// The tensor root of each constant of a registered model, computed at registration, by
	/// model and value id: what a dispute step proves constant chunks against. Invariant: one
	/// entry per constant, equal to the root of its data in [`Constants`].
	#[pallet::storage]
	pub type ConstantRoots<T: Config> = StorageDoubleMap<
		_,
		Identity,
		ModelId,
		Twox64Concat,
		u32,
		verity_primitives::commitment::H256,
	>;

	/// The shape of a trace of each registered model (outputs per node, where each graph output
	/// comes from; a SCALE-encoded `verity_primitives::dispute::TraceLayout`): what checks an
	/// executor's revealed list of output roots.
	#[pallet::storage]
	pub type TraceLayouts<T: Config> = StorageMap<_, Identity, ModelId, LayoutBytes>;

	/// Uploads in progress, by the id the finished model will have and the uploader. Several
	/// accounts may upload the same bytes at once; the first to finish registers the model, so
	/// an unfinished upload never keeps anyone else from registering those bytes. Invariant:
	/// `received` is the number of the upload's chunks in [`UploadChunks`].
	#[pallet::storage]
	pub type Uploads<T: Config> = StorageDoubleMap<
		_,
		Identity,
		ModelId,
		Blake2_128Concat,
		T::AccountId,
		Upload<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
	>;

	/// The chunks of uploads in progress, by model id, uploader and chunk index; moved to
	/// [`ModelBytes`] when the upload finishes.
	#[pallet::storage]
	pub type UploadChunks<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Identity, ModelId>,
			NMapKey<Blake2_128Concat, T::AccountId>,
			NMapKey<Twox64Concat, u32>,
		),
		BoundedVec<u8, T::ChunkBytes>,
	>;

	/// Events.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was registered.
		ModelRegistered {
			/// Its id.
			model: ModelId,
			/// Its owner.
			owner: T::AccountId,
			/// Its size in bytes.
			size: u32,
			/// Nodes of its canonical graph.
			nodes: u32,
		},
		/// An upload started.
		UploadStarted {
			/// The id the model will have.
			model: ModelId,
			/// The uploader.
			owner: T::AccountId,
			/// Announced size.
			size: u32,
		},
		/// An upload was cancelled and its deposit released.
		UploadCancelled {
			/// The id the model would have had.
			model: ModelId,
			/// The uploader.
			owner: T::AccountId,
		},
		/// An expired upload was reaped: its chunks deleted, its deposit released.
		UploadReaped {
			/// The id the model would have had.
			model: ModelId,
			/// Whose upload it was.
			owner: T::AccountId,
		},
		/// A model was deprecated: no new jobs.
		ModelDeprecated {
			/// Its id.
			model: ModelId,
		},
		/// A model's royalty changed.
		PriceChanged {
			/// Its id.
			model: ModelId,
			/// The new royalty per inference.
			price: BalanceOf<T>,
		},
		/// A model was removed and its deposit released.
		ModelRemoved {
			/// Its id.
			model: ModelId,
		},
	}

	/// Errors.
	#[pallet::error]
	pub enum Error<T> {
		/// These bytes are already registered as a model.
		AlreadyRegistered,
		/// The caller already has an upload of these bytes in progress.
		UploadInProgress,
		/// The model is larger than `MaxModelBytes`.
		TooLarge,
		/// A model of zero bytes.
		Empty,
		/// No such model.
		UnknownModel,
		/// No such upload.
		UnknownUpload,
		/// Only the owner may do this.
		NotOwner,
		/// The chunk index is past the announced size.
		BadChunkIndex,
		/// The chunk's length does not fit its index and the announced size.
		BadChunkLength,
		/// This chunk was already uploaded.
		ChunkAlreadyUploaded,
		/// Not every chunk has arrived.
		UploadIncomplete,
		/// The uploaded bytes do not hash to the announced model id.
		HashMismatch,
		/// The bytes are not a well-formed ONNX protobuf.
		MalformedModel,
		/// The model uses something outside what Verity supports (op, opset, dtype, ...).
		UnsupportedModel,
		/// The model's graph is invalid (cycles, dangling names, shapes that do not fit).
		InvalidModel,
		/// The model has more inputs or outputs than `MaxIo`.
		TooManyIo,
		/// The model is deprecated.
		Deprecated,
		/// The model still has open jobs.
		OpenJobs,
		/// Too many open jobs to count (overflow).
		Overflow,
		/// The canonical graph has more constants than `MaxConstants`.
		TooManyConstants,
		/// The canonical graph's structure or one of its constants exceeds the storage limits.
		GraphTooLarge,
		/// The upload has not expired yet.
		UploadNotExpired,
		/// One run of the model would exceed the work budget (`Budget::model_work`).
		TooMuchWork,
		/// One run, or one node, would exceed the memory budget (`peak_memory`, `node_memory`).
		TooMuchMemory,
		/// Re-executing one output chunk of a node in a dispute would read more elements than
		/// `Budget::chunk_fan_in`.
		FanInTooLarge,
		/// Folding the model's constant subgraphs would exceed `fold_work` or `fold_bytes`.
		TooMuchFolding,
		/// The model's nodes have more outputs in all than a dispute's revealed trace may hold
		/// (`verity_primitives::limits::MAX_TRACE_VALUES`).
		TooManyTraceValues,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_now: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a model whose ONNX `bytes` fit one extrinsic.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(bytes.len() as u32, T::MaxConstants::get())
			.saturating_add(crate::weights::fold_worst::<T::WeightInfo>())
			.saturating_add(Pallet::<T>::index_weight(
				verity_primitives::limits::MAX_NODES as u32,
				T::MaxConstants::get(),
				bytes.len() as u32,
			)))]
		pub fn register(
			origin: OriginFor<T>,
			bytes: BoundedVec<u8, T::MaxInlineBytes>,
			name: BoundedVec<u8, T::MaxNameLen>,
			version: u32,
			price: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let id = Self::model_id(&bytes);
			ensure!(!Models::<T>::contains_key(id), Error::<T>::AlreadyRegistered);
			let size = Self::check_size(bytes.len())?;
			let split = Self::import(&bytes)?;
			let constants = split.constant_count();
			let index = Self::index_weight(
				split.graph.nodes.len() as u32,
				constants,
				split.constant_bytes(),
			);
			let stored = split.stored_bytes().saturating_add(split.index_bytes());
			let deposit = Self::deposit_for(size.saturating_add(stored));
			T::Currency::hold(&HoldReason::ModelDeposit.into(), &who, deposit)?;
			Self::store_bytes(&id, &bytes)?;
			Self::insert_model(id, who, name, version, price, deposit, size, split)?;
			// The folding allowance is never refunded: it was spent or bounded what was.
			let weight = T::WeightInfo::register(size, constants).saturating_add(index);
			Ok(Some(weight.saturating_add(crate::weights::fold_worst::<T::WeightInfo>())).into())
		}

		/// Starts a chunked upload of `size` bytes hashing to `model`; holds the deposit.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::begin_upload())]
		pub fn begin_upload(origin: OriginFor<T>, model: ModelId, size: u32) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Models::<T>::contains_key(model), Error::<T>::AlreadyRegistered);
			ensure!(!Uploads::<T>::contains_key(model, &who), Error::<T>::UploadInProgress);
			let size = Self::check_size(size as usize)?;
			let deposit = Self::deposit_for(size);
			T::Currency::hold(&HoldReason::ModelDeposit.into(), &who, deposit)?;
			let expires =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UploadLifetime::get());
			Uploads::<T>::insert(
				model,
				&who,
				Upload { owner: who.clone(), size, received: 0, deposit, expires },
			);
			Self::deposit_event(Event::UploadStarted { model, owner: who, size });
			Ok(())
		}

		/// Adds chunk `index` (of `ChunkBytes` bytes; the last may be shorter) to an upload.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::upload_chunk(data.len() as u32))]
		pub fn upload_chunk(
			origin: OriginFor<T>,
			model: ModelId,
			index: u32,
			data: BoundedVec<u8, T::ChunkBytes>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut upload = Uploads::<T>::get(model, &who).ok_or(Error::<T>::UnknownUpload)?;
			let chunk = T::ChunkBytes::get();
			let chunks = upload.size.div_ceil(chunk);
			ensure!(index < chunks, Error::<T>::BadChunkIndex);
			// `index < chunks`, so `index * chunk < size` and neither step wraps.
			let last = index.saturating_add(1) == chunks;
			let expected =
				if last { upload.size.saturating_sub(index.saturating_mul(chunk)) } else { chunk };
			ensure!(data.len() as u32 == expected, Error::<T>::BadChunkLength);
			let key = (model, who.clone(), index);
			ensure!(!UploadChunks::<T>::contains_key(&key), Error::<T>::ChunkAlreadyUploaded);
			UploadChunks::<T>::insert(&key, data);
			upload.received = upload.received.saturating_add(1);
			Uploads::<T>::insert(model, &who, upload);
			Ok(())
		}

		/// Checks the uploaded bytes (hash, ONNX, canonical graph) and registers the model.
		/// A model that fails the checks, or that someone else registered first, stays
		/// uploaded; `cancel_upload` releases it.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::finish_upload(
			T::MaxModelBytes::get(),
			T::MaxConstants::get()
		)
		.saturating_add(crate::weights::fold_worst::<T::WeightInfo>())
		.saturating_add(Pallet::<T>::chunk_moves(Pallet::<T>::max_chunks()))
		.saturating_add(Pallet::<T>::index_weight(
			verity_primitives::limits::MAX_NODES as u32,
			T::MaxConstants::get(),
			T::MaxModelBytes::get(),
		)))]
		pub fn finish_upload(
			origin: OriginFor<T>,
			model: ModelId,
			name: BoundedVec<u8, T::MaxNameLen>,
			version: u32,
			price: BalanceOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let upload = Uploads::<T>::get(model, &who).ok_or(Error::<T>::UnknownUpload)?;
			ensure!(!Models::<T>::contains_key(model), Error::<T>::AlreadyRegistered);
			ensure!(upload.received == Self::chunks_of(upload.size), Error::<T>::UploadIncomplete);
			let bytes = Self::read_upload(&model, &who, upload.size)?;
			ensure!(Self::model_id(&bytes) == model, Error::<T>::HashMismatch);
			let split = Self::import(&bytes)?;
			let constants = split.constant_count();
			let index = Self::index_weight(
				split.graph.nodes.len() as u32,
				constants,
				split.constant_bytes(),
			);
			// The deposit held at `begin_upload` covered the ONNX bytes; add the graph's and its
			// dispute index's.
			let stored = split.stored_bytes().saturating_add(split.index_bytes());
			let extra = T::DepositPerByte::get().saturating_mul(stored.into());
			T::Currency::hold(&HoldReason::ModelDeposit.into(), &who, extra)?;
			let chunks = Self::delete_upload(&model, &who, upload.size);
			Self::store_bytes(&model, &bytes)?;
			let deposit = upload.deposit.saturating_add(extra);
			Self::insert_model(model, who, name, version, price, deposit, upload.size, split)?;
			let weight = T::WeightInfo::finish_upload(upload.size, constants)
				.saturating_add(Self::chunk_moves(chunks))
				.saturating_add(index);
			Ok(Some(weight.saturating_add(crate::weights::fold_worst::<T::WeightInfo>())).into())
		}

		/// Cancels an upload: deletes its chunks and releases its deposit.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::cancel_upload(T::MaxModelBytes::get().div_ceil(T::ChunkBytes::get())))]
		pub fn cancel_upload(origin: OriginFor<T>, model: ModelId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let upload = Uploads::<T>::get(model, &who).ok_or(Error::<T>::UnknownUpload)?;
			let chunks = Self::delete_upload(&model, &who, upload.size);
			Self::release(&who, upload.deposit)?;
			Self::deposit_event(Event::UploadCancelled { model, owner: who });
			Ok(Some(T::WeightInfo::cancel_upload(chunks)).into())
		}

		/// Reaps `uploader`'s upload of `model` left unfinished past its expiry (anyone may):
		/// deletes its chunks and releases its deposit to the uploader.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::reap_upload(T::MaxModelBytes::get().div_ceil(T::ChunkBytes::get())))]
		pub fn reap_upload(
			origin: OriginFor<T>,
			model: ModelId,
			uploader: T::AccountId,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let upload = Uploads::<T>::get(model, &uploader).ok_or(Error::<T>::UnknownUpload)?;
			ensure!(
				frame_system::Pallet::<T>::block_number() >= upload.expires,
				Error::<T>::UploadNotExpired
			);
			let chunks = Self::delete_upload(&model, &uploader, upload.size);
			Self::release(&uploader, upload.deposit)?;
			Self::deposit_event(Event::UploadReaped { model, owner: uploader });
			Ok(Some(T::WeightInfo::reap_upload(chunks)).into())
		}

		/// Deprecates a model: it takes no new jobs.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::deprecate())]
		pub fn deprecate(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Models::<T>::try_mutate(model, |m| {
				let m = m.as_mut().ok_or(Error::<T>::UnknownModel)?;
				ensure!(m.owner == who, Error::<T>::NotOwner);
				m.status = ModelStatus::Deprecated;
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::ModelDeprecated { model });
			Ok(())
		}

		/// Sets a model's royalty per inference (for jobs submitted from now on).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::deprecate())]
		pub fn set_price(
			origin: OriginFor<T>,
			model: ModelId,
			price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Models::<T>::try_mutate(model, |m| {
				let m = m.as_mut().ok_or(Error::<T>::UnknownModel)?;
				ensure!(m.owner == who, Error::<T>::NotOwner);
				m.price = price;
				Ok::<_, DispatchError>(())
			})?;
			Self::deposit_event(Event::PriceChanged { model, price });
			Ok(())
		}

		/// Removes a model with no open job: deletes its bytes and canonical graph and releases
		/// its deposit.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::remove(
			T::MaxModelBytes::get().div_ceil(T::ChunkBytes::get()),
			T::MaxConstants::get(),
		)
		.saturating_add(T::DbWeight::get().writes(
			(verity_primitives::limits::MAX_NODES as u64)
				.saturating_add(u64::from(T::MaxConstants::get()))
				.saturating_add(1),
		)))]
		pub fn remove(origin: OriginFor<T>, model: ModelId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let m = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
			ensure!(m.owner == who, Error::<T>::NotOwner);
			ensure!(m.open_jobs == 0, Error::<T>::OpenJobs);
			let chunks = Self::delete_bytes(&model, m.size);
			Self::delete_graph(&model, m.constants, m.nodes);
			Self::release(&who, m.deposit)?;
			Models::<T>::remove(model);
			Self::deposit_event(Event::ModelRemoved { model });
			let index = T::DbWeight::get().writes(
				u64::from(m.nodes).saturating_add(u64::from(m.constants)).saturating_add(1),
			);
			Ok(Some(T::WeightInfo::remove(chunks, m.constants).saturating_add(index)).into())
		}
	}

	fn over_budget(e: verity_primitives::cost::CostError) -> verity_primitives::graph::GraphError {
		verity_primitives::graph::GraphError::OverBudget {
			node: Default::default(),
			limit: e.limit,
			cost: e.cost,
			max: e.max,
		}
	}

	/// The pallet error of an import error (`verity_import_model` gives the full message).
	pub fn import_error<T: Config>(e: verity_primitives::graph::GraphError) -> Error<T> {
		use verity_primitives::{cost::Limit, graph::GraphError};
		match e {
			GraphError::Decode(_) => Error::<T>::MalformedModel,
			GraphError::TooLarge { .. } => Error::<T>::TooLarge,
			GraphError::Unsupported(_) => Error::<T>::UnsupportedModel,
			GraphError::Invalid(_) => Error::<T>::InvalidModel,
			GraphError::OverBudget { limit, .. } => match limit {
				Limit::ModelWork | Limit::Overflow => Error::<T>::TooMuchWork,
				Limit::PeakMemory | Limit::NodeMemory => Error::<T>::TooMuchMemory,
				Limit::ChunkFanIn => Error::<T>::FanInTooLarge,
				Limit::FoldWork | Limit::FoldBytes => Error::<T>::TooMuchFolding,
			},
		}
	}

	impl<T: Config> Pallet<T> {
		/// The id of a model's bytes.
		pub fn model_id(bytes: &[u8]) -> ModelId {
			verity_primitives::commitment::hash(bytes)
		}

		/// The deposit for a model of `size` bytes.
		pub fn deposit_for(size: u32) -> BalanceOf<T> {
			T::DepositBase::get()
				.saturating_add(T::DepositPerByte::get().saturating_mul(size.into()))
		}

		/// The bytes of a registered model (for nodes and RPC), if complete.
		pub fn model_bytes(model: &ModelId) -> Option<Vec<u8>> {
			let m = Models::<T>::get(model)?;
			Self::read_bytes(model, m.size).ok()
		}

		fn check_size(len: usize) -> Result<u32, DispatchError> {
			ensure!(len > 0, Error::<T>::Empty);
			let max =
				T::MaxModelBytes::get().min(verity_primitives::limits::MAX_MODEL_BYTES as u32);
			ensure!(len <= max as usize, Error::<T>::TooLarge);
			Ok(len as u32)
		}

		/// Decodes and checks ONNX bytes into the canonical graph and its storage form.
		fn import(bytes: &[u8]) -> Result<canonical::SplitGraph<T>, DispatchError> {
			let graph =
				Graph::from_onnx_within(bytes, &T::Budget::get()).map_err(import_error::<T>)?;
			Self::split_graph(graph)
		}

		fn store_bytes(model: &ModelId, bytes: &[u8]) -> DispatchResult {
			for (i, chunk) in bytes.chunks(T::ChunkBytes::get().max(1) as usize).enumerate() {
				let chunk: BoundedVec<u8, T::ChunkBytes> =
					chunk.to_vec().try_into().map_err(|_| Error::<T>::BadChunkLength)?;
				ModelBytes::<T>::insert(model, i as u32, chunk);
			}
			Ok(())
		}

		/// The ONNX bytes of a model of `size` bytes, from its chunks.
		pub(crate) fn read_model_bytes(
			model: &ModelId,
			size: u32,
		) -> Result<Vec<u8>, DispatchError> {
			Self::read_bytes(model, size)
		}

		fn read_bytes(model: &ModelId, size: u32) -> Result<Vec<u8>, DispatchError> {
			Self::read_chunks(size, |i| ModelBytes::<T>::get(model, i))
		}

		fn read_upload(
			model: &ModelId,
			who: &T::AccountId,
			size: u32,
		) -> Result<Vec<u8>, DispatchError> {
			Self::read_chunks(size, |i| UploadChunks::<T>::get((model, who, i)))
		}

		fn read_chunks(
			size: u32,
			chunk: impl Fn(u32) -> Option<BoundedVec<u8, T::ChunkBytes>>,
		) -> Result<Vec<u8>, DispatchError> {
			let chunks = Self::chunks_of(size);
			let mut bytes = Vec::with_capacity(size as usize);
			for i in 0..chunks {
				bytes.extend_from_slice(&chunk(i).ok_or(Error::<T>::UploadIncomplete)?);
			}
			Ok(bytes)
		}

		/// Deletes an upload and its chunks; returns how many chunks it may have had.
		fn delete_upload(model: &ModelId, who: &T::AccountId, size: u32) -> u32 {
			let chunks = Self::chunks_of(size);
			for i in 0..chunks {
				UploadChunks::<T>::remove((model, who, i));
			}
			Uploads::<T>::remove(model, who);
			chunks
		}

		/// The chunks `size` bytes are stored in.
		pub fn chunks_of(size: u32) -> u32 {
			size.div_ceil(T::ChunkBytes::get().max(1))
		}

		/// The most chunks of a model.
		pub fn max_chunks() -> u32 {
			Self::chunks_of(T::MaxModelBytes::get())
		}

		/// Moving `chunks` chunks of a finished upload into place: a delete and a write each,
		/// on top of `finish_upload`'s benchmark (which reads them).
		pub fn chunk_moves(chunks: u32) -> Weight {
			T::DbWeight::get().writes(2u64.saturating_mul(chunks.into()))
		}

		/// Deletes a model's chunks; returns how many there were.
		fn delete_bytes(model: &ModelId, size: u32) -> u32 {
			let chunks = Self::chunks_of(size);
			for i in 0..chunks {
				ModelBytes::<T>::remove(model, i);
			}
			chunks
		}

		fn release(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			T::Currency::release(
				&HoldReason::ModelDeposit.into(),
				who,
				amount,
				Precision::BestEffort,
			)
			.map(|_| ())
		}

		#[allow(clippy::too_many_arguments)]
		fn insert_model(
			model: ModelId,
			owner: T::AccountId,
			name: BoundedVec<u8, T::MaxNameLen>,
			version: u32,
			price: BalanceOf<T>,
			deposit: BalanceOf<T>,
			size: u32,
			split: canonical::SplitGraph<T>,
		) -> DispatchResult {
			let spec = |vs: Vec<&verity_primitives::graph::ValueInfo>| {
				let specs: Vec<IoSpec> = vs.into_iter().map(IoSpec::from_value).collect();
				BoundedVec::<IoSpec, MaxIo>::try_from(specs).map_err(|_| Error::<T>::TooManyIo)
			};
			let info = ModelInfo {
				owner: owner.clone(),
				name,
				version,
				price,
				deposit,
				size,
				graph_size: split.stored_bytes(),
				constants: split.constant_count(),
				nodes: split.graph.nodes.len() as u32,
				cost: split
					.graph
					.cost(&T::Budget::get())
					.map_err(|e| import_error::<T>(over_budget(e)))?,
				inputs: spec(split.graph.input_types())?,
				outputs: spec(split.graph.output_types())?,
				status: ModelStatus::Active,
				open_jobs: 0,
				registered_at: frame_system::Pallet::<T>::block_number(),
			};
			let nodes = info.nodes;
			Models::<T>::insert(model, info);
			Self::store_graph(&model, split);
			Self::deposit_event(Event::ModelRegistered { model, owner, size, nodes });
			Ok(())
		}
	}

	impl<T: Config> ModelRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
		fn usable(id: &ModelId) -> Result<ModelTerms<T::AccountId, BalanceOf<T>>, DispatchError> {
			let m = Models::<T>::get(id).ok_or(Error::<T>::UnknownModel)?;
			ensure!(m.status == ModelStatus::Active, Error::<T>::Deprecated);
			Ok(m.into())
		}

		fn terms(id: &ModelId) -> Option<ModelTerms<T::AccountId, BalanceOf<T>>> {
			Models::<T>::get(id).map(Into::into)
		}

		fn bytes(id: &ModelId) -> Option<Vec<u8>> {
			Self::model_bytes(id)
		}

		fn job_opened(id: &ModelId) -> DispatchResult {
			Models::<T>::try_mutate(id, |m| {
				let m = m.as_mut().ok_or(Error::<T>::UnknownModel)?;
				m.open_jobs = m.open_jobs.checked_add(1).ok_or(Error::<T>::Overflow)?;
				Ok(())
			})
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn register_for_benchmark(
			owner: &T::AccountId,
			bytes: Vec<u8>,
			price: BalanceOf<T>,
		) -> Result<ModelId, DispatchError> {
			let id = Self::model_id(&bytes);
			let size = Self::check_size(bytes.len())?;
			let split = Self::import(&bytes)?;
			Self::store_bytes(&id, &bytes)?;
			let name = BoundedVec::truncate_from(b"benchmark".to_vec());
			let deposit = sp_runtime::traits::Zero::zero();
			Self::insert_model(id, owner.clone(), name, 1, price, deposit, size, split)?;
			Ok(id)
		}

		fn open_jobs(id: &ModelId) -> Option<u32> {
			Models::<T>::get(id).map(|m| m.open_jobs)
		}

		fn job_closed(id: &ModelId) {
			Models::<T>::mutate(id, |m| {
				if let Some(m) = m {
					m.open_jobs = m.open_jobs.saturating_sub(1);
				}
			});
		}
	}
}
