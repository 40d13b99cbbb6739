//! The canonical graph in storage: the structure of a model's graph in [`Graphs`], every
//! constant's data in [`Constants`], so that one step of a dispute reads only the node it
//! re-executes and that node's constants, never the whole model.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::{ensure, traits::Get, BoundedVec};
use sp_runtime::DispatchError;
use verity_primitives::graph::{Graph, ValueId};

use crate::{Config, Constants, Error, GraphBytes, Graphs, ModelId, Pallet};

/// A canonical graph split for storage.
pub(crate) struct SplitGraph<T: Config> {
	/// The graph with every constant's data emptied (its header kept).
	pub(crate) graph: Graph,
	/// `graph`, SCALE-encoded.
	structure: GraphBytes,
	/// Each constant's data, by value id.
	constants: Vec<(ValueId, BoundedVec<u8, T::MaxModelBytes>)>,
}

impl<T: Config> SplitGraph<T> {
	/// Bytes the split graph takes in storage (what the deposit covers besides the ONNX bytes).
	pub(crate) fn stored_bytes(&self) -> u32 {
		let data: usize = self.constants.iter().map(|(_, d)| d.len()).sum();
		(self.structure.len() + data) as u32
	}

	/// How many constants it has.
	pub(crate) fn constant_count(&self) -> u32 {
		self.constants.len() as u32
	}
}

impl<T: Config> Pallet<T> {
	/// Splits a canonical graph into its structure and its constants, within the limits.
	pub(crate) fn split_graph(mut graph: Graph) -> Result<SplitGraph<T>, DispatchError> {
		ensure!(
			graph.constants.len() as u32 <= T::MaxConstants::get(),
			Error::<T>::TooManyConstants
		);
		let mut constants = Vec::with_capacity(graph.constants.len());
		for (id, tensor) in graph.constants.iter_mut() {
			let data = core::mem::take(&mut tensor.data);
			let data = BoundedVec::try_from(data).map_err(|_| Error::<T>::GraphTooLarge)?;
			constants.push((*id, data));
		}
		let structure =
			GraphBytes::try_from(graph.encode()).map_err(|_| Error::<T>::GraphTooLarge)?;
		Ok(SplitGraph { graph, structure, constants })
	}

	/// Writes a split graph under `model`.
	pub(crate) fn store_graph(model: &ModelId, split: SplitGraph<T>) {
		Graphs::<T>::insert(model, split.structure);
		for (id, data) in split.constants {
			Constants::<T>::insert(model, id, data);
		}
	}

	/// The canonical graph of a registered model, with its constants' data.
	pub fn canonical_graph(model: &ModelId) -> Option<Graph> {
		let structure = Graphs::<T>::get(model)?;
		let mut graph = Graph::decode(&mut &structure[..]).ok()?;
		for (id, tensor) in graph.constants.iter_mut() {
			tensor.data = Constants::<T>::get(model, *id)?.into_inner();
		}
		Some(graph)
	}

	/// Deletes a model's canonical graph and its `constants` constants.
	pub(crate) fn delete_graph(model: &ModelId, constants: u32) {
		Graphs::<T>::remove(model);
		let _ = Constants::<T>::clear_prefix(model, constants, None);
	}
}
