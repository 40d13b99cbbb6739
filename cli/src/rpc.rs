//! Verity's own JSON-RPC methods (`verity_model`, `verity_models`, `verity_job`).
//!
//! Objects come back as JSON exactly as the node sends them; [`crate::output`] prints them.

use serde_json::Value;
use subxt::{rpcs::rpc_params, utils::H256};

use crate::{args::hex_h256, chain::Chain, error::CliError};

/// Models asked for per `verity_models` call.
pub const PAGE: u32 = 100;

/// The model `id`, or `None` if the chain has no such model.
pub async fn model(chain: &Chain, id: &H256) -> Result<Option<Value>, CliError> {
	let v = chain.request("verity_model", rpc_params![hex_h256(id)]).await?;
	Ok(non_null(v))
}

/// The model `id`; an unknown model is an error.
pub async fn known_model(chain: &Chain, id: &H256) -> Result<Value, CliError> {
	model(chain, id)
		.await?
		.ok_or_else(|| CliError::Input(format!("unknown model {}", hex_h256(id))))
}

/// Every registered model, fetched [`PAGE`] at a time.
pub async fn all_models(chain: &Chain) -> Result<Vec<Value>, CliError> {
	let mut all = Vec::new();
	let mut after: Option<String> = None;
	loop {
		let page = chain.request("verity_models", rpc_params![after, PAGE]).await?;
		let page = as_array("verity_models", page)?;
		let next = next_cursor(&page, PAGE)?;
		all.extend(page);
		match next {
			Some(last) => after = Some(last),
			None => return Ok(all),
		}
	}
}

/// The number of the node's best block (`chain_getHeader`).
pub async fn best_number(chain: &Chain) -> Result<u64, CliError> {
	let header = chain.request("chain_getHeader", rpc_params![]).await?;
	header
		.get("number")
		.and_then(Value::as_str)
		.and_then(|n| u64::from_str_radix(n.trim_start_matches("0x"), 16).ok())
		.ok_or_else(|| CliError::rpc("chain_getHeader", "no block number in the header"))
}

/// The open dispute game `id`, or `None` (never opened, or settled).
pub async fn dispute(chain: &Chain, id: u64) -> Result<Option<Value>, CliError> {
	let v = chain.request("verity_dispute", rpc_params![id]).await?;
	Ok(non_null(v))
}

/// The open dispute games on job `job`.
pub async fn job_disputes(chain: &Chain, job: u64) -> Result<Vec<Value>, CliError> {
	let v = chain.request("verity_jobDisputes", rpc_params![job]).await?;
	as_array("verity_jobDisputes", v)
}

/// Every open dispute game, fetched [`PAGE`] at a time.
pub async fn all_disputes(chain: &Chain) -> Result<Vec<Value>, CliError> {
	let mut all: Vec<Value> = Vec::new();
	let mut seen = std::collections::BTreeSet::new();
	let mut after: Option<u64> = None;
	loop {
		let page = chain.request("verity_disputes", rpc_params![after, PAGE]).await?;
		let page = as_array("verity_disputes", page)?;
		let full = page.len() as u32 >= PAGE;
		after = page.last().and_then(|g| g.get("game")).and_then(Value::as_u64);
		// A node that serves pages already seen would keep the loop going: stop at the first
		// page without a new game.
		let mut new = false;
		for g in page {
			if seen.insert(g.get("game").and_then(Value::as_u64)) {
				new = true;
				all.push(g);
			}
		}
		if !full || !new || after.is_none() {
			all.sort_by_key(|g| g.get("game").and_then(Value::as_u64));
			return Ok(all);
		}
	}
}

/// The executor `account`, or `None` if it is not one.
pub async fn executor(chain: &Chain, account: &str) -> Result<Option<Value>, CliError> {
	let v = chain.request("verity_executor", rpc_params![account]).await?;
	Ok(non_null(v))
}

/// The job `id`, or `None` if the chain has no such job (never had, or already pruned).
pub async fn job(chain: &Chain, id: u64) -> Result<Option<Value>, CliError> {
	let v = chain.request("verity_job", rpc_params![id]).await?;
	Ok(non_null(v))
}

/// The job `id`; an unknown job is an error.
pub async fn known_job(chain: &Chain, id: u64) -> Result<Value, CliError> {
	job(chain, id).await?.ok_or_else(|| CliError::Input(format!("unknown job {id}")))
}

fn non_null(v: Value) -> Option<Value> {
	(!v.is_null()).then_some(v)
}

fn as_array(method: &str, v: Value) -> Result<Vec<Value>, CliError> {
	match v {
		Value::Array(items) => Ok(items),
		other => Err(CliError::rpc(method, format!("expected an array, got {other}"))),
	}
}

/// The `after` cursor for the page following `page`: the last model's id when the page is full
/// (`limit` models), `None` when it was the last page.
pub fn next_cursor(page: &[Value], limit: u32) -> Result<Option<String>, CliError> {
	if page.len() < limit as usize {
		return Ok(None);
	}
	match page.last().and_then(|m| m.get("model_id")).and_then(Value::as_str) {
		Some(id) => Ok(Some(id.to_string())),
		None => Err(CliError::rpc("verity_models", "a model without a 'model_id'")),
	}
}

#[cfg(test)]
mod tests {
	use serde_json::json;

	use super::*;

	#[test]
	fn paging_stops_at_a_short_page() {
		let page: Vec<Value> = (0..3).map(|k| json!({ "model_id": format!("0x{k:02}") })).collect();
		assert_eq!(next_cursor(&page, 3).unwrap(), Some("0x02".to_string()));
		assert_eq!(next_cursor(&page, 4).unwrap(), None);
		assert_eq!(next_cursor(&[], 100).unwrap(), None);
		let bad = vec![json!({ "name": "x" })];
		assert_eq!(
			next_cursor(&bad, 1).unwrap_err().to_string(),
			"verity_models: a model without a 'model_id'"
		);
	}

	#[test]
	fn null_means_absent_and_arrays_are_checked() {
		assert_eq!(non_null(Value::Null), None);
		assert_eq!(non_null(json!({ "job_id": 1 })), Some(json!({ "job_id": 1 })));
		assert_eq!(as_array("m", json!([1, 2])).unwrap(), vec![json!(1), json!(2)]);
		assert_eq!(
			as_array("m", json!({})).unwrap_err().to_string(),
			"m: expected an array, got {}"
		);
	}
}
