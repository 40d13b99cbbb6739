//! Unit tests of the text and JSON output.

use serde_json::{json, Value};

use super::*;

fn model() -> Value {
	json!({
		"model_id": "0xaa", "owner": "5Alice", "name": "mlp", "version": 2, "price": "10",
		"deposit": "1000", "size": 3406, "graph_size": 3390, "nodes": 7,
		"work": 471356, "peak_memory": 945928, "max_fan_in": 100416,
		"inputs": [{"name": "x", "dtype": "f32", "shape": [1, 16]}],
		"outputs": [{"name": "y", "dtype": "f32", "shape": [1, 10]}],
		"status": "Active", "open_jobs": 0, "registered_at": 5, "job_cost": "4010"
	})
}

fn job(status: &str) -> Value {
	json!({
		"job_id": 3, "status": status, "model": "0xaa", "submitter": "5Bob", "executor": "5Eve",
		"model_owner": "5Alice", "fee": "4000", "royalty": "10", "deposit": "24", "attempts": 1,
		"submitted_at": 5, "due": 15,
		"trace_root": if status == "Assigned" { Value::Null } else { json!("0xbeef") },
		"nodes": 7, "executed_at": 8,
		"inputs": [{"name": "x", "dtype": "i64", "shape": [2], "data": [1, -2]}],
		"outputs": if status == "Assigned" { Value::Null } else {
			json!([{"name": "y", "dtype": "f32", "shape": [2], "data": [0.5, "NaN"]}])
		}
	})
}

#[test]
fn json_is_the_object_on_one_line() {
	let m = model();
	let line = json_line(&m);
	assert!(!line.contains('\n'));
	assert_eq!(serde_json::from_str::<Value>(&line).unwrap(), m);
}

#[test]
fn fields_render_strings_bare_and_absent_as_dash() {
	let m = model();
	assert_eq!(field(&m, "name"), "mlp");
	assert_eq!(field(&m, "size"), "3406");
	assert_eq!(field(&m, "missing"), "-");
	assert_eq!(field(&json!({"x": null}), "x"), "-");
	assert_eq!(u128_field(&m, "job_cost").unwrap(), 4010);
	let big = json!({"fee": u128::MAX.to_string()});
	assert_eq!(u128_field(&big, "fee").unwrap(), u128::MAX);
	assert_eq!(u128_field(&json!({"fee": 12}), "fee").unwrap(), 12);
	let e = u128_field(&json!({"fee": "1.5"}), "fee").unwrap_err();
	assert_eq!(e.to_string(), "field 'fee' is not an amount: 1.5");
	assert!(u128_field(&json!({"fee": -1}), "fee").is_err());
	assert!(u128_field(&m, "nothing").is_err());
}

#[test]
fn model_text_shows_every_field_and_the_io_specs() {
	let text = model_text(&model());
	let lines: Vec<&str> = text.lines().collect();
	assert_eq!(lines[0], "model        0xaa");
	assert_eq!(lines[1], "name         mlp (version 2)");
	assert!(
		lines.contains(&"size         3406 bytes, 7 nodes (3390 bytes of canonical graph)"),
		"{text}"
	);
	assert!(lines.contains(&"price        10 (job cost 4010)"), "{text}");
	assert!(
		lines.contains(
			&"cost         471356 units of work, 945928 bytes peak memory, one-step fan-in 100416"
		),
		"{text}"
	);
	assert!(lines.contains(&"input 0      x: f32 [1, 16]"), "{text}");
	assert!(lines.contains(&"output 0     y: f32 [1, 10]"), "{text}");
}

#[test]
fn models_table_aligns_columns() {
	let mut second = model();
	second["model_id"] = json!("0xbbbbbbbb");
	second["name"] = json!("lenet");
	let table = models_table(&[model(), second]);
	let lines: Vec<&str> = table.lines().collect();
	assert_eq!(lines.len(), 3);
	assert_eq!(lines[0], "MODEL       NAME   VERSION  STATUS  NODES  JOB COST");
	assert_eq!(lines[1], "0xaa        mlp    2        Active  7      4010");
	assert_eq!(lines[2], "0xbbbbbbbb  lenet  2        Active  7      4010");
	assert_eq!(models_table(&[]), "no models");
}

