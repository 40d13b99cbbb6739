//! The runtime events the tool reads, decoded by field name from the runtime's metadata.

use subxt::{events::DecodeAsEvent, ext::scale_decode, utils::AccountId32, utils::H256};

use crate::{chain::Events, error::CliError};

/// `Models.ModelRegistered`: a model was registered.
#[derive(Clone, Debug, PartialEq, Eq, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ModelRegistered {
	/// Its id, the blake2-256 hash of its bytes.
	pub model: H256,
	/// Who registered it.
	pub owner: AccountId32,
	/// Its size in bytes.
	pub size: u32,
	/// Nodes of its canonical graph.
	pub nodes: u32,
}

impl DecodeAsEvent for ModelRegistered {
	fn is_event(pallet: &str, event: &str) -> bool {
		pallet == "Models" && event == "ModelRegistered"
	}
}

/// `Inference.JobSubmitted`: a job was submitted; its fee, royalty and data deposit are held.
#[derive(Clone, Debug, PartialEq, Eq, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct JobSubmitted {
	/// The job's id.
	pub job: u64,
	/// The model.
	pub model: H256,
	/// Who pays.
	pub submitter: AccountId32,
	/// Execution fee.
	pub fee: u128,
	/// Royalty for the model's owner.
	pub royalty: u128,
	/// Storage deposit for the job's data, released when it is pruned.
	pub deposit: u128,
}

impl DecodeAsEvent for JobSubmitted {
	fn is_event(pallet: &str, event: &str) -> bool {
		pallet == "Inference" && event == "JobSubmitted"
	}
}

/// `Inference.ExecutorRegistered`: an executor joined the assignment set.
#[derive(Clone, Debug, PartialEq, Eq, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct ExecutorRegistered {
	/// The executor.
	pub who: AccountId32,
	/// Its bond.
	pub bond: u128,
}

impl DecodeAsEvent for ExecutorRegistered {
	fn is_event(pallet: &str, event: &str) -> bool {
		pallet == "Inference" && event == "ExecutorRegistered"
	}
}

/// The first event `E` (named `name` in messages) among an extrinsic's events.
pub fn find<E: DecodeAsEvent>(events: &Events, name: &str) -> Result<E, CliError> {
	match events.find_first::<E>() {
		Some(Ok(e)) => Ok(e),
		Some(Err(e)) => Err(CliError::Chain(format!("cannot decode event {name}: {e}"))),
		None => Err(CliError::Chain(format!("the extrinsic emitted no {name} event"))),
	}
}

/// How a dispute game ended (`pallet_verity_disputes::Ending`).
#[derive(Clone, Debug, PartialEq, Eq, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub enum Ending {
	/// The one-step decided.
	Step,
	/// The posted outputs are not the ones the revealed list gives.
	OutputsUnbound,
	/// The loser ran out of its clock.
	Timeout,
	/// A failed result named a node that cannot fail on values.
	ImpossibleFailure,
}

/// `Disputes.DisputeSettled`: a game ended with a winner.
#[derive(Clone, Debug, PartialEq, Eq, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct DisputeSettled {
	/// The game.
	pub game: u64,
	/// The job.
	pub job: u64,
	/// The winner.
	pub winner: AccountId32,
	/// The loser.
	pub loser: AccountId32,
	/// Taken from the loser.
	pub slashed: u128,
	/// Given to the winner (the rest of `slashed` went to the treasury).
	pub reward: u128,
	/// How it ended.
	pub ending: Ending,
}

impl DecodeAsEvent for DisputeSettled {
	fn is_event(pallet: &str, event: &str) -> bool {
		pallet == "Disputes" && event == "DisputeSettled"
	}
}

/// `Disputes.DisputeClosed`: another game refuted the same result; this challenger, right
/// too, got its bond back and a share of the reward.
#[derive(Clone, Debug, PartialEq, Eq, scale_decode::DecodeAsType)]
#[decode_as_type(crate_path = "subxt::ext::scale_decode")]
pub struct DisputeClosed {
	/// The game.
	pub game: u64,
	/// The job.
	pub job: u64,
	/// The game's challenger.
	pub challenger: AccountId32,
	/// The challenger's share of the reward.
	pub reward: u128,
}

impl DecodeAsEvent for DisputeClosed {
	fn is_event(pallet: &str, event: &str) -> bool {
		pallet == "Disputes" && event == "DisputeClosed"
	}
}
