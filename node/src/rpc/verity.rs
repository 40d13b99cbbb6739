//! The `verity_*` RPC methods: models, jobs, local dry runs and this node's trace data.

use std::{str::FromStr, sync::Arc};

use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	Extensions,
};
use parking_lot::Mutex;
use serde_json::{json, Value};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;
use verity_engine::{infer::hex_h256, io::json::decode_json, LoadedModel};
use verity_primitives::{
	commitment::{ChunkProof, MerklePath, NodeProof, H256},
	tensor::{Tensor, TensorBytes},
};
use verity_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use verity_runtime_api::{VerityApi as VerityRuntimeApi, MAX_JOB_PAGE, MAX_PAGE};

use super::json;
use crate::executor::Executor;

/// Verity's RPC methods.
#[rpc(server, namespace = "verity")]
pub trait VerityApi {
	/// A model, or null.
	#[method(name = "model")]
	fn model(&self, id: String) -> RpcResult<Option<Value>>;

	/// Up to `limit` (default and most 100) models after model `after`.
	#[method(name = "models")]
	fn models(&self, after: Option<String>, limit: Option<u32>) -> RpcResult<Vec<Value>>;

	/// A job with its state, inputs and outputs, or null.
	#[method(name = "job")]
	fn job(&self, id: u64) -> RpcResult<Option<Value>>;

	/// Up to `limit` (default and most 10) jobs submitted by `account` after job `after`.
	#[method(name = "accountJobs")]
	fn account_jobs(
		&self,
		account: String,
		after: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<Value>>;

	/// An open dispute game, or null (never opened, or settled: see its `DisputeSettled`
	/// event).
	#[method(name = "dispute")]
	fn dispute(&self, game: u64) -> RpcResult<Option<Value>>;

	/// Up to `limit` (default and most 100) open dispute games after game `after`.
	#[method(name = "disputes")]
	fn disputes(&self, after: Option<u64>, limit: Option<u32>) -> RpcResult<Vec<Value>>;

	/// The open dispute games on a job.
	#[method(name = "jobDisputes")]
	fn job_disputes(&self, job: u64) -> RpcResult<Vec<Value>>;

	/// An executor (bond, status, open jobs), or null.
	#[method(name = "executor")]
	fn executor(&self, account: String) -> RpcResult<Option<Value>>;

	/// Runs a registered model on `inputs` (`[{"dtype","shape","data"}]`) on this node, with
	/// tract and the canonical engine, without a transaction. Unsafe: refused with
	/// `--rpc-methods safe` (the default for an external RPC); runs on the blocking pool.
	#[method(name = "dryRun", blocking, with_extensions)]
	fn dry_run(&self, model: String, inputs: Vec<Value>) -> RpcResult<Value>;

	/// This node's trace data of a job it executed: every node commitment; with `node`, that
	/// node's proof against the trace root, and with `chunk` also the proof of chunk `chunk`
	/// of its output `output` (default 0) against the node's output root. Unsafe, like
	/// `dryRun` (a chunk proof re-executes the model).
	#[method(name = "traceData", blocking, with_extensions)]
	fn trace_data(
		&self,
		job: u64,
		node: Option<u32>,
		output: Option<u32>,
		chunk: Option<u32>,
	) -> RpcResult<Value>;
}

/// Error codes of the `verity_*` methods.
mod code {
	/// A malformed parameter.
	pub const BAD_PARAMS: i32 = -32602;
	/// Not found (model, job, trace, node, chunk).
	pub const NOT_FOUND: i32 = 4040;
	/// The engine refused or failed.
	pub const ENGINE: i32 = 5000;
	/// The runtime API call failed.
	pub const RUNTIME: i32 = 5001;
	/// Another dry run is in progress.
	pub const BUSY: i32 = 5030;
}

fn err(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(code, message.into(), None::<()>)
}

/// The implementation over a client and the node's engine.
pub struct Verity<C> {
	client: Arc<C>,
	executor: Executor,
	/// One dry run or proof at a time: they are CPU work for anyone who can reach the port.
	heavy: Mutex<()>,
}

impl<C> Verity<C> {
	/// The methods over `client` and `executor`.
	pub fn new(client: Arc<C>, executor: Executor) -> Self {
		Verity { client, executor, heavy: Mutex::new(()) }
	}
}

fn parse_h256(s: &str) -> RpcResult<H256> {
	let bad = || err(code::BAD_PARAMS, format!("'{s}' is not a 32-byte hex id"));
	let hex = s.strip_prefix("0x").unwrap_or(s).as_bytes();
	if hex.len() != 64 || !hex.iter().all(u8::is_ascii_hexdigit) {
		return Err(bad());
	}
	let nibble = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
	let mut out = [0u8; 32];
	for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
		*byte = nibble(pair[0]) << 4 | nibble(pair[1]);
	}
	Ok(H256(out))
}

