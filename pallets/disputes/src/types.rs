//! The types the disputes pallet stores and takes as call arguments.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use verity_primitives::{
	commitment::{MerklePath, H256},
	dispute::{ChunkWitness, InputWitness, TreeCursor},
	multiproof::MultiPath,
};

/// A game's id.
pub type GameId = u64;

/// A job's id (the inference pallet's).
pub type JobId = pallet_verity_inference::JobId;

/// A side of a game.
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
pub enum Party {
	/// The executor whose result is disputed.
	Executor,
	/// The account that opened the game.
	Challenger,
}

/// What the one-step decides between.
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
pub enum Claim {
	/// The executor's leaf of the chunk, reached by bisection: the chunk must compute to it.
	Leaf(H256),
	/// The executor's failed result names this chunk as failing: it must fail.
	ExecutorFails,
	/// The challenger says this chunk of a node the executor computed fails.
	ChallengerFails,
}

/// Where a game stands: what is owed next.
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
pub enum Phase {
	/// The executor's list of output roots is owed (`reveal`, anyone may post it).
	Reveal,
	/// The challenger names the node and output it disputes (`pick`).
	Pick,
	/// The executor's chunks root of output `output` of node `node` is owed (`open_output`).
	OpenOutput {
		/// The disputed node.
		node: u32,
		/// Its disputed output.
		output: u32,
	},
	/// The executor's two children of tree node `at`, whose hash is `hash`, are owed
	/// (`bisect`).
	Bisect {
		/// The disputed node.
		node: u32,
		/// Its disputed output.
		output: u32,
		/// The position in the output's chunk tree.
		at: TreeCursor,
		/// The executor's hash there.
		hash: H256,
	},
	/// The challenger chooses the child it disputes (`choose`).
	Choose {
		/// The disputed node.
		node: u32,
		/// Its disputed output.
		output: u32,
		/// The position in the output's chunk tree.
		at: TreeCursor,
		/// The executor's left child.
		left: H256,
		/// The executor's right child.
		right: H256,
	},
	/// The one-step of chunk `chunk` is owed (`step`; anyone may post the witness, the
	/// challenger's clock runs), or the challenger narrows it to one element (`split`).
	Step {
		/// The disputed node.
		node: u32,
		/// Its disputed output.
		output: u32,
		/// The chunk.
		chunk: u32,
		/// What the step decides.
		claim: Claim,
	},
	/// The executor's bytes of the disputed chunk are owed (`open_leaf`, anyone may post
	/// them): the challenger narrows the step to one element.
	OpenLeaf {
		/// The disputed node.
		node: u32,
		/// Its disputed output.
		output: u32,
		/// The chunk.
		chunk: u32,
		/// The executor's leaf of it.
		leaf: H256,
	},
	/// The challenger names the element of the chunk it disputes (`pick_element`).
	PickElement {
		/// The disputed node.
		node: u32,
		/// Its disputed output.
		output: u32,
		/// The chunk.
		chunk: u32,
		/// The executor's leaf of it (its bytes are in the `open_leaf` call).
		leaf: H256,
	},
	/// The one-step of one element is owed (`step`; anyone may post the witness, the
	/// challenger's clock runs).
	ElementStep {
		/// The disputed node.
		node: u32,
		/// Its disputed output.
		output: u32,
		/// The element's flat index in the output.
		index: u32,
		/// The executor's canonical bytes of it (the first `width`).
		value: [u8; 8],
		/// Bytes of an element of the output's dtype.
		width: u8,
	},
}

impl Phase {
	/// Whose move it is.
	pub fn to_move(&self) -> Party {
		match self {
			Phase::Reveal
			| Phase::OpenOutput { .. }
			| Phase::Bisect { .. }
			| Phase::OpenLeaf { .. } => Party::Executor,
			Phase::Pick
			| Phase::Choose { .. }
			| Phase::Step { .. }
			| Phase::PickElement { .. }
			| Phase::ElementStep { .. } => Party::Challenger,
		}
	}
}

/// An open game.
#[derive(
	Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen,
)]
pub struct Game<AccountId, Balance, BlockNumber> {
	/// The disputed job.
	pub job: JobId,
	/// Who opened the game; its bond is held.
	pub challenger: AccountId,
	/// The executor whose result is disputed.
	pub executor: AccountId,
	/// The executor's trace root the game is played against.
	pub trace_root: H256,
	/// The challenger's bond, held.
	pub bond: Balance,
	/// What is owed next.
	pub phase: Phase,
	/// Blocks left on the executor's clock (not counting a running turn).
	pub executor_clock: BlockNumber,
	/// Blocks left on the challenger's clock (not counting a running turn).
	pub challenger_clock: BlockNumber,
	/// The block the current turn started in.
	pub turn_since: BlockNumber,
	/// The block the party to move runs out of time in; the game is in that block's
	/// [`crate::Timeouts`] queue.
	pub deadline: BlockNumber,
	/// The block the game was opened in.
	pub opened_at: BlockNumber,
	/// Moves made so far.
	pub moves: u32,
}

