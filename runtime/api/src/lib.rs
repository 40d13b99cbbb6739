//! # Verity runtime API
//!
//! What the node's `verity_*` RPC methods and clients read from the chain: models with their
//! specs and the cost of a job, jobs with their inputs and outputs, paged lists, a model's
//! ONNX bytes (for `dryRun` and for executors' nodes), dispute games, and the one-step as the
//! runtime computes it (version 2), executors (version 3), the chain's model budget (version 4).
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(
	test,
	allow(clippy::arithmetic_side_effects, reason = "test arithmetic on small literals")
)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use pallet_verity_inference::{ExecutorInfo, Job, JobId};
use pallet_verity_models::{IoSpec, ModelId, ModelStatus};
use scale_info::TypeInfo;
use verity_primitives::{
	commitment::H256,
	cost::{Budget, ModelCost},
	dispute::{InputWitness, StepNode, StepVerdict},
	graph::Graph,
	tensor::TensorBytes,
};

pub use pallet_verity_disputes::{Game, GameId};

/// What a one-step knows of one input of the node (see
/// `verity_primitives::dispute::InputData`), in a form the runtime API can carry.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum StepInputData {
	/// An omitted optional input.
	Absent,
	/// A graph input: the job's tensor.
	Dense(TensorBytes),
	/// A constant or an earlier node's output: its agreed root.
	Root(H256),
}

/// Most models one paged call returns.
pub const MAX_PAGE: u32 = 100;

/// Most jobs one paged call returns (a job carries its tensors, up to 2 MiB).
pub const MAX_JOB_PAGE: u32 = 10;

/// A registered model.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct ModelView<AccountId, Balance, BlockNumber> {
	/// Its id (blake2-256 of the bytes).
	pub id: ModelId,
	/// Owner, paid the royalty.
	pub owner: AccountId,
	/// Human-readable name.
	pub name: Vec<u8>,
	/// Owner's version number.
	pub version: u32,
	/// Royalty per job.
	pub price: Balance,
	/// Storage deposit held from the owner.
	pub deposit: Balance,
	/// Size of the ONNX bytes.
	pub size: u32,
	/// Bytes of the stored canonical graph (structure and constants).
	pub graph_size: u32,
	/// Nodes of the canonical graph.
	pub nodes: u32,
	/// What one run costs: work (prices the fee), peak memory, largest one-step fan-in.
	pub cost: ModelCost,
	/// Graph inputs.
	pub inputs: Vec<IoSpec>,
	/// Graph outputs.
	pub outputs: Vec<IoSpec>,
	/// Active or deprecated.
	pub status: ModelStatus,
	/// Jobs not final yet.
	pub open_jobs: u32,
	/// Block of registration.
	pub registered_at: BlockNumber,
	/// What a job costs now: execution fee plus royalty (the least `max_fee` accepted).
	pub job_cost: Balance,
}

/// A job with its tensors.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub struct JobView<AccountId, Balance, BlockNumber> {
	/// Its id.
	pub id: JobId,
	/// The job as stored.
	pub job: Job<AccountId, Balance, BlockNumber>,
	/// Input tensors.
	pub inputs: Vec<TensorBytes>,
	/// Output tensors, once executed.
	pub outputs: Option<Vec<TensorBytes>>,
	/// The model's input names (empty if the model was removed since).
	pub input_names: Vec<Vec<u8>>,
	/// The model's output names (empty if the model was removed since).
	pub output_names: Vec<Vec<u8>>,
}

sp_api::decl_runtime_apis! {
	/// Models, jobs, executors and disputes.
	#[api_version(2)]
	pub trait VerityApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// A model.
		fn model(id: ModelId) -> Option<ModelView<AccountId, Balance, BlockNumber>>;
		/// Up to `limit` (at most [`MAX_PAGE`]) models after `after`, in storage order.
		fn models(after: Option<ModelId>, limit: u32) -> Vec<ModelView<AccountId, Balance, BlockNumber>>;
		/// A model's ONNX bytes.
		fn model_bytes(id: ModelId) -> Option<Vec<u8>>;
		/// A job.
		fn job(id: JobId) -> Option<JobView<AccountId, Balance, BlockNumber>>;
		/// Up to `limit` (at most [`MAX_JOB_PAGE`]) jobs of `who` after job `after`, in storage order.
		fn account_jobs(who: AccountId, after: Option<JobId>, limit: u32) -> Vec<JobView<AccountId, Balance, BlockNumber>>;
		/// What registering `onnx` would give, computed by the runtime itself: the canonical
		/// graph and its cost within the chain's budget, or the import error in full (naming
		/// the node and the limit a model breaks). Stores nothing.
		fn import_model(onnx: Vec<u8>) -> Result<(Graph, ModelCost), Vec<u8>>;
		/// An open dispute game.
		#[api_version(2)]
		fn dispute(game: GameId) -> Option<Game<AccountId, Balance, BlockNumber>>;
		/// The open games on a job.
		#[api_version(2)]
		fn job_disputes(job: JobId) -> Vec<GameId>;
		/// What the one-step of chunk `chunk` of output `output` of `node` decides from
		/// `inputs` and `witness`, computed by the runtime itself (for tools, and to check the
		/// compiled runtime against native code), or why the witness gives no verdict.
		#[api_version(2)]
		fn dispute_step(
			node: StepNode,
			inputs: Vec<StepInputData>,
			witness: Vec<InputWitness>,
			output: u32,
			chunk: u32,
		) -> Result<StepVerdict, Vec<u8>>;
		/// Up to `limit` (at most [`MAX_PAGE`]) open games after game `after`, in storage order.
		#[api_version(3)]
		fn disputes(after: Option<GameId>, limit: u32) -> Vec<(GameId, Game<AccountId, Balance, BlockNumber>)>;
		/// An executor: its bond, status and open jobs.
		#[api_version(3)]
		fn executor(who: AccountId) -> Option<ExecutorInfo<Balance, BlockNumber>>;
		/// What running a model may cost on this chain (`Models::Budget`): the budget every
		/// registered model was imported within, and the one nodes load models within.
		#[api_version(4)]
		fn model_budget() -> Budget;
	}
}
