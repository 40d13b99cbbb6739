//! The types the inference pallet stores and takes.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::ConstU32, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use pallet_verity_models::{IoSpec, MaxIo};
use scale_info::TypeInfo;
use verity_primitives::{
	commitment::H256,
	tensor::{DType, TensorBytes, TensorHeader},
};

/// A job's id: a counter, never reused.
pub type JobId = u64;

/// Most dimensions of a tensor (the canonical importer's rank limit).
pub type MaxRank = ConstU32<{ verity_primitives::limits::MAX_RANK as u32 }>;

/// A tensor as extrinsics carry it and the chain stores it: dtype, shape and the canonical
/// row-major little-endian bytes, at most `MaxBytes` of them.
#[derive(
	CloneNoBound,
	DebugNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxBytes))]
#[codec(mel_bound())]
pub struct JobTensor<MaxBytes: frame_support::traits::Get<u32>> {
	/// Element type.
	pub dtype: DType,
	/// Dimensions, outermost first.
	pub shape: BoundedVec<u32, MaxRank>,
	/// The elements, little-endian.
	pub data: BoundedVec<u8, MaxBytes>,
}

/// Why a tensor does not fit a model's input or output spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecMismatch {
	/// More or fewer tensors than the model has inputs (outputs).
	Count,
	/// An element type other than the spec's.
	DType,
	/// A shape other than the spec's.
	Shape,
	/// The data length does not fit the shape and element type.
	Length,
	/// An element is not a value of the type (a bool other than 0 or 1, a 4- or 2-bit integer
	/// out of its range, a float4e2m1 code above 0x0f: `DType::accepts_byte`).
	Value,
}

impl<MaxBytes: frame_support::traits::Get<u32>> JobTensor<MaxBytes> {
	/// Checks the tensor against one input or output spec.
	pub fn check(&self, spec: &IoSpec) -> Result<(), SpecMismatch> {
		if self.dtype != spec.dtype {
			return Err(SpecMismatch::DType);
		}
		if self.shape != spec.shape {
			return Err(SpecMismatch::Shape);
		}
		// Same dtype and shape as the spec: the spec's size is the tensor's.
		if Self::spec_bytes(spec) != Some(self.data.len() as u64) {
			return Err(SpecMismatch::Length);
		}
		// Every byte of a one-byte type is checked (the others accept every pattern): an
		// executor could not decode such an input, and would be penalised for not answering.
		if self.dtype.size() == 1 && self.data.iter().any(|b| !self.dtype.accepts_byte(*b)) {
			return Err(SpecMismatch::Value);
		}
		Ok(())
	}

	/// Checks a list of tensors against a model's specs, in order.
	pub fn check_all(tensors: &[Self], specs: &[IoSpec]) -> Result<(), SpecMismatch> {
		if tensors.len() != specs.len() {
			return Err(SpecMismatch::Count);
		}
		tensors.iter().zip(specs).try_for_each(|(t, s)| t.check(s))
	}

	/// Bytes a tensor of `spec` takes (`None` on overflow).
	pub fn spec_bytes(spec: &IoSpec) -> Option<u64> {
		let elements = spec.shape.iter().try_fold(1u64, |n, d| n.checked_mul(*d as u64))?;
		elements.checked_mul(spec.dtype.size() as u64)
	}

	/// The wire form the engines take.
	pub fn to_tensor_bytes(&self) -> TensorBytes {
		TensorBytes {
			header: TensorHeader {
				dtype: self.dtype,
				shape: self.shape.iter().map(|d| *d as u64).collect(),
			},
			data: self.data.to_vec(),
		}
	}

	/// From the wire form; `None` when it exceeds the bounds.
	pub fn from_tensor_bytes(t: &TensorBytes) -> Option<Self> {
		let shape: Vec<u32> =
			t.header.shape.iter().map(|d| u32::try_from(*d).ok()).collect::<Option<_>>()?;
		Some(JobTensor {
			dtype: t.header.dtype,
			shape: shape.try_into().ok()?,
			data: t.data.clone().try_into().ok()?,
		})
	}
}

/// The tensors of a job's inputs or outputs.
pub type Tensors<MaxBytes> = BoundedVec<JobTensor<MaxBytes>, MaxIo>;

/// Where a job is in its life.
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
pub enum JobStatus {
	/// Waiting for its executor's result until `due`.
	Assigned,
	/// Result posted; final at `due` unless disputed.
	Executed,
	/// Final: executor and model owner paid. Pruned at `due`.
	Finalized,
	/// Given up after too many attempts; the submitter got everything back. Pruned at `due`.
	Refunded,
}

