//! Text and JSON output of models, jobs and command results.
//!
//! `--json` prints the node's RPC objects as they are (one compact line each); text mode reads
//! the documented fields and shows `-` for any that is missing or null, so a newer node with
//! more fields still prints.

use serde_json::Value;

use crate::error::CliError;

/// Elements shown per tensor in text mode.
pub const TEXT_MAX_ELEMENTS: usize = 64;

/// The chain's unit and its decimals (the chain spec's `tokenSymbol`, `tokenDecimals`).
pub const UNIT: (&str, u32) = ("UNIT", 12);

/// An amount in planck as the chain's unit with its decimals, trailing zeros cut:
/// `1982115000000` is `1.982115 UNIT`.
pub fn units(planck: u128) -> String {
	let (symbol, decimals) = UNIT;
	let one = 10u128.pow(decimals);
	let (whole, frac) = (planck / one, planck % one);
	if frac == 0 {
		return format!("{whole} {symbol}");
	}
	let digits = format!("{frac:0width$}", width = decimals as usize);
	format!("{whole}.{} {symbol}", digits.trim_end_matches('0'))
}

/// Field `key` of `v` (an amount in planck) in the chain's unit, or as it is when it is not an
/// amount.
pub fn units_field(v: &Value, key: &str) -> String {
	u128_field(v, key).map(units).unwrap_or_else(|_| field(v, key))
}

/// An SS58 address with the name of the well-known dev account it is, if it is one:
/// `5GrwvaEF... (Alice)`.
pub fn who(address: &str) -> String {
	use subxt_signer::sr25519::dev;
	let named = [
		("Alice", dev::alice()),
		("Bob", dev::bob()),
		("Charlie", dev::charlie()),
		("Dave", dev::dave()),
		("Eve", dev::eve()),
		("Ferdie", dev::ferdie()),
	];
	for (name, key) in named {
		if key.public_key().to_account_id().to_string() == address {
			return format!("{address} ({name})");
		}
	}
	address.to_string()
}

/// Field `key` of `v`, an address, with its dev-account name.
pub fn who_field(v: &Value, key: &str) -> String {
	who(&field(v, key))
}

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
		format!("submitter    {}", who_field(j, "submitter")),
		format!("executor     {}", who_field(j, "executor")),
		format!(
			"fee          {} (royalty {} to {})",
			units_field(j, "fee"),
			units_field(j, "royalty"),
			who_field(j, "model_owner")
		),
		format!(
			"deposit      {} (for the job's data, until it is pruned)",
			units_field(j, "deposit")
		),
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
			if key == "outputs" {
				lines.extend(largest_text(&t["data"]));
			}
		}
	}
	lines.join("\n")
}

/// Where an output's largest element is (a classifier's predicted class), when the output
/// has more than one element and they are all numbers (a NaN anywhere: none is largest).
fn largest_text(data: &Value) -> Option<String> {
	let items = data.as_array().filter(|a| a.len() > 1)?;
	let values: Option<Vec<f64>> = items.iter().map(Value::as_f64).collect();
	let (at, v) = values?
		.into_iter()
		.enumerate()
		.try_fold(None::<(usize, f64)>, |best, (i, v)| match best {
			_ if v.is_nan() => Err(()),
			Some((_, b)) if b >= v => Ok(best),
			_ => Ok(Some((i, v))),
		})
		.ok()??;
	Some(format!("  largest: element {at} ({v})"))
}

/// A dispute game of `verity_dispute` as text: parties, bond, clocks and where it stands.
pub fn dispute_text(g: &Value) -> String {
	let phase = &g["phase"];
	[
		format!("game         {} on job {}", field(g, "game"), field(g, "job")),
		format!("challenger   {} (bond {})", who_field(g, "challenger"), units_field(g, "bond")),
		format!("executor     {}", who_field(g, "executor")),
		format!("trace root   {}", field(g, "trace_root")),
		format!("stands at    {}", phase_text(phase)),
		format!(
			"to move      {} (by block {}; clocks: executor {}, challenger {} blocks)",
			field(g, "to_move"),
			field(g, "deadline"),
			field(g, "executor_clock"),
			field(g, "challenger_clock")
		),
		format!("moves        {} since block {}", field(g, "moves"), field(g, "opened_at")),
	]
	.join("\n")
}

/// A game's phase in a few words: `Bisect node 2 output 0 (level 3, position 1 of 16 chunks)`.
pub fn phase_text(p: &Value) -> String {
	let name = field(p, "name");
	let at = || format!("node {} output {}", field(p, "node"), field(p, "output"));
	match name.as_str() {
		"Reveal" => "Reveal (the executor's list of output roots is owed)".into(),
		"Pick" => "Pick (the challenger names the node it disputes)".into(),
		"OpenOutput" => format!("OpenOutput {} (its chunks root is owed)", at()),
		"Bisect" | "Choose" => format!(
			"{name} {} (level {}, position {} of {} chunks)",
			at(),
			field(p, "level"),
			field(p, "position"),
			field(p, "leaves")
		),
		"Step" => format!("Step {} chunk {} (the one-step is owed)", at(), field(p, "chunk")),
		"OpenLeaf" | "PickElement" => format!("{name} {} chunk {}", at(), field(p, "chunk")),
		"ElementStep" => format!("ElementStep {} element {}", at(), field(p, "element")),
		other => other.to_string(),
	}
}

/// Dispute games as a table, one line each.
pub fn disputes_table(games: &[Value]) -> String {
	if games.is_empty() {
		return "no open disputes".into();
	}
	let mut lines =
		vec![format!("{:<6} {:<6} {:<12} {:<10} {}", "GAME", "JOB", "TO MOVE", "MOVES", "PHASE")];
	for g in games {
		lines.push(format!(
			"{:<6} {:<6} {:<12} {:<10} {}",
			field(g, "game"),
			field(g, "job"),
			field(g, "to_move"),
			field(g, "moves"),
			phase_text(&g["phase"])
		));
	}
	lines.join("\n")
}

/// An executor of `verity_executor` as text.
pub fn executor_text(e: &Value) -> String {
	let status = match (field(e, "status").as_str(), field(e, "until")) {
		("Suspended", until) => format!("Suspended until block {until}"),
		("Leaving", at) => format!("Leaving (bond withdrawable from block {at})"),
		(other, _) => other.to_string(),
	};
	[
		format!("executor     {}", who_field(e, "executor")),
		format!("bond         {}", units_field(e, "bond")),
		format!("status       {status}"),
		format!("open jobs    {}", field(e, "open_jobs")),
	]
	.join("\n")
}

#[cfg(test)]
mod tests;
