//! The adversarial corpus (`verity_primitives::onnx::adversarial`) through the real node:
//! `verity-node infer` refuses every over-budget model with one line naming the limit (no
//! abort, no signal) and runs every model the budget accepts; a dev node refuses their
//! registration with the pallet error of the limit while its blocks keep coming; and the
//! heavy RPC methods are refused when the RPC is restricted to safe methods.

use std::{
	path::PathBuf,
	process::{Command, Stdio},
	time::Duration,
};

use crate::common::{cli_path, ok_json, refused, Node, START_TIMEOUT};
use serde_json::json;
use verity_primitives::{
	cost::Limit,
	graph::{Graph, GraphError},
	onnx::adversarial::{corpus, Expect},
	tensor::DType,
};

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("verity-adversarial-{}", std::process::id()));
	std::fs::create_dir_all(&dir).expect("temp dir");
	let p = dir.join(name);
	std::fs::write(&p, bytes).expect("write temp file");
	p
}

/// A JSON input file of zeros (integers for integer inputs) of `shape`.
fn zeros(name: &str, dtype: DType, shape: &[u64]) -> PathBuf {
	let n: u64 = shape.iter().product();
	let data = vec!["0"; n as usize].join(",");
	let shape: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
	let json =
		format!(r#"{{"dtype":"{}","shape":[{}],"data":[{data}]}}"#, dtype.name(), shape.join(","));
	tmp(name, json.as_bytes())
}

#[test]
fn infer_refuses_or_runs_every_adversarial_model() {
	for case in corpus().expect("corpus") {
		let model = tmp(&format!("{}.onnx", case.name), &case.bytes);
		let mut cmd = Command::new(env!("CARGO_BIN_EXE_verity-node"));
		cmd.args(["infer", "--engine", "canonical", "--json", "--model"]).arg(&model);
		match Graph::from_onnx(&case.bytes) {
			Ok(g) => {
				for (k, i) in g.input_types().iter().enumerate() {
					let file = zeros(&format!("{}-{k}.json", case.name), i.dtype, &i.shape);
					cmd.arg("--input").arg(file);
				}
			},
			// Refused at import: the input is never read.
			Err(_) => {
				cmd.arg("--input").arg(zeros(&format!("{}-x.json", case.name), DType::F32, &[1]));
			},
		}
		let out = cmd.output().expect("verity-node runs");
		let stderr = String::from_utf8_lossy(&out.stderr);
		match case.expect {
			Expect::Runs => {
				assert!(out.status.success(), "{}: {stderr}", case.name);
				let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
				assert!(v["trace_root"].as_str().is_some(), "{}", case.name);
			},
			Expect::OverBudget(limit) => {
				assert_eq!(out.status.code(), Some(1), "{}: a clean exit, not a crash", case.name);
				assert!(stderr.contains("over budget"), "{}: {stderr}", case.name);
				assert!(stderr.contains(limit.name()), "{}: {stderr}", case.name);
				assert_eq!(stderr.trim().lines().count(), 1, "{}: one line: {stderr}", case.name);
			},
			Expect::Refused => {
				assert_eq!(out.status.code(), Some(1), "{}: a clean exit, not a crash", case.name);
				assert_eq!(stderr.trim().lines().count(), 1, "{}: one line: {stderr}", case.name);
			},
		}
	}
}

/// The pallet error registering a model refused with `e` gives.
fn pallet_error(e: &GraphError) -> &'static str {
	match e {
		GraphError::Decode(_) => "Models.MalformedModel",
		GraphError::TooLarge { .. } => "Models.TooLarge",
		GraphError::Unsupported(_) => "Models.UnsupportedModel",
		GraphError::Invalid(_) => "Models.InvalidModel",
		GraphError::OverBudget { limit, .. } => match limit {
			Limit::ModelWork | Limit::Overflow => "Models.TooMuchWork",
			Limit::PeakMemory | Limit::NodeMemory => "Models.TooMuchMemory",
			Limit::ChunkFanIn => "Models.FanInTooLarge",
			Limit::FoldWork | Limit::FoldBytes => "Models.TooMuchFolding",
		},
	}
}

fn best_block(node: &Node) -> Option<u64> {
	node.rpc("chain_getHeader", json!([])).ok().and_then(|h| crate::common::header_number(&h))
}

fn finalized_block(node: &Node) -> Option<u64> {
	let hash = node.rpc("chain_getFinalizedHead", json!([])).ok()?;
	node.rpc("chain_getHeader", json!([hash])).ok().and_then(|h| crate::common::header_number(&h))
}

