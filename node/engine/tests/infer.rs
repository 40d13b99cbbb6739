//! The `infer` command: its JSON report and its command line.

mod common;

use clap::Parser;
use common::*;
use serde_json::Value;
use verity_engine::{infer, io, BudgetChoice, EngineChoice, InferCmd};

#[derive(Parser)]
struct Cli {
	#[command(flatten)]
	infer: InferCmd,
}

fn is_root(v: &Value) -> bool {
	let s = v.as_str().unwrap_or("");
	s.len() == 66 && s.starts_with("0x") && s[2..].chars().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn json_report_has_the_documented_shape() {
	let model = load(&lenet_bytes());
	let inputs = random_inputs(&model, 5, 1.0);
	let trace = model.run_canonical(&inputs, false).unwrap();

	let both = infer(&model, &inputs, EngineChoice::Both).unwrap().to_json();
	let obj = both.as_object().unwrap();
	let mut keys: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
	keys.sort();
	assert_eq!(keys, ["max_abs_diff", "nodes", "outputs", "trace_root"]);
	assert!(is_root(&both["trace_root"]), "{}", both["trace_root"]);
	assert_eq!(both["nodes"], Value::from(model.graph().nodes.len()));
	assert!(both["max_abs_diff"].as_f64().unwrap() < 1e-4);
	let out = &both["outputs"][0];
	assert_eq!(out.as_object().unwrap().len(), 4);
	assert_eq!(out["name"], "y");
	assert_eq!(out["dtype"], "f32");
	assert_eq!(out["shape"], serde_json::json!([1, 10]));
	// The printed outputs are the canonical ones, bit for bit.
	let data: Vec<f32> =
		out["data"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
	assert_eq!(data, trace.outputs[0].as_f32().unwrap());

	let canonical = infer(&model, &inputs, EngineChoice::Canonical).unwrap().to_json();
	assert_eq!(canonical["trace_root"], both["trace_root"]);
	assert_eq!(canonical["outputs"], both["outputs"]);
	assert!(canonical.get("max_abs_diff").is_none());

	let tract = infer(&model, &inputs, EngineChoice::Tract).unwrap().to_json();
	let keys: Vec<&String> = tract.as_object().unwrap().keys().collect();
	assert_eq!(keys, ["outputs"]);
	assert_eq!(tract["outputs"][0]["shape"], serde_json::json!([1, 10]));
}

#[test]
fn json_text_is_one_line_in_key_order() {
	let model = load(&mlp_bytes());
	let inputs = random_inputs(&model, 5, 1.0);
	let report = infer(&model, &inputs, EngineChoice::Both).unwrap();
	let text = report.to_json_string();
	assert!(!text.contains('\n'));
	assert!(text.starts_with(
		"{\"outputs\":[{\"name\":\"y\",\"dtype\":\"f32\",\"shape\":[1,10],\"data\":["
	));
	let (t, n, m) = (
		text.find("\"trace_root\"").unwrap(),
		text.find("\"nodes\"").unwrap(),
		text.find("\"max_abs_diff\"").unwrap(),
	);
	assert!(t < n && n < m, "{text}");
	let parsed: Value = serde_json::from_str(&text).unwrap();
	assert_eq!(parsed, report.to_json());
	// Non-finite floats are strings, so the output stays valid JSON.
	let mut r = report.clone();
	r.outputs[0].1 =
		verity_primitives::tensor::Tensor::f32(vec![3], vec![f32::NAN, f32::INFINITY, -1.5])
			.unwrap();
	assert_eq!(r.to_json()["outputs"][0]["data"], serde_json::json!(["NaN", "inf", -1.5]));
	let text = report.to_text();
	assert!(text.contains("output 0 'y': f32 [1, 10]"), "{text}");
	assert!(text.contains("trace root: 0x"), "{text}");
}

#[test]
fn command_line_runs_from_files() {
	let dir = temp_dir("infer-cli");
	let model_path = dir.join("qmlp.onnx");
	std::fs::write(&model_path, qmlp_bytes()).unwrap();
	let model = load(&qmlp_bytes());
	let inputs = random_inputs(&model, 11, 1.0);
	let input_path = dir.join("x.pb");
	io::write_tensor(&input_path, "x", &inputs[0]).unwrap();

	let cli = Cli::try_parse_from([
		"infer",
		"--model",
		model_path.to_str().unwrap(),
		"--input",
		input_path.to_str().unwrap(),
		"--json",
	])
	.unwrap();
	assert_eq!(cli.infer.engine, EngineChoice::Both);
	assert!(cli.infer.json);
	let report = cli.infer.infer().unwrap();
	let direct = infer(&model, &inputs, EngineChoice::Both).unwrap();
	assert_eq!(report, direct);

	let canonical = Cli::try_parse_from([
		"infer",
		"--model",
		model_path.to_str().unwrap(),
		"--input",
		input_path.to_str().unwrap(),
		"--engine",
		"canonical",
	])
	.unwrap();
	assert_eq!(canonical.infer.engine, EngineChoice::Canonical);
	assert_eq!(canonical.infer.infer().unwrap().trace_root, direct.trace_root);
	assert!(Cli::try_parse_from(["infer", "--model", "m", "--engine", "fast"]).is_err());

	// Too few inputs: the graph's message.
	let mut none = cli.infer.clone();
	none.inputs.clear();
	assert_eq!(
		none.infer().unwrap_err().to_string(),
		"inputs do not fit the model: the model takes 1 inputs, 0 given"
	);
	// A missing model file names the file.
	let mut missing = cli.infer.clone();
	missing.model = dir.join("nope.onnx");
	assert!(missing.infer().unwrap_err().to_string().contains("nope.onnx"));
	std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn model_size_and_budget_are_settings() {
	// 2000 × 1100 and 1100 × 2000 weights: 17.6 MB, over the engine's default 16 MiB, and a dispute step of
	// its first layer reads more than the chain's budget allows.
	let bytes = verity_primitives::onnx::zoo::mlp(&[2000, 1100, 2000, 10], 3).unwrap();
	let max = verity_primitives::limits::MAX_MODEL_BYTES;
	assert!(bytes.len() > max);
	let dir = temp_dir("infer-large");
	let model_path = dir.join("large.onnx");
	std::fs::write(&model_path, &bytes).unwrap();
	let input_path = dir.join("x.npy");
	let x = verity_primitives::tensor::Tensor::f32(vec![1, 2000], vec![0.5; 2000]).unwrap();
	io::write_tensor(&input_path, "x", &x).unwrap();
	let parse = |extra: &[&str]| {
		let mut args = vec!["infer", "--model", model_path.to_str().unwrap(), "--input"];
		args.push(input_path.to_str().unwrap());
		args.extend_from_slice(extra);
		Cli::try_parse_from(args).unwrap().infer
	};

	let default = parse(&[]);
	assert_eq!(default.max_model_mib, 16);
	assert_eq!(default.budget, BudgetChoice::Default);
	assert_eq!(
		default.infer().unwrap_err().to_string(),
		format!(
			"canonical import: model of {} bytes exceeds the limit of {max} bytes",
			bytes.len()
		)
	);
	let sized = parse(&["--max-model-mib", "32"]).infer().unwrap_err().to_string();
	assert!(sized.contains("over budget") && sized.contains("fan-in"), "{sized}");

	let report = parse(&["--max-model-mib", "32", "--budget", "unlimited"]).infer().unwrap();
	assert!(report.trace_root.is_some());
	assert!(report.max_abs_diff.unwrap() < 1e-4);
	let canonical =
		parse(&["--max-model-mib", "32", "--budget", "unlimited", "--engine", "canonical"]);
	assert_eq!(canonical.infer().unwrap().trace_root, report.trace_root);

	// A limit under a small model's size refuses it too, after reading at most one byte more.
	let small = parse(&["--max-model-mib", "0"]);
	assert!(small.infer().unwrap_err().to_string().ends_with("exceeds the limit of 0 bytes"));
	std::fs::remove_dir_all(dir).unwrap();
}