fn parse_account(account: &str) -> RpcResult<AccountId> {
	AccountId::from_ss58check(account)
		.or_else(|_| AccountId::from_str(account))
		.map_err(|_| err(code::BAD_PARAMS, format!("'{account}' is not an account")))
}

fn page(limit: Option<u32>) -> u32 {
	limit.unwrap_or(MAX_PAGE).min(MAX_PAGE)
}

impl<C> Verity<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: VerityRuntimeApi<Block, AccountId, Balance, BlockNumber>,
{
	fn best(&self) -> <Block as sp_runtime::traits::Block>::Hash {
		self.client.info().best_hash
	}

	fn runtime<R>(
		&self,
		f: impl FnOnce(
			&C::Api,
			<Block as sp_runtime::traits::Block>::Hash,
		) -> Result<R, sp_api::ApiError>,
	) -> RpcResult<R> {
		let api = self.client.runtime_api();
		f(&api, self.best()).map_err(|e| err(code::RUNTIME, format!("runtime API: {e}")))
	}

	/// The lock of heavy calls, or a busy error.
	fn heavy_lock(&self) -> RpcResult<parking_lot::MutexGuard<'_, ()>> {
		self.heavy
			.try_lock()
			.ok_or_else(|| err(code::BUSY, "another dry run or proof is in progress"))
	}

	/// The loaded model `id`, loading it from chain state (without caching it) when the
	/// executor has not cached it.
	fn loaded(&self, id: H256) -> RpcResult<Arc<LoadedModel>> {
		if let Some(m) = self.executor.model(&id) {
			return Ok(m);
		}
		let bytes = self
			.runtime(|api, at| api.model_bytes(at, id))?
			.ok_or_else(|| err(code::NOT_FOUND, format!("unknown model {}", hex_h256(&id))))?;
		self.executor.load_uncached(id, &bytes).map_err(|e| err(code::ENGINE, e))
	}
}

impl<C> VerityApiServer for Verity<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: VerityRuntimeApi<Block, AccountId, Balance, BlockNumber>,
{
	fn model(&self, id: String) -> RpcResult<Option<Value>> {
		let id = parse_h256(&id)?;
		Ok(self.runtime(|api, at| api.model(at, id))?.as_ref().map(json::model))
	}

	fn models(&self, after: Option<String>, limit: Option<u32>) -> RpcResult<Vec<Value>> {
		let after = after.as_deref().map(parse_h256).transpose()?;
		let models = self.runtime(|api, at| api.models(at, after, page(limit)))?;
		Ok(models.iter().map(json::model).collect())
	}

	fn job(&self, id: u64) -> RpcResult<Option<Value>> {
		Ok(self.runtime(|api, at| api.job(at, id))?.as_ref().map(json::job))
	}