/// Every adversarial model that fits one extrinsic is registered at once, each from its own
/// dev account: the refused ones fail with their pallet error, the others register, and the
/// chain keeps producing blocks (before the cost model, one such model stopped block
/// production for good).
#[test]
fn a_dev_node_refuses_adversarial_models_and_keeps_producing_blocks() {
	let node = Node::start(&["--dev", "--tmp"]);
	let first = node.wait_for(START_TIMEOUT, |n| best_block(n).filter(|b| *b >= 1));
	assert!(first.is_some(), "no block; log:\n{}", node.log_tail(40));
	let suris = [
		"//Alice",
		"//Bob",
		"//Charlie",
		"//Dave",
		"//Eve",
		"//Ferdie",
		"//Alice//stash",
		"//Bob//stash",
		"//Charlie//stash",
		"//Dave//stash",
		"//Eve//stash",
		"//Ferdie//stash",
	];
	// One extrinsic each (the 4 MiB model would need a chunked upload: the primitives' and
	// wasm tests cover it), in batches of one per funded dev account.
	let cases: Vec<_> =
		corpus().expect("corpus").into_iter().filter(|c| c.bytes.len() <= 2 << 20).collect();
	assert!(cases.len() >= 15, "{} cases", cases.len());
	let url = format!("ws://127.0.0.1:{}", node.rpc_port);
	for batch in cases.chunks(suris.len()) {
		let children: Vec<_> = batch
			.iter()
			.zip(suris)
			.map(|(case, suri)| {
				let file = tmp(&format!("chain-{}.onnx", case.name), &case.bytes);
				Command::new(cli_path())
					.args(["--url", &url, "--suri", suri, "--json", "model", "register"])
					.arg(file)
					.stdout(Stdio::piped())
					.stderr(Stdio::piped())
					.spawn()
					.expect("the CLI starts")
			})
			.collect();
		for (case, mut child) in batch.iter().zip(children) {
			// The CLI waits for inclusion with no limit of its own: bound it here.
			let start = std::time::Instant::now();
			while child.try_wait().ok().flatten().is_none() {
				if start.elapsed() > Duration::from_secs(180) {
					let _ = child.kill();
					panic!("{}: the CLI did not finish; log:\n{}", case.name, node.log_tail(40));
				}
				std::thread::sleep(Duration::from_millis(200));
			}
			let out = child.wait_with_output().expect("the CLI finishes");
			match Graph::from_onnx(&case.bytes) {
				Ok(_) => {
					ok_json(&out, case.name);
				},
				Err(e) => refused(&out, pallet_error(&e)),
			}
		}
		// The CLI returns once its transaction is in a best block. Under load a best block
		// can be retracted, and the next batch's transaction of the same account would then
		// take the same nonce (the pool reports it usurped): the next batch starts from a
		// finalized chain.
		let best = best_block(&node).expect("the node answers");
		let finalized =
			node.wait_for(Duration::from_secs(120), |n| finalized_block(n).filter(|f| *f >= best));
		assert!(
			finalized.is_some(),
			"no finality; log:
{}",
			node.log_tail(40)
		);
	}
	// Blocks keep coming after every refusal, and the node is up.
	let after = best_block(&node).expect("the node answers");
	let later =
		node.wait_for(Duration::from_secs(120), |n| best_block(n).filter(|b| *b >= after + 2));
	assert!(later.is_some(), "block production stopped; log:\n{}", node.log_tail(40));
	assert!(!node.log_tail(10_000).contains("panicked"), "{}", node.log_tail(40));
}

/// `verity_dryRun` and `verity_traceData` run models: unsafe methods, refused when the RPC
/// serves safe methods only (the default for an external RPC); safe methods still answer.
#[test]
fn heavy_rpc_methods_are_unsafe() {
	let node = Node::start(&["--dev", "--tmp", "--rpc-methods", "safe"]);
	let up = node.wait_for(START_TIMEOUT, best_block);
	assert!(up.is_some(), "no RPC; log:\n{}", node.log_tail(40));
	let id = format!("0x{}", "00".repeat(32));
	for (method, params) in
		[("verity_dryRun", json!([id, []])), ("verity_traceData", json!([0, null, null, null]))]
	{
		let e = node.rpc(method, params).expect_err("refused");
		assert!(e.contains("-32601") && e.contains("unsafe"), "{method}: {e}");
	}
	assert_eq!(node.rpc("verity_model", json!([id])), Ok(json!(null)));
}
