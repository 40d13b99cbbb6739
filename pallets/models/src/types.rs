//! The types the models pallet stores.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use verity_primitives::{cost::ModelCost, graph::ValueInfo, tensor::DType};

/// A model's id: the blake2-256 hash of its ONNX bytes.
pub type ModelId = verity_primitives::commitment::H256;

/// Most graph inputs or outputs of a model.
pub type MaxIo = ConstU32<16>;

/// Largest SCALE encoding of a canonical graph's structure (everything but constants' data).
pub type MaxGraphBytes = ConstU32<{ 1024 * 1024 }>;

/// A canonical graph's structure as stored: the SCALE-encoded
/// [`verity_primitives::graph::Graph`] with every constant's data left empty.
pub type GraphBytes = BoundedVec<u8, MaxGraphBytes>;

/// Largest SCALE encoding of one node's dispute index entry
/// ([`verity_primitives::dispute::StepNode`]).
pub type MaxStepNodeBytes = ConstU32<{ 16 * 1024 }>;

/// One node's dispute index entry, SCALE-encoded.
pub type StepNodeBytes = BoundedVec<u8, MaxStepNodeBytes>;

/// Largest SCALE encoding of a model's [`verity_primitives::dispute::TraceLayout`].
pub type MaxLayoutBytes = ConstU32<{ 8 * 1024 }>;

/// A model's trace layout, SCALE-encoded.
pub type LayoutBytes = BoundedVec<u8, MaxLayoutBytes>;

/// The dtype and static shape of one graph input or output.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct IoSpec {
	/// The ONNX name (truncated to 64 bytes).
	pub name: BoundedVec<u8, ConstU32<64>>,
	/// Element type.
	pub dtype: DType,
	/// Dimensions.
	pub shape: BoundedVec<u32, ConstU32<8>>,
}

impl IoSpec {
	/// The spec of a canonical graph value (names longer than 64 bytes are truncated; shapes
	/// are bounded by the canonical importer's rank limit).
	pub fn from_value(v: &ValueInfo) -> IoSpec {
		let name = v.name.as_bytes();
		IoSpec {
			name: BoundedVec::truncate_from(name.iter().take(64).copied().collect()),
			dtype: v.dtype,
			shape: BoundedVec::truncate_from(v.shape.iter().map(|d| *d as u32).collect()),
		}
	}
}

/// Whether new jobs may use a model.
#[derive(
	Clone,
	Copy,
	Debug,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum ModelStatus {
	/// Accepts jobs.
	Active,
	/// Its owner retired it: no new jobs; it can be removed once its jobs are done.
	Deprecated,
}

/// A registered model.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxNameLen))]
pub struct ModelInfo<AccountId, Balance, BlockNumber, MaxNameLen: frame_support::traits::Get<u32>> {
	/// Who registered it, holds its deposit and receives its royalty.
	pub owner: AccountId,
	/// A human-readable name.
	pub name: BoundedVec<u8, MaxNameLen>,
	/// The owner's version number.
	pub version: u32,
	/// Royalty per inference, paid to the owner.
	pub price: Balance,
	/// The storage deposit held from the owner.
	pub deposit: Balance,
	/// Size of the ONNX bytes.
	pub size: u32,
	/// Bytes of the stored canonical graph (structure and constants).
	pub graph_size: u32,
	/// Constants of the canonical graph.
	pub constants: u32,
	/// Nodes of the canonical graph.
	pub nodes: u32,
	/// What one run costs (work prices the job fee; see `verity_primitives::cost`).
	pub cost: ModelCost,
	/// Graph inputs, in order.
	pub inputs: BoundedVec<IoSpec, MaxIo>,
	/// Graph outputs, in order.
	pub outputs: BoundedVec<IoSpec, MaxIo>,
	/// Active or deprecated.
	pub status: ModelStatus,
	/// Jobs not yet finalized or refunded.
	pub open_jobs: u32,
	/// The block it was registered in.
	pub registered_at: BlockNumber,
}

/// An upload in progress: chunks arrive in `ModelBytes` under the expected model id.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Upload<AccountId, Balance, BlockNumber> {
	/// Who uploads (and will own the model).
	pub owner: AccountId,
	/// Total size announced.
	pub size: u32,
	/// Chunks received so far.
	pub received: u32,
	/// The deposit held for the announced size.
	pub deposit: Balance,
	/// From this block on anyone may reap the unfinished upload (`reap_upload`).
	pub expires: BlockNumber,
}

/// What a job needs to know of its model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelTerms<AccountId, Balance> {
	/// Receives the royalty.
	pub owner: AccountId,
	/// Royalty per inference.
	pub price: Balance,
	/// Nodes of the canonical graph.
	pub nodes: u32,
	/// Work of one run (`verity_primitives::cost`).
	pub work: u64,
	/// Graph inputs, in order.
	pub inputs: BoundedVec<IoSpec, MaxIo>,
	/// Graph outputs, in order.
	pub outputs: BoundedVec<IoSpec, MaxIo>,
}

impl<AccountId, Balance, BlockNumber, MaxNameLen: frame_support::traits::Get<u32>>
	From<ModelInfo<AccountId, Balance, BlockNumber, MaxNameLen>> for ModelTerms<AccountId, Balance>
{
	fn from(m: ModelInfo<AccountId, Balance, BlockNumber, MaxNameLen>) -> Self {
		ModelTerms {
			owner: m.owner,
			price: m.price,
			nodes: m.nodes,
			work: m.cost.work,
			inputs: m.inputs,
			outputs: m.outputs,
		}
	}
}
