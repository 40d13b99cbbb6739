//! The canonical graph in storage: the structure of a model's graph in [`Graphs`], every
//! constant's data in [`Constants`], and the dispute index: one [`StepNodes`] entry per node,
//! every constant's root in [`ConstantRoots`] and the [`TraceLayouts`] entry, so that one
//! step of a dispute reads only the node it re-executes, never the whole model or a weight
//! tensor.

use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::{ensure, traits::Get, BoundedVec};
use sp_runtime::DispatchError;
use verity_primitives::{
	commitment::{tensor_root, H256},
	dispute::TraceLayout,
	graph::{Graph, ValueId},
	limits::MAX_TRACE_VALUES,
};

use crate::{
	types::{LayoutBytes, StepNodeBytes},
	Config, ConstantRoots, Constants, Error, GraphBytes, Graphs, ModelId, Pallet, StepNodes,
	TraceLayouts,
};

/// A canonical graph split for storage.
pub(crate) struct SplitGraph<T: Config> {
	/// The graph with every constant's data emptied (its header kept).
	pub(crate) graph: Graph,
	/// `graph`, SCALE-encoded.
	structure: GraphBytes,
	/// Each constant's data, by value id.
	constants: Vec<(ValueId, BoundedVec<u8, T::MaxModelBytes>)>,
	/// Each constant's tensor root, by value id.
	constant_roots: Vec<(ValueId, H256)>,
	/// Each node's entry of the dispute index, SCALE-encoded, in canonical order.
	step_nodes: Vec<StepNodeBytes>,
	/// The shape of a trace of the graph, SCALE-encoded.
	layout: LayoutBytes,
}

impl<T: Config> SplitGraph<T> {
	/// Bytes the split graph takes in storage (what the deposit covers besides the ONNX bytes).
	pub(crate) fn stored_bytes(&self) -> u32 {
		let data = self.constants.iter().fold(0u64, |n, (_, d)| n.saturating_add(d.len() as u64));
		saturate_u32(data.saturating_add(self.structure.len() as u64))
	}

	/// Bytes of the dispute index (node entries, layout, constant roots): paid for by the
	/// deposit like the graph.
	pub(crate) fn index_bytes(&self) -> u32 {
		let nodes = self.step_nodes.iter().fold(0u64, |n, s| n.saturating_add(s.len() as u64));
		let roots = (self.constant_roots.len() as u64).saturating_mul(32);
		saturate_u32(nodes.saturating_add(self.layout.len() as u64).saturating_add(roots))
	}

	/// How many constants it has.
	pub(crate) fn constant_count(&self) -> u32 {
		self.constants.len() as u32
	}

	/// Bytes of constant data (what computing their roots hashes).
	pub(crate) fn constant_bytes(&self) -> u32 {
		self.constants.iter().map(|(_, d)| d.len() as u32).fold(0, u32::saturating_add)
	}
}

impl<T: Config> Pallet<T> {
	/// Splits a canonical graph into its structure and its constants, within the limits.
	pub(crate) fn split_graph(mut graph: Graph) -> Result<SplitGraph<T>, DispatchError> {
		ensure!(
			graph.constants.len() as u32 <= T::MaxConstants::get(),
			Error::<T>::TooManyConstants
		);
		let index = graph.step_nodes().map_err(|_| Error::<T>::InvalidModel)?;
		let layout = graph.trace_layout().map_err(|_| Error::<T>::InvalidModel)?;
		ensure!(
			layout.node_outputs.iter().map(|n| *n as usize).sum::<usize>() <= MAX_TRACE_VALUES,
			Error::<T>::TooManyTraceValues
		);
		let layout =
			LayoutBytes::try_from(layout.encode()).map_err(|_| Error::<T>::GraphTooLarge)?;
		let mut step_nodes = Vec::with_capacity(index.len());
		for node in index {
			step_nodes.push(
				StepNodeBytes::try_from(node.encode()).map_err(|_| Error::<T>::GraphTooLarge)?,
			);
		}
		let mut constant_roots = Vec::with_capacity(graph.constants.len());
		for (id, tensor) in &graph.constants {
			let t = tensor.to_tensor().map_err(|_| Error::<T>::InvalidModel)?;
			constant_roots.push((*id, tensor_root(&t)));
		}
		let mut constants = Vec::with_capacity(graph.constants.len());
		for (id, tensor) in graph.constants.iter_mut() {
			let data = core::mem::take(&mut tensor.data);
			let data = BoundedVec::try_from(data).map_err(|_| Error::<T>::GraphTooLarge)?;
			constants.push((*id, data));
		}
		let structure =
			GraphBytes::try_from(graph.encode()).map_err(|_| Error::<T>::GraphTooLarge)?;
		Ok(SplitGraph { graph, structure, constants, constant_roots, step_nodes, layout })
	}

