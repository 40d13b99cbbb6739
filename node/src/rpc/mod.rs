//! The node's JSON-RPC methods beyond Substrate's defaults: account nonces, fee queries and
//! Verity's own `verity_*` methods (models, jobs, dry runs, trace data).

mod json;
pub mod verity;

use std::sync::Arc;

use jsonrpsee::RpcModule;
use pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_runtime::traits::Block as BlockT;
use verity_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};

use crate::executor::Executor;

/// What the RPC methods need from the node.
pub struct FullDeps<C, P> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The node's inference engine.
	pub executor: Executor,
}

/// Builds the RPC module with every method of this node.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	C::Api: verity_runtime_api::VerityApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, executor } = deps;

	module.merge(SystemApiServer::<_, AccountId, Nonce>::into_rpc(System::new(
		client.clone(),
		pool,
	)))?;
	module.merge(TransactionPaymentApiServer::<
		<Block as BlockT>::Hash,
		RuntimeDispatchInfo<Balance>,
	>::into_rpc(TransactionPayment::<_, Block>::new(client.clone())))?;
	module.merge(verity::VerityApiServer::into_rpc(verity::Verity::new(client, executor)))?;

	Ok(module)
}
