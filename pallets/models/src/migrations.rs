//! Storage migrations of the models pallet.
//!
//! - v2 → v3 ([`v3::IndexForDisputes`]): every model gains its dispute index (one
//!   `StepNodes` entry per node, `ConstantRoots`, `TraceLayouts`), computed from its stored
//!   canonical graph. A model whose index cannot be built (more node outputs than a revealed
//!   trace may hold, or no readable graph) is **deprecated**: its results could not be
//!   disputed. Existing deposits are not topped up for the index (new registrations pay it).
//! - v1 → v2 ([`v2::KeyUploadsByUploader`]): uploads are keyed by model id *and* uploader,
//!   their chunks kept apart from registered models' bytes. Uploads in progress are
//!   cancelled: their chunks deleted, their deposits released (`UploadCancelled`); uploaders
//!   start again.
//! - v0 → v1 ([`v1::AddModelCost`]): every [`ModelInfo`] gains its `cost`. Each model's bytes
//!   are imported again with today's importer and budget: a model accepted before budgets and
//!   the stricter checks existed, that they now refuse, is costed without limits from its
//!   stored graph and **deprecated** (no new jobs: executors' nodes would refuse to load it and
//!   be penalised for its timeouts); its owner can still remove it.

use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

use crate::{Config, Pallet, WeightInfo};

/// The v0 → v1 migration, run once when the on-chain storage version is 0.
pub type MigrateV0ToV1<T> =
	VersionedMigration<0, 1, v1::AddModelCost<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;

/// The v1 → v2 migration, run once when the on-chain storage version is 1.
pub type MigrateV1ToV2<T> = VersionedMigration<
	1,
	2,
	v2::KeyUploadsByUploader<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

/// The v2 → v3 migration, run once when the on-chain storage version is 2.
pub type MigrateV2ToV3<T> = VersionedMigration<
	2,
	3,
	v3::IndexForDisputes<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;

/// v3: the dispute index of every model.
pub mod v3 {
	use super::*;
	use crate::{Event, ModelStatus, Models};

	/// Builds the dispute index of every registered model from its stored graph.
	pub struct IndexForDisputes<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for IndexForDisputes<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut weight = Weight::zero();
			let models: alloc::vec::Vec<_> = Models::<T>::iter_keys().collect();
			for id in models {
				let nodes = Pallet::<T>::canonical_graph(&id).map(|g| (g.nodes.len() as u32, g));
				match nodes.ok_or(()).and_then(|(n, g)| {
					Pallet::<T>::split_graph(g).map(|split| (n, split)).map_err(|_| ())
				}) {
					Ok((nodes, split)) => {
						weight = weight.saturating_add(Pallet::<T>::index_weight(
							nodes,
							split.constant_count(),
							split.constant_bytes(),
						));
						Pallet::<T>::store_index(&id, split);
					},
					Err(_) => {
						Models::<T>::mutate(id, |m| {
							if let Some(m) = m {
								m.status = ModelStatus::Deprecated;
							}
						});
						Pallet::<T>::deposit_event(Event::ModelDeprecated { model: id });
					},
				}
				weight = weight.saturating_add(T::DbWeight::get().reads_writes(3, 1));
			}
			weight
		}
	}
}

/// v1: the cost of every model.
pub mod v1 {
	use super::*;
	use crate::{Graphs, IoSpec, MaxIo, ModelInfo, ModelStatus, Models};
	use codec::{Decode, Encode};
	use frame_support::BoundedVec;
	use verity_primitives::{
		cost::{Budget, ModelCost},
		graph::Graph,
	};

	/// A model as v0 stored it: [`ModelInfo`] without `cost` (the fields mean the same).
	#[allow(missing_docs)]
	#[derive(Encode, Decode)]
	pub struct ModelInfoV0<AccountId, Balance, BlockNumber, MaxNameLen: Get<u32>> {
		pub owner: AccountId,
		pub name: BoundedVec<u8, MaxNameLen>,
		pub version: u32,
		pub price: Balance,
		pub deposit: Balance,
		pub size: u32,
		pub graph_size: u32,
		pub constants: u32,
		pub nodes: u32,
		pub inputs: BoundedVec<IoSpec, MaxIo>,
		pub outputs: BoundedVec<IoSpec, MaxIo>,
		pub status: ModelStatus,
		pub open_jobs: u32,
		pub registered_at: BlockNumber,
	}

