//! The connection to a node: JSON-RPC calls, signing and submitting extrinsics.

use std::{collections::VecDeque, str::FromStr};

use serde_json::Value;
use subxt::{
	client::OnlineClientAtBlockImpl,
	config::DefaultExtrinsicParamsBuilder,
	extrinsics::ExtrinsicEvents,
	metadata::ArcMetadata,
	rpcs::{client::RpcParams, rpc_params, RpcClient},
	transactions::{Payload, TransactionProgress, TransactionStatus},
	utils::AccountId32,
	OnlineClient, SubstrateConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

use crate::error::{events_error, rpc_reason, CliError};

/// The chain's configuration: Substrate's defaults (AccountId32, MultiAddress, blake2).
pub type Cfg = SubstrateConfig;

/// The events of one included extrinsic.
pub type Events = ExtrinsicEvents<Cfg>;

/// A submitted extrinsic whose progress can be followed.
pub type Progress = TransactionProgress<Cfg, OnlineClientAtBlockImpl<Cfg>>;

/// A connected node: subxt's client and the raw JSON-RPC client sharing one WebSocket.
pub struct Chain {
	/// subxt's client (metadata, blocks, transactions).
	pub api: OnlineClient<Cfg>,
	/// Raw JSON-RPC, for Verity's `verity_*` methods.
	pub rpc: RpcClient,
}

impl Chain {
	/// Connects to the node at `url` (`ws://` or `wss://`, any host).
	pub async fn connect(url: &str) -> Result<Chain, CliError> {
		let failed = |reason: String| CliError::Connect { url: url.to_string(), reason };
		let rpc =
			RpcClient::from_insecure_url(url).await.map_err(|e| failed(rpc_error_text(&e)))?;
		let api = OnlineClient::<Cfg>::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| failed(e.to_string()))?;
		Ok(Chain { api, rpc })
	}

	/// Calls the JSON-RPC method `method` with `params`; the result as JSON.
	pub async fn request(&self, method: &str, params: RpcParams) -> Result<Value, CliError> {
		self.rpc
			.request::<Value>(method, params)
			.await
			.map_err(|e| CliError::rpc(method, rpc_error_text(&e)))
	}

	/// The runtime metadata at the latest finalized block.
	pub async fn metadata(&self) -> Result<ArcMetadata, CliError> {
		Ok(self.api.at_current_block().await.map_err(CliError::chain)?.metadata())
	}

	/// The next nonce of `who`, counting its transactions already in the pool.
	pub async fn next_nonce(&self, who: &AccountId32) -> Result<u64, CliError> {
		let method = "system_accountNextIndex";
		let v = self.request(method, rpc_params![who.to_string()]).await?;
		v.as_u64().ok_or_else(|| CliError::rpc(method, format!("not a nonce: {v}")))
	}

	/// Signs `call` with `signer` at `nonce` and hands it to the node's pool.
	pub async fn send(
		&self,
		call: &impl Payload,
		signer: &Keypair,
		nonce: u64,
	) -> Result<Progress, CliError> {
		let params = DefaultExtrinsicParamsBuilder::<Cfg>::new().nonce(nonce).build();
		let at = self.api.at_current_block().await.map_err(CliError::chain)?;
		let tx = at.transactions().create_signed(call, signer, params).await.map_err(|e| {
			let (pallet, name) = (call.pallet_name(), call.call_name());
			CliError::Chain(format!("cannot build {pallet}.{name} for this runtime: {e}"))
		})?;
		tx.submit_and_watch().await.map_err(|e| CliError::Transaction(format!("rejected: {e}")))
	}

	/// Submits `call` signed by `signer` (nonce from the pool) and waits until it is in a best
	/// block; a failed dispatch is the error.
	pub async fn submit(&self, call: &impl Payload, signer: &Keypair) -> Result<Events, CliError> {
		let nonce = self.next_nonce(&account_of(signer)).await?;
		wait_in_block(self.send(call, signer, nonce).await?).await
	}

	/// Submits `calls` signed by `signer` with explicit increasing nonces (the first from the
	/// pool) without waiting for each other, at most `in_flight` at a time not yet in a best
	/// block, and waits until every one is in a best block. Returns `included` of each call's
	/// events, in order.
	///
	/// The error is the first failure in nonce order: a call the pool refused, or one that was
	/// dropped or failed in its block. Calls already sent after it are not withdrawn.
	pub async fn submit_pipelined<P: Payload, T>(
		&self,
		calls: impl IntoIterator<Item = P>,
		signer: &Keypair,
		in_flight: usize,
		mut included: impl FnMut(Events) -> Result<T, CliError>,
	) -> Result<Vec<T>, CliError> {
		let mut nonce = self.next_nonce(&account_of(signer)).await?;
		let mut pending = VecDeque::new();
		let mut results = Vec::new();
		for call in calls {
			if pending.len() >= in_flight.max(1) {
				if let Some(oldest) = pending.pop_front() {
					results.push(included(wait_in_block(oldest).await?)?);
				}
			}
			match self.send(&call, signer, nonce).await {
				Ok(progress) => pending.push_back(progress),
				Err(refused) => {
					// A failure of a call sent before this one comes first.
					while let Some(progress) = pending.pop_front() {
						included(wait_in_block(progress).await?)?;
					}
					return Err(refused);
				},
			}
			nonce += 1;
		}
		while let Some(progress) = pending.pop_front() {
			results.push(included(wait_in_block(progress).await?)?);
		}
		Ok(results)
	}
}

/// Waits until the extrinsic followed by `progress` is in a best (or finalized) block and
/// returns its events; a failed dispatch, an invalid or dropped transaction is the error.
pub async fn wait_in_block(mut progress: Progress) -> Result<Events, CliError> {
	while let Some(status) = progress.next().await {
		match status.map_err(CliError::chain)? {
			TransactionStatus::InBestBlock(b) | TransactionStatus::InFinalizedBlock(b) => {
				return b.wait_for_success().await.map_err(events_error);
			},
			TransactionStatus::Invalid { message } => {
				let message = message.strip_prefix("Invalid transaction: ").unwrap_or(&message);
				return Err(CliError::Transaction(format!("invalid: {message}")));
			},
			TransactionStatus::Dropped { message } => {
				return Err(CliError::Transaction(format!("dropped: {message}")));
			},
			TransactionStatus::Error { message } => {
				return Err(CliError::Transaction(format!("failed: {message}")));
			},
			_ => {},
		}
	}
	Err(CliError::Transaction("status stream ended before inclusion".into()))
}

/// The sr25519 key of a secret URI: `//Alice`, `<mnemonic>//hard/soft`, `0x<seed>`.
pub fn signer_from_suri(suri: &str) -> Result<Keypair, CliError> {
	let uri =
		SecretUri::from_str(suri).map_err(|e| CliError::Input(format!("invalid --suri: {e}")))?;
	Keypair::from_uri(&uri).map_err(|e| CliError::Input(format!("invalid --suri: {e}")))
}

/// The account of `signer`.
pub fn account_of(signer: &Keypair) -> AccountId32 {
	signer.public_key().to_account_id()
}

/// The message of an RPC client error, without subxt's prefixes.
fn rpc_error_text(e: &subxt::rpcs::Error) -> String {
	rpc_reason(&e.to_string())
}
