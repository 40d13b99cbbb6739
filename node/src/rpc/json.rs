//! Models, jobs and tensors as the `verity_*` RPC methods return them (JSON).

use serde_json::{json, Value};
use sp_core::crypto::Ss58Codec;
use verity_engine::{infer::hex_h256, io::json::data_json};
use verity_primitives::tensor::{Tensor, TensorBytes};
use verity_runtime::{AccountId, Balance, BlockNumber};
use verity_runtime_api::{Game, JobView, ModelView};

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

/// A dispute game as JSON: its parties, clocks and the phase it stands at (`phase.name`, the
/// party `to_move`, and the phase's fields).
pub fn game(id: u64, g: &Game<AccountId, Balance, BlockNumber>) -> Value {
	use pallet_verity_disputes::{Claim, Party, Phase};
	let h = |h: &verity_primitives::commitment::H256| hex_h256(h);
	let phase = match &g.phase {
		Phase::Reveal => json!({ "name": "Reveal" }),
		Phase::Pick => json!({ "name": "Pick" }),
		Phase::OpenOutput { node, output } => {
			json!({ "name": "OpenOutput", "node": node, "output": output })
		},
		Phase::Bisect { node, output, at, hash } => json!({
			"name": "Bisect", "node": node, "output": output,
			"level": at.level, "position": at.position, "leaves": at.leaf_count, "hash": h(hash),
		}),
		Phase::Choose { node, output, at, left, right } => json!({
			"name": "Choose", "node": node, "output": output,
			"level": at.level, "position": at.position, "leaves": at.leaf_count,
			"left": h(left), "right": h(right),
		}),
		Phase::Step { node, output, chunk, claim } => json!({
			"name": "Step", "node": node, "output": output, "chunk": chunk,
			"claim": match claim {
				Claim::Leaf(leaf) => json!({ "leaf": h(leaf) }),
				Claim::ExecutorFails => json!("executor says it fails"),
				Claim::ChallengerFails => json!("challenger says it fails"),
			},
		}),
		Phase::OpenLeaf { node, output, chunk, leaf } => json!({
			"name": "OpenLeaf", "node": node, "output": output, "chunk": chunk, "leaf": h(leaf),
		}),
		Phase::PickElement { node, output, chunk, leaf } => json!({
			"name": "PickElement", "node": node, "output": output, "chunk": chunk, "leaf": h(leaf),
		}),
		Phase::ElementStep { node, output, index, .. } => json!({
			"name": "ElementStep", "node": node, "output": output, "element": index,
		}),
	};
	let to_move = match g.phase.to_move() {
		Party::Executor => "executor",
		Party::Challenger => "challenger",
	};
	json!({
		"game": id,
		"job": g.job,
		"challenger": g.challenger.to_ss58check(),
		"executor": g.executor.to_ss58check(),
		"trace_root": h(&g.trace_root),
		"bond": g.bond.to_string(),
		"phase": phase,
		"to_move": to_move,
		"moves": g.moves,
		"executor_clock": g.executor_clock,
		"challenger_clock": g.challenger_clock,
		"deadline": g.deadline,
		"opened_at": g.opened_at,
	})
}

/// An executor as JSON.
pub fn executor(
	who: &AccountId,
	e: &pallet_verity_inference::ExecutorInfo<Balance, BlockNumber>,
) -> Value {
	use pallet_verity_inference::ExecutorStatus;
	let (status, until) = match e.status {
		ExecutorStatus::Active => ("Active", None),
		ExecutorStatus::Leaving(at) => ("Leaving", Some(at)),
		ExecutorStatus::Suspended(until) => ("Suspended", Some(until)),
	};
	json!({
		"executor": who.to_ss58check(),
		"bond": e.bond.to_string(),
		"status": status,
		"until": until,
		"open_jobs": e.open_jobs,
	})
}