/// Longest reason text of a failed result.
pub type MaxReasonBytes = ConstU32<256>;

/// A node that failed on a job's values (an index out of range taken from the inputs, for
/// example): the job's result when its canonical run cannot complete. The submitter's fault:
/// the executor is paid as for outputs. A wrong claim is a wrong result, for the dispute game.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct NodeFailure {
	/// The failing node's canonical index.
	pub node: u32,
	/// What failed, as the engine reports it (UTF-8, cut to `MaxReasonBytes`).
	pub reason: BoundedVec<u8, MaxReasonBytes>,
}

/// What a job's canonical run produced.
#[derive(
	CloneNoBound,
	DebugNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxBytes))]
pub enum Outcome<MaxBytes: frame_support::traits::Get<u32>> {
	/// The model's outputs, in order.
	Outputs(Tensors<MaxBytes>),
	/// A node failed on the job's values; the trace covers the nodes before it.
	Failed(NodeFailure),
}

/// A result as an executor posts it.
#[derive(
	CloneNoBound,
	DebugNoBound,
	PartialEqNoBound,
	EqNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxBytes))]
pub struct JobResult<MaxBytes: frame_support::traits::Get<u32>> {
	/// The job.
	pub job: JobId,
	/// The outputs, or the node that failed.
	pub outcome: Outcome<MaxBytes>,
	/// Root of the canonical trace (per-node commitments) the executor stands by.
	pub trace_root: H256,
	/// Nodes in the trace: the model's canonical node count, or for a failed result the
	/// failing node's index (the nodes before it).
	pub nodes: u32,
}

/// What the chain keeps of a posted result besides the outputs.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Execution<BlockNumber> {
	/// Root of the executor's canonical trace.
	pub trace_root: H256,
	/// Nodes in the trace.
	pub nodes: u32,
	/// The block the result was accepted in.
	pub at: BlockNumber,
	/// For a failed result, the node that failed (the outputs are then absent).
	pub failure: Option<NodeFailure>,
}

/// An inference job.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Job<AccountId, Balance, BlockNumber> {
	/// Who submitted and pays.
	pub submitter: AccountId,
	/// The model.
	pub model: pallet_verity_models::ModelId,
	/// The model's owner when the job was submitted: receives the royalty.
	pub model_owner: AccountId,
	/// The executor it is (or was last) assigned to.
	pub executor: AccountId,
	/// Where it is.
	pub status: JobStatus,
	/// Execution fee, held from the submitter, paid to the executor.
	pub fee: Balance,
	/// Royalty, held from the submitter, paid to the model owner.
	pub royalty: Balance,
	/// Storage deposit for the job's inputs and outputs, held from the submitter until the
	/// job is pruned.
	pub deposit: Balance,
	/// Assignments so far (1 for the first).
	pub attempts: u32,
	/// The block it was submitted in.
	pub submitted_at: BlockNumber,
	/// `blake2_256` of its encoded inputs: what executors' nodes key their records by (with
	/// the id, model and block), so another fork's job of the same id is another record.
	pub inputs_hash: H256,
	/// The block of its next step: execution deadline (Assigned), end of the challenge window
	/// (Executed), pruning (Finalized, Refunded).
	pub due: BlockNumber,
	/// The accepted result, once executed.
	pub execution: Option<Execution<BlockNumber>>,
}

/// Whether an executor takes new jobs.
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
pub enum ExecutorStatus<BlockNumber> {
	/// In the assignment set.
	Active,
	/// Left the set; the bond can be withdrawn from this block on, once no job is open.
	Leaving(BlockNumber),
	/// Out of the set after a refuted result, until this block; then it may withdraw its
	/// bond (once no job is open) or rejoin with at least the minimum bond.
	Suspended(BlockNumber),
}

/// An executor in the assignment set, with what selection needs to know without further reads.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct ActiveExecutor<AccountId, Balance> {
	/// Its account.
	pub who: AccountId,
	/// Its bond (its weight in selection).
	pub bond: Balance,
	/// Jobs in its `Assigned` queue (it takes no new job when the queue is full).
	pub queued: u32,
}

/// A registered executor.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct ExecutorInfo<Balance, BlockNumber> {
	/// The bond held (it shrinks when the executor is penalised).
	pub bond: Balance,
	/// Active or leaving.
	pub status: ExecutorStatus<BlockNumber>,
	/// Jobs it was assigned or executed that are not final yet.
	pub open_jobs: u32,
}