	fn account_jobs(
		&self,
		account: String,
		after: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<Value>> {
		let who = parse_account(&account)?;
		let jobs = self.runtime(|api, at| {
			api.account_jobs(at, who, after, limit.unwrap_or(MAX_JOB_PAGE).min(MAX_JOB_PAGE))
		})?;
		Ok(jobs.iter().map(json::job).collect())
	}

	fn dispute(&self, game: u64) -> RpcResult<Option<Value>> {
		Ok(self.runtime(|api, at| api.dispute(at, game))?.map(|g| json::game(game, &g)))
	}

	fn disputes(&self, after: Option<u64>, limit: Option<u32>) -> RpcResult<Vec<Value>> {
		let games = self.runtime(|api, at| api.disputes(at, after, page(limit)))?;
		Ok(games.iter().map(|(id, g)| json::game(*id, g)).collect())
	}

	fn job_disputes(&self, job: u64) -> RpcResult<Vec<Value>> {
		// Every read at one block (at most `MaxGamesPerJob` games), so the list is consistent.
		let games = self.runtime(|api, at| {
			let mut games = Vec::new();
			for id in api.job_disputes(at, job)? {
				if let Some(g) = api.dispute(at, id)? {
					games.push(json::game(id, &g));
				}
			}
			Ok(games)
		})?;
		Ok(games)
	}

	fn executor(&self, account: String) -> RpcResult<Option<Value>> {
		let who = parse_account(&account)?;
		let info = self.runtime(|api, at| api.executor(at, who.clone()))?;
		Ok(info.map(|i| json::executor(&who, &i)))
	}

	fn dry_run(&self, ext: &Extensions, model: String, inputs: Vec<Value>) -> RpcResult<Value> {
		sc_rpc_api::check_if_safe(ext)?;
		let id = parse_h256(&model)?;
		let inputs: Vec<TensorBytes> = inputs
			.iter()
			.enumerate()
			.map(|(k, v)| {
				decode_json(v.to_string().as_bytes())
					.map(|t| t.to_bytes())
					.map_err(|e| err(code::BAD_PARAMS, format!("input {k}: {e}")))
			})
			.collect::<Result<_, _>>()?;
		let _one = self.heavy_lock()?;
		let model = self.loaded(id)?;
		let run = self.executor.run(&model, &inputs).map_err(|e| err(code::ENGINE, e))?;
		let names: Vec<Vec<u8>> =
			model.output_names().into_iter().map(String::into_bytes).collect();
		let outputs: Vec<TensorBytes> = run.trace.outputs.iter().map(Tensor::to_bytes).collect();
		Ok(json!({
			"outputs": json::tensors(&names, &outputs),
			"trace_root": hex_h256(&run.trace.root),
			"nodes": run.trace.commitments.len(),
			"max_abs_diff": run.max_abs_diff,
		}))
	}

	fn trace_data(
		&self,
		ext: &Extensions,
		job: u64,
		node: Option<u32>,
		output: Option<u32>,
		chunk: Option<u32>,
	) -> RpcResult<Value> {
		sc_rpc_api::check_if_safe(ext)?;
		let record = self.executor.traces().latest_executed(job).ok_or_else(|| {
			err(code::NOT_FOUND, format!("this node holds no trace of job {job}"))
		})?;
		let mut out = json!({
			"job": job,
			"model": hex_h256(&record.model),
			"trace_root": hex_h256(&record.trace_root),
			"nodes": record.commitments.len(),
			"commitments": record.commitments.iter().map(hex_h256).collect::<Vec<_>>(),
		});
		let Some(k) = node else { return Ok(out) };
		let not_found = |what: String| err(code::NOT_FOUND, what);
		let roots = record
			.output_roots
			.get(k as usize)
			.ok_or_else(|| not_found(format!("job {job} has no node {k}")))?;
		let path = MerklePath::build(&record.commitments, k as usize)
			.ok_or_else(|| not_found(format!("job {job} has no node {k}")))?;
		let proof = NodeProof { output_roots: roots.clone(), path };
		if !proof.verify(&record.trace_root) {
			return Err(err(code::ENGINE, "the record's roots do not prove its trace root"));
		}
		out["node"] = json!({
			"index": k,
			"commitment": hex_h256(&proof.commitment()),
			"output_roots": roots.iter().map(hex_h256).collect::<Vec<_>>(),
			"proof": format!("0x{}", hex(&codec::Encode::encode(&proof))),
		});
		let Some(j) = chunk else { return Ok(out) };
		let o = output.unwrap_or(0) as usize;
		let _one = self.heavy_lock()?;
		let model = self.loaded(record.model)?;
		let inputs: Vec<Tensor> = record
			.inputs
			.iter()
			.map(|t| t.to_tensor().map_err(|e| err(code::ENGINE, e.to_string())))
			.collect::<Result<_, _>>()?;
		// Re-run as the record was made (with its injected fault, if any), stopping after node
		// `k`: the run keeps only the values still live there (the peak-memory budget), never
		// every node's outputs. The data served is what this node committed to: the output's
		// commitment must equal the root recorded for it.
		let options = verity_primitives::graph::TraceOptions {
			fault: record.fault,
			capture: Some(k),
			..Default::default()
		};
		let captured = match model
			.run_canonical_with(&inputs, options)
			.map_err(|e| err(code::ENGINE, e.to_string()))?
		{
			Ok(trace) => trace.captured,
			Err(f) => {
				return Err(err(code::ENGINE, format!("the run fails at node {}", f.node)));
			},
		};
		let outputs = captured
			.and_then(|values| values.outputs)
			.ok_or_else(|| err(code::ENGINE, format!("the run gives no outputs at node {k}")))?;
		let tensor =
			outputs.get(o).ok_or_else(|| not_found(format!("node {k} has no output {o}")))?;
		let commitment = verity_primitives::commitment::commit_tensor(tensor);
		if roots.get(o) != Some(&commitment.root) {
			return Err(err(code::ENGINE, "re-execution gives another output commitment"));
		}
		let proof = ChunkProof::build(tensor, &commitment, j as usize)
			.ok_or_else(|| not_found(format!("output {o} of node {k} has no chunk {j}")))?;
		out["chunk"] = json!({
			"output": o,
			"index": j,
			"proof": format!("0x{}", hex(&codec::Encode::encode(&proof))),
		});
		Ok(out)
	}
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