	/// Writes a split graph under `model`.
	pub(crate) fn store_graph(model: &ModelId, split: SplitGraph<T>) {
		Graphs::<T>::insert(model, split.structure);
		for (id, data) in split.constants {
			Constants::<T>::insert(model, id, data);
		}
		Self::store_index_parts(model, split.constant_roots, split.step_nodes, split.layout);
	}

	/// Writes only the dispute index of a split graph (its structure and constants are
	/// already stored).
	pub(crate) fn store_index(model: &ModelId, split: SplitGraph<T>) {
		Self::store_index_parts(model, split.constant_roots, split.step_nodes, split.layout);
	}

	fn store_index_parts(
		model: &ModelId,
		constant_roots: Vec<(ValueId, H256)>,
		step_nodes: Vec<StepNodeBytes>,
		layout: LayoutBytes,
	) {
		for (id, root) in constant_roots {
			ConstantRoots::<T>::insert(model, id, root);
		}
		for (k, node) in step_nodes.into_iter().enumerate() {
			StepNodes::<T>::insert(model, k as u32, node);
		}
		TraceLayouts::<T>::insert(model, layout);
	}

	/// Storage writes of the dispute index of a graph of `nodes` nodes and `constants`
	/// constants of `constant_bytes` bytes, with the hashing of the constants' roots.
	/// Hand-priced on top of the benchmarked registration until the weights are regenerated:
	/// one write per entry, and 10 ns per byte hashed (blake2-256 runs at about 2 ns a byte
	/// natively; the margin covers wasm).
	pub fn index_weight(
		nodes: u32,
		constants: u32,
		constant_bytes: u32,
	) -> frame_support::weights::Weight {
		T::DbWeight::get()
			.writes(u64::from(nodes).saturating_add(u64::from(constants)).saturating_add(1))
			.saturating_add(frame_support::weights::Weight::from_parts(
				10u64.saturating_mul(u64::from(constant_bytes)),
				0,
			))
	}

	/// The dispute index entry of node `k` of `model`.
	pub fn step_node(model: &ModelId, k: u32) -> Option<verity_primitives::dispute::StepNode> {
		let bytes = StepNodes::<T>::get(model, k)?;
		Decode::decode(&mut &bytes[..]).ok()
	}

	/// The shape of a trace of `model`.
	pub fn trace_layout(model: &ModelId) -> Option<TraceLayout> {
		let bytes = TraceLayouts::<T>::get(model)?;
		Decode::decode(&mut &bytes[..]).ok()
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

	/// Deletes a model's canonical graph, its `constants` constants and the dispute index of
	/// its `nodes` nodes.
	pub(crate) fn delete_graph(model: &ModelId, constants: u32, nodes: u32) {
		Graphs::<T>::remove(model);
		let _ = Constants::<T>::clear_prefix(model, constants, None);
		let _ = ConstantRoots::<T>::clear_prefix(model, constants, None);
		let _ = StepNodes::<T>::clear_prefix(model, nodes, None);
		TraceLayouts::<T>::remove(model);
	}
}

/// `n` as a `u32`, `u32::MAX` beyond it (sizes are bounded far below; the same on every target).
fn saturate_u32(n: u64) -> u32 {
	u32::try_from(n).unwrap_or(u32::MAX)
}
