//! `verity-node infer` end to end: the real binary on generated models and input files.

use std::{path::PathBuf, process::Command};

use verity_primitives::onnx::zoo;

fn bin() -> Command {
	Command::new(env!("CARGO_BIN_EXE_verity-node"))
}

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("verity-infer-{}", std::process::id()));
	std::fs::create_dir_all(&dir).expect("temp dir");
	let p = dir.join(name);
	std::fs::write(&p, bytes).expect("write temp file");
	p
}

fn input_json(n: usize) -> String {
	let data: Vec<String> = (0..n).map(|i| format!("{}", (i as f32) * 0.125 - 1.0)).collect();
	format!(r#"{{"dtype":"f32","shape":[1,{n}],"data":[{}]}}"#, data.join(","))
}

#[test]
fn infer_prints_outputs_and_trace_root_as_json() {
	let model = tmp("mlp.onnx", &zoo::mlp(&[16, 8, 4], 1).expect("model"));
	let input = tmp("x.json", input_json(16).as_bytes());
	let out = bin()
		.args(["infer", "--model"])
		.arg(&model)
		.arg("--input")
		.arg(&input)
		.args(["--engine", "both", "--json"])
		.output()
		.expect("runs");
	assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
	let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
	assert_eq!(v["nodes"], 5);
	let root = v["trace_root"].as_str().expect("trace_root");
	assert!(root.starts_with("0x") && root.len() == 66, "{root}");
	let o = &v["outputs"][0];
	assert_eq!(o["dtype"], "f32");
	assert_eq!(o["shape"], serde_json::json!([1, 4]));
	let sum: f64 = o["data"].as_array().expect("data").iter().filter_map(|x| x.as_f64()).sum();
	assert!((sum - 1.0).abs() < 1e-5, "softmax sums to {sum}");
	assert!(v["max_abs_diff"].as_f64().expect("max_abs_diff") < 1e-4);

	// The same run twice gives the same trace root.
	let again = bin()
		.args(["infer", "--model"])
		.arg(&model)
		.arg("--input")
		.arg(&input)
		.args(["--engine", "canonical", "--json"])
		.output()
		.expect("runs");
	let v2: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON");
	assert_eq!(v2["trace_root"], v["trace_root"]);
}

#[test]
fn bad_model_or_input_exits_non_zero_with_one_line() {
	let model = tmp("mlp2.onnx", &zoo::mlp(&[16, 4], 1).expect("model"));
	let bad_model = tmp("bad.onnx", b"\xff\xff\xff not a model");
	let wrong_shape = tmp("x15.json", input_json(15).as_bytes());
	let good = tmp("x16.json", input_json(16).as_bytes());
	for (m, i, needle) in [
		(&bad_model, &good, "malformed ONNX protobuf"),
		(&model, &wrong_shape, "expected f32 [1, 16]"),
	] {
		let out =
			bin().args(["infer", "--model"]).arg(m).arg("--input").arg(i).output().expect("runs");
		assert!(!out.status.success());
		let err = String::from_utf8_lossy(&out.stderr);
		let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
		assert_eq!(lines.len(), 1, "one line: {err}");
		assert!(lines[0].contains(needle), "{err}");
		assert!(!err.contains("panicked"), "{err}");
	}
}
