//! The chain's model budget, followed by the node.
//!
//! Every model registered on chain was imported by the runtime within `Models::Budget`; the
//! node must load them within the same budget (a smaller one would refuse models the chain
//! accepted, and penalise this executor for their timeouts; a larger one would let RPC callers
//! run more than the chain allows). The budget is a runtime constant, so it can only change
//! with the runtime: it is read again from `VerityApi::model_budget` whenever the best
//! block's `spec_version` changes.

use std::sync::Arc;

use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sp_api::{ApiExt, Core, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;
use verity_primitives::cost::Budget;
use verity_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use verity_runtime_api::VerityApi;

use super::Executor;

/// The runtime API version that has `model_budget`.
const MODEL_BUDGET_API: u32 = 4;

/// Sets `executor`'s budget from the runtime at `at`: its `model_budget`, or
/// [`Budget::DEFAULT`] for older runtimes (which all used it). Whether the runtime answered.
fn refresh<C>(client: &C, executor: &Executor, at: <Block as BlockT>::Hash) -> bool
where
	C: ProvideRuntimeApi<Block>,
	C::Api: VerityApi<Block, AccountId, Balance, BlockNumber>,
{
	let api = client.runtime_api();
	let version = api.api_version::<dyn VerityApi<Block, AccountId, Balance, BlockNumber>>(at);
	match version {
		Ok(Some(v)) if v >= MODEL_BUDGET_API => match api.model_budget(at) {
			Ok(budget) => {
				if budget != executor.budget() {
					log::info!(target: "verity", "models are loaded within the chain's budget {budget:?}");
				}
				executor.set_budget(budget);
			},
			Err(e) => {
				log::warn!(target: "verity", "cannot read the chain's model budget: {e}");
				return false;
			},
		},
		// An older runtime (after a reorg to before an upgrade): they all used the default.
		Ok(_) => executor.set_budget(Budget::DEFAULT),
		Err(e) => {
			log::warn!(target: "verity", "cannot read the runtime's API version: {e}");
			return false;
		},
	}
	true
}

/// Reads the chain's budget now, then again on every new best block whose runtime has another
/// `spec_version`. Runs until the client's import stream ends.
pub async fn follow_chain_budget<C>(client: Arc<C>, executor: Executor)
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockchainEvents<Block>,
	C::Api: VerityApi<Block, AccountId, Balance, BlockNumber> + Core<Block>,
{
	let best = client.info().best_hash;
	// The spec version the budget was last read for; a failed read is tried again.
	let mut read_for = None;
	if refresh(&*client, &executor, best) {
		read_for = client.runtime_api().version(best).ok().map(|v| v.spec_version);
	}
	let mut imports = client.import_notification_stream();
	while let Some(block) = imports.next().await {
		if !block.is_new_best {
			continue;
		}
		let version = client.runtime_api().version(block.hash).ok().map(|v| v.spec_version);
		if version.is_some() && version != read_for && refresh(&*client, &executor, block.hash) {
			read_for = version;
		}
	}
}
