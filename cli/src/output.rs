//! Text and JSON output of models, jobs and command results.
//!
//! `--json` prints the node's RPC objects as they are (one compact line each); text mode reads
//! the documented fields and shows `-` for any that is missing or null, so a newer node with
//! more fields still prints.

use serde_json::Value;

use crate::error::CliError;

/// Elements shown per tensor in text mode.
pub const TEXT_MAX_ELEMENTS: usize = 64;

/// `v` as one line of compact JSON.
pub fn json_line(v: &Value) -> String {
	v.to_string()
}

/// Field `key` of `v` as text: strings bare, numbers and booleans as JSON, `-` when absent or
/// null.
pub fn field(v: &Value, key: &str) -> String {
	scalar_text(v.get(key).unwrap_or(&Value::Null))
}

fn scalar_text(v: &Value) -> String {
	match v {
		Value::Null => "-".into(),
		Value::String(s) => s.clone(),
		other => other.to_string(),
	}
}

/// Field `key` of `v`, an amount the node sends as a decimal string (or a number).
pub fn u128_field(v: &Value, key: &str) -> Result<u128, CliError> {
	let bad = || CliError::Chain(format!("field '{key}' is not an amount: {}", field(v, key)));
	match v.get(key) {
		Some(Value::String(s)) => s.parse().map_err(|_| bad()),
		Some(Value::Number(n)) => n.as_u64().map(u128::from).ok_or_else(bad),
		_ => Err(bad()),
	}
}

/// `[1, 16]` of a JSON shape array.
fn shape_text(v: &Value) -> String {
	match v.as_array() {
		Some(dims) => format!("[{}]", dims.iter().map(scalar_text).collect::<Vec<_>>().join(", ")),
		None => "-".into(),
	}
}

/// `name: dtype [shape]` of each tensor spec in the array `key` of `v`.
fn specs_text(v: &Value, key: &str) -> Vec<String> {
	let items = v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
	items
		.iter()
		.map(|s| format!("{}: {} {}", field(s, "name"), field(s, "dtype"), shape_text(&s["shape"])))
		.collect()
}

/// The first [`TEXT_MAX_ELEMENTS`] elements of a flat `data` array.
fn data_text(v: &Value) -> String {
	let items = v.as_array().map(Vec::as_slice).unwrap_or(&[]);
	let shown: Vec<String> = items.iter().take(TEXT_MAX_ELEMENTS).map(scalar_text).collect();
	let more = items.len().saturating_sub(TEXT_MAX_ELEMENTS);
	let tail = if more > 0 { format!(", ... ({more} more)") } else { String::new() };
	format!("[{}{tail}]", shown.join(", "))
}

/// A model object of `verity_model` as text, one `label value` line per field.
pub fn model_text(m: &Value) -> String {
	let mut lines = vec![
		format!("model        {}", field(m, "model_id")),
		format!("name         {} (version {})", field(m, "name"), field(m, "version")),
		format!("status       {}", field(m, "status")),
		format!("owner        {}", field(m, "owner")),
		format!(
			"size         {} bytes, {} nodes ({} bytes of canonical graph)",
			field(m, "size"),
			field(m, "nodes"),
			field(m, "graph_size")
		),
		format!(
			"cost         {} units of work, {} bytes peak memory, one-step fan-in {}",
			field(m, "work"),
			field(m, "peak_memory"),
			field(m, "max_fan_in")
		),
		format!("price        {} (job cost {})", field(m, "price"), field(m, "job_cost")),
		format!("deposit      {}", field(m, "deposit")),
		format!("open jobs    {}", field(m, "open_jobs")),
		format!("registered   block {}", field(m, "registered_at")),
	];
	for (label, key) in [("input", "inputs"), ("output", "outputs")] {
		for (k, spec) in specs_text(m, key).into_iter().enumerate() {
			lines.push(format!("{:<13}{spec}", format!("{label} {k}")));
		}
	}
	lines.join("\n")
}

/// Models of `verity_models` as a table, one row each.
pub fn models_table(models: &[Value]) -> String {
	if models.is_empty() {
		return "no models".into();
	}
	let rows: Vec<[String; 6]> = models
		.iter()
		.map(|m| {
			[
				field(m, "model_id"),
				field(m, "name"),
				field(m, "version"),
				field(m, "status"),
				field(m, "nodes"),
				field(m, "job_cost"),
			]
		})
		.collect();
	let header = ["MODEL", "NAME", "VERSION", "STATUS", "NODES", "JOB COST"].map(String::from);
	let widths: Vec<usize> = (0..6)
		.map(|c| rows.iter().chain([&header]).map(|r| r[c].chars().count()).max().unwrap_or(0))
		.collect();
	std::iter::once(&header)
		.chain(rows.iter())
		.map(|r| {
			let cells: Vec<String> =
				r.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
			cells.join("  ").trim_end().to_string()
		})
		.collect::<Vec<_>>()
		.join("\n")
}

/// A job object of `verity_job` as text: status, parties, fees, then inputs and outputs.
pub fn job_text(j: &Value) -> String {
	let mut lines = vec![
		format!("job          {}", field(j, "job_id")),
		format!("status       {} (attempt {})", field(j, "status"), field(j, "attempts")),
		format!("model        {}", field(j, "model")),
		format!("submitter    {}", field(j, "submitter")),
		format!("executor     {}", field(j, "executor")),
		format!(
			"fee          {} (royalty {} to {})",
			field(j, "fee"),
			field(j, "royalty"),
			field(j, "model_owner")
		),
		format!("deposit      {} (for the job's data, until it is pruned)", field(j, "deposit")),
		format!("submitted    block {} (due block {})", field(j, "submitted_at"), field(j, "due")),
	];
	if !j.get("trace_root").is_none_or(Value::is_null) {
		lines.push(format!(
			"executed     block {}: trace root {} ({} nodes)",
			field(j, "executed_at"),
			field(j, "trace_root"),
			field(j, "nodes")
		));
	}
	if let Some(f) = j.get("failure").filter(|f| !f.is_null()) {
		lines.push(format!(
			"failed       node {} fails on these inputs: {}",
			field(f, "node"),
			field(f, "reason")
		));
	}
	for (label, key) in [("input", "inputs"), ("output", "outputs")] {
		let items = j.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[]);
		for (k, t) in items.iter().enumerate() {
			lines.push(format!(
				"{label} {k} '{}': {} {}",
				field(t, "name"),
				field(t, "dtype"),
				shape_text(&t["shape"])
			));
			lines.push(format!("  {}", data_text(&t["data"])));
		}
	}
	lines.join("\n")
}

#[cfg(test)]
mod tests;