/// The executor's revealed list of output roots for a job, shared by every game on it.
#[derive(
	CloneNoBound, DebugNoBound, PartialEqNoBound, EqNoBound, Encode, Decode, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxValues))]
pub struct RevealedTrace<MaxValues: Get<u32>> {
	/// The trace root the list leads to.
	pub trace_root: H256,
	/// The root of every node output, node by node in canonical order.
	pub roots: BoundedVec<H256, MaxValues>,
	/// For a failed result, the output and chunk of the failing node that fail.
	pub failing: Option<(u32, u32)>,
}

/// A chunk's canonical bytes, as a call argument (64 elements of at most 8 bytes).
pub type ChunkBytes = BoundedVec<u8, frame_support::traits::ConstU32<512>>;

/// One chunk of an input in a witness, as a call argument.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ChunkArg {
	/// The chunk's index in the input tensor.
	pub index: u32,
	/// Its canonical bytes (at most 64 elements of 8 bytes).
	pub bytes: BoundedVec<u8, frame_support::traits::ConstU32<512>>,
}

/// The chunks of one input a step reads, with their multi-proof, as a call argument.
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
#[scale_info(skip_type_params(MaxChunks, MaxHashes))]
pub struct InputWitnessArg<MaxChunks: Get<u32>, MaxHashes: Get<u32>> {
	/// Which input of the node.
	pub input: u32,
	/// The Merkle root of the input's chunks.
	pub chunks_root: H256,
	/// The chunks, by strictly increasing index.
	pub chunks: BoundedVec<ChunkArg, MaxChunks>,
	/// Leaves of the input's chunk tree.
	pub leaf_count: u32,
	/// The multi-proof's sibling hashes.
	pub siblings: BoundedVec<H256, MaxHashes>,
}

impl<C: Get<u32>, H: Get<u32>> InputWitnessArg<C, H> {
	/// As the primitives take it.
	pub fn to_witness(&self) -> InputWitness {
		InputWitness {
			input: self.input,
			chunks_root: self.chunks_root,
			chunks: self
				.chunks
				.iter()
				.map(|c| ChunkWitness { index: c.index, bytes: c.bytes.to_vec() })
				.collect(),
			path: MultiPath { leaf_count: self.leaf_count, siblings: self.siblings.to_vec() },
		}
	}

	/// From the primitives' witness, if it fits the bounds.
	pub fn from_witness(w: &InputWitness) -> Option<Self> {
		let chunks: Vec<ChunkArg> = w
			.chunks
			.iter()
			.map(|c| Some(ChunkArg { index: c.index, bytes: c.bytes.clone().try_into().ok()? }))
			.collect::<Option<_>>()?;
		Some(InputWitnessArg {
			input: w.input,
			chunks_root: w.chunks_root,
			chunks: chunks.try_into().ok()?,
			leaf_count: w.path.leaf_count,
			siblings: w.path.siblings.clone().try_into().ok()?,
		})
	}
}

/// Most inputs of a node (`verity_primitives::limits::MAX_NODE_IO`): a witness has at most one
/// entry per input.
pub type MaxWitnessInputs = frame_support::traits::ConstU32<64>;

/// A whole witness: one entry per input read.
pub type WitnessArg<C, H> = BoundedVec<InputWitnessArg<C, H>, MaxWitnessInputs>;

/// What a challenger that holds the executor's trace data posts in `open` to settle the game
/// in one block: the disputed node, output and chunk, the executor's leaf with its path, and
/// the witness. The executor's list must be on chain already, or come with it.
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
#[scale_info(skip_type_params(MaxValues, MaxChunks, MaxHashes))]
pub struct FastPath<MaxValues: Get<u32>, MaxChunks: Get<u32>, MaxHashes: Get<u32>> {
	/// The executor's list of output roots, unless already revealed for the job.
	pub roots: Option<BoundedVec<H256, MaxValues>>,
	/// The disputed node.
	pub node: u32,
	/// Its disputed output.
	pub output: u32,
	/// The executor's chunks root of that output.
	pub chunks_root: H256,
	/// The disputed chunk's index.
	pub chunk: u32,
	/// The executor's leaf hash of that chunk.
	pub leaf: H256,
	/// The leaf's path to `chunks_root`.
	pub path: BoundedVec<H256, MaxHashes>,
	/// The one-step witness.
	pub witness: WitnessArg<MaxChunks, MaxHashes>,
}

impl<V: Get<u32>, C: Get<u32>, H: Get<u32>> FastPath<V, C, H> {
	/// The leaf's path as the primitives take it, in a tree of `leaf_count` leaves.
	pub fn merkle_path(&self, leaf_count: u32) -> MerklePath {
		MerklePath { leaf_index: self.chunk, leaf_count, siblings: self.path.to_vec() }
	}
}

/// How a game ended, for the events and the runtime API.
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
pub enum Ending {
	/// The one-step decided.
	Step,
	/// The posted outputs are not the ones the revealed list gives.
	OutputsUnbound,
	/// The loser ran out of its clock.
	Timeout,
	/// A failed result names a node whose op cannot fail on values.
	ImpossibleFailure,
}
