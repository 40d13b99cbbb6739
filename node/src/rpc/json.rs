//! Models, jobs and tensors as the `verity_*` RPC methods return them (JSON).

use serde_json::{json, Value};
use sp_core::crypto::Ss58Codec;
use verity_engine::{infer::hex_h256, io::json::data_json};
use verity_primitives::tensor::{Tensor, TensorBytes};
use verity_runtime::{AccountId, Balance, BlockNumber};
use verity_runtime_api::{JobView, ModelView};

/// A model view as JSON.
pub fn model(m: &ModelView<AccountId, Balance, BlockNumber>) -> Value {
	let specs = |specs: &[pallet_verity_models::IoSpec]| -> Vec<Value> {
		specs
			.iter()
			.map(|s| {
				json!({
					"name": String::from_utf8_lossy(&s.name),
					"dtype": s.dtype.name(),
					"shape": s.shape.to_vec(),
				})
			})
			.collect()
	};
	json!({
		"model_id": hex_h256(&m.id),
		"owner": m.owner.to_ss58check(),
		"name": String::from_utf8_lossy(&m.name),
		"version": m.version,
		"price": m.price.to_string(),
		"deposit": m.deposit.to_string(),
		"size": m.size,
		"graph_size": m.graph_size,
		"nodes": m.nodes,
		"work": m.cost.work,
		"peak_memory": m.cost.peak_memory,
		"max_fan_in": m.cost.max_fan_in,
		"inputs": specs(&m.inputs),
		"outputs": specs(&m.outputs),
		"status": format!("{:?}", m.status),
		"open_jobs": m.open_jobs,
		"registered_at": m.registered_at,
		"job_cost": m.job_cost.to_string(),
	})
}

/// Named tensors `[{"name","dtype","shape","data"}]`, as `verity-node infer --json` prints them.
pub fn tensors(names: &[Vec<u8>], tensors: &[TensorBytes]) -> Value {
	Value::Array(
		tensors
			.iter()
			.enumerate()
			.map(|(k, t)| {
				let name = names.get(k).map(|n| String::from_utf8_lossy(n).into_owned());
				named_tensor(&name.unwrap_or_else(|| format!("{k}")), t)
			})
			.collect(),
	)
}

/// One named tensor; a tensor whose bytes do not decode shows `data: null`.
fn named_tensor(name: &str, t: &TensorBytes) -> Value {
	let data = t.to_tensor().map(|t: Tensor| data_json(&t)).unwrap_or(Value::Null);
	json!({
		"name": name,
		"dtype": t.header.dtype.name(),
		"shape": t.header.shape,
		"data": data,
	})
}

/// A job view as JSON.
pub fn job(v: &JobView<AccountId, Balance, BlockNumber>) -> Value {
	let j = &v.job;
	let execution = j.execution.as_ref();
	json!({
		"job_id": v.id,
		"status": format!("{:?}", j.status),
		"model": hex_h256(&j.model),
		"submitter": j.submitter.to_ss58check(),
		"executor": j.executor.to_ss58check(),
		"model_owner": j.model_owner.to_ss58check(),
		"fee": j.fee.to_string(),
		"royalty": j.royalty.to_string(),
		"deposit": j.deposit.to_string(),
		"attempts": j.attempts,
		"submitted_at": j.submitted_at,
		"due": j.due,
		"trace_root": execution.map(|e| hex_h256(&e.trace_root)),
		"nodes": execution.map(|e| e.nodes),
		"executed_at": execution.map(|e| e.at),
		"failure": execution.and_then(|e| e.failure.as_ref()).map(|f| json!({
			"node": f.node,
			"reason": String::from_utf8_lossy(&f.reason),
		})),
		"inputs": tensors(&v.input_names, &v.inputs),
		"outputs": v.outputs.as_ref().map(|o| tensors(&v.output_names, o)),
	})
}