	/// A v0 model of runtime `T`.
	pub type ModelInfoV0Of<T> = ModelInfoV0<
		<T as frame_system::Config>::AccountId,
		crate::BalanceOf<T>,
		frame_system::pallet_prelude::BlockNumberFor<T>,
		<T as Config>::MaxNameLen,
	>;

	/// The cost of model `id` within today's budget, or `None` when today's importer refuses
	/// its bytes (then its stored graph's cost without limits, for the record).
	fn cost_of<T: Config>(id: &crate::ModelId, size: u32) -> (ModelCost, bool) {
		let budget = T::Budget::get();
		let current = crate::Pallet::<T>::read_model_bytes(id, size)
			.ok()
			.and_then(|bytes| Graph::from_onnx_within(&bytes, &budget).ok())
			.and_then(|g| g.cost(&budget).ok());
		match current {
			Some(cost) => (cost, true),
			None => {
				let recorded = Graphs::<T>::get(id)
					.and_then(|s| Graph::decode(&mut &s[..]).ok())
					.and_then(|g| g.cost(&Budget::UNLIMITED).ok())
					.unwrap_or_default();
				(recorded, false)
			},
		}
	}

	/// Adds `cost` to every stored model.
	pub struct AddModelCost<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddModelCost<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut models = 0u64;
			Models::<T>::translate::<ModelInfoV0Of<T>, _>(|id, m| {
				models = models.saturating_add(1);
				let (cost, accepted) = cost_of::<T>(&id, m.size);
				Some(ModelInfo {
					owner: m.owner,
					name: m.name,
					version: m.version,
					price: m.price,
					deposit: m.deposit,
					size: m.size,
					graph_size: m.graph_size,
					constants: m.constants,
					nodes: m.nodes,
					cost,
					inputs: m.inputs,
					outputs: m.outputs,
					status: if accepted { m.status } else { ModelStatus::Deprecated },
					open_jobs: m.open_jobs,
					registered_at: m.registered_at,
				})
			});

			// Per model: the entry, its bytes (up to 64 chunks) and graph read, one import (at
			// most a `finish_upload`'s work), the entry written.
			let per_model =
				T::WeightInfo::finish_upload(T::MaxModelBytes::get(), T::MaxConstants::get())
					.saturating_add(crate::weights::fold_worst::<T::WeightInfo>());
			T::DbWeight::get()
				.reads_writes(models.saturating_mul(2), models)
				.saturating_add(per_model.saturating_mul(models))
		}
	}
}

/// v2: uploads keyed by uploader.
#[allow(missing_docs, reason = "the prefix types `storage_alias` generates")]
pub mod v2 {
	use super::*;
	use crate::{BalanceOf, Event, HoldReason, ModelBytes, ModelId, Upload};
	use alloc::vec::Vec;
	use frame_support::{
		storage_alias,
		traits::{fungible::MutateHold, tokens::Precision},
		Identity,
	};
	use frame_system::pallet_prelude::BlockNumberFor;

	/// The v1 uploads map: one upload per model id, its chunks in `ModelBytes`.
	#[storage_alias]
	pub type Uploads<T: Config> = StorageMap<
		Pallet<T>,
		Identity,
		ModelId,
		Upload<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
	>;

	/// Cancels every v1 upload in progress.
	pub struct KeyUploadsByUploader<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for KeyUploadsByUploader<T> {
		fn on_runtime_upgrade() -> Weight {
			let uploads: Vec<_> = Uploads::<T>::drain().collect();
			let mut chunks = 0u64;
			for (model, upload) in &uploads {
				let n = Pallet::<T>::chunks_of(upload.size);
				// v1 never let a model and an upload share an id; should one, its bytes stay.
				if !crate::Models::<T>::contains_key(model) {
					for i in 0..n {
						ModelBytes::<T>::remove(model, i);
					}
				}
				chunks = chunks.saturating_add(n.into());
				let _ = T::Currency::release(
					&HoldReason::ModelDeposit.into(),
					&upload.owner,
					upload.deposit,
					Precision::BestEffort,
				);
				Pallet::<T>::deposit_event(Event::UploadCancelled {
					model: *model,
					owner: upload.owner.clone(),
				});
			}
			let n = uploads.len() as u64;
			T::DbWeight::get()
				.reads_writes(n.saturating_mul(3), n.saturating_mul(3).saturating_add(chunks))
		}
	}
}