#[test]
fn job_text_shows_status_result_and_tensors() {
	let text = job_text(&job("Finalized"));
	assert!(text.starts_with("job          3\nstatus       Finalized (attempt 1)\n"), "{text}");
	assert!(
		text.contains("fee          0.000000004 UNIT (royalty 0.00000000001 UNIT to 5Alice)"),
		"{text}"
	);
	assert!(text.contains("executed     block 8: trace root 0xbeef (7 nodes)"), "{text}");
	assert!(text.contains("input 0 'x': i64 [2]\n  [1, -2]"), "{text}");
	assert!(text.contains("output 0 'y': f32 [2]\n  [0.5, NaN]"), "{text}");
	// A NaN has no order: no element is named largest.
	assert!(!text.contains("largest"), "{text}");
	assert!(text.contains("deposit      0.000000000024 UNIT (for the job's data"), "{text}");
	assert!(!text.contains("failed"), "{text}");
	// Before execution there is no result to show.
	let text = job_text(&job("Assigned"));
	assert!(!text.contains("trace root") && !text.contains("output"), "{text}");
}

#[test]
fn job_text_shows_a_failed_result() {
	let mut j = job("Executed");
	j["outputs"] = Value::Null;
	j["nodes"] = json!(2);
	j["failure"] = json!({"node": 2, "reason": "Gather: gather index 10 of 10"});
	let text = job_text(&j);
	assert!(text.contains("trace root 0xbeef (2 nodes)"), "{text}");
	assert!(
		text.contains("failed       node 2 fails on these inputs: Gather: gather index 10 of 10"),
		"{text}"
	);
}

#[test]
fn a_classifier_output_names_its_largest_element() {
	let mut j = job("Finalized");
	j["outputs"] =
		json!([{"name": "y", "dtype": "f32", "shape": [1, 4], "data": [0.1, 0.7, 0.7, 0.2]}]);
	let text = job_text(&j);
	// The first of equal largest elements.
	assert!(text.ends_with("  [0.1, 0.7, 0.7, 0.2]\n  largest: element 1 (0.7)"), "{text}");
	// One element is no classification.
	j["outputs"] = json!([{"name": "y", "dtype": "f32", "shape": [1], "data": [0.5]}]);
	assert!(!job_text(&j).contains("largest"));
}

#[test]
fn long_tensors_are_cut_in_text() {
	let data: Vec<u32> = (0..100).collect();
	let t = json!({"name": "z", "dtype": "u8", "shape": [100], "data": data});
	let mut j = job("Executed");
	j["outputs"] = json!([t]);
	let text = job_text(&j);
	let line = text.lines().rev().nth(1).unwrap();
	assert!(line.starts_with("  [0, 1, 2,") && line.ends_with("62, 63, ... (36 more)]"), "{line}");
	// The largest element is found among all of them, not only those shown.
	assert!(text.ends_with("\n  largest: element 99 (99)"), "{text}");
}

#[test]
fn amounts_show_in_units_and_dev_accounts_by_name() {
	assert_eq!(units(1_982_115_000_000), "1.982115 UNIT");
	assert_eq!(units(0), "0 UNIT");
	assert_eq!(units(50_000_000_000_000), "50 UNIT");
	assert_eq!(units(1), "0.000000000001 UNIT");
	assert_eq!(units(u128::MAX), "340282366920938463463374607.431768211455 UNIT");
	let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	assert_eq!(who(alice), format!("{alice} (Alice)"));
	assert_eq!(who("5Unknown"), "5Unknown");
}

#[test]
fn a_dispute_shows_where_it_stands() {
	let g = json!({
		"game": 4, "job": 9, "challenger": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"executor": "5Eve", "trace_root": "0xab", "bond": "100000000000000",
		"phase": {"name": "Bisect", "node": 2, "output": 0, "level": 3, "position": 1, "leaves": 16},
		"to_move": "executor", "moves": 5, "executor_clock": 97, "challenger_clock": 98,
		"deadline": 130, "opened_at": 120,
	});
	let text = dispute_text(&g);
	assert!(text.starts_with("game         4 on job 9\n"), "{text}");
	assert!(text.contains("(Alice) (bond 100 UNIT)"), "{text}");
	assert!(
		text.contains("stands at    Bisect node 2 output 0 (level 3, position 1 of 16 chunks)"),
		"{text}"
	);
	assert!(text.contains("to move      executor (by block 130"), "{text}");
	let table = disputes_table(&[g]);
	assert!(table.lines().nth(1).unwrap().starts_with("4      9      executor"), "{table}");
	assert_eq!(disputes_table(&[]), "no open disputes");
	let e = json!({"executor": "5Eve", "bond": "950000000000000", "status": "Suspended", "until": 14500, "open_jobs": 0});
	let text = executor_text(&e);
	assert!(
		text.contains("bond         950 UNIT") && text.contains("Suspended until block 14500"),
		"{text}"
	);
}
