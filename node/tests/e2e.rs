//! End to end on a real dev node, through the `verity` CLI: a model is registered, refused jobs
//! hold nothing, a job runs in Alice's off-chain worker and becomes final, its on-chain output
//! equals `verity-node infer`, and every balance moves exactly by the fee, royalty, bond and
//! deposit rules.

use std::process::Command;

use crate::common::{
	amount, cli_path, hex, ok_json, refused, unhex, verity, write, Node, START_TIMEOUT,
};
use codec::{Decode, Encode};
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, H256};
use sp_io::hashing;
use sp_keyring::Sr25519Keyring;
use verity_primitives::{graph::Graph, onnx::zoo};
use verity_runtime::{Balance, MICRO_UNIT, MILLI_UNIT, UNIT};

/// Royalty of the test model.
const PRICE: Balance = 5 * MILLI_UNIT;

/// Free and reserved (held) balance of `who`, read from `System.Account`.
fn balance(node: &Node, who: Sr25519Keyring) -> (Balance, Balance) {
	let account = who.to_account_id();
	let id: &[u8] = account.as_ref();
	let key = [
		&hashing::twox_128(b"System")[..],
		&hashing::twox_128(b"Account"),
		&hashing::blake2_128(id),
		id,
	]
	.concat();
	let hex_key = format!("0x{}", hex(&key));
	let value = node.rpc("state_getStorage", json!([hex_key])).expect("state_getStorage");
	let bytes = unhex(value.as_str().expect("the account exists"));
	let (_nonce, _consumers, _providers, _sufficients, free, reserved, _frozen, _flags) =
		<(u32, u32, u32, u32, u128, u128, u128, u128)>::decode(&mut &bytes[..])
			.expect("AccountInfo");
	(free, reserved)
}

fn input(shape: &str, dtype: &str, n: usize) -> String {
	let value = |i: usize| match dtype {
		"f32" => format!("{}", (i as f32) * 0.25 - 2.0),
		_ => format!("{i}"),
	};
	let data: Vec<String> = (0..n).map(value).collect();
	format!(r#"{{"dtype":"{dtype}","shape":{shape},"data":[{}]}}"#, data.join(","))
}

#[test]
fn register_submit_finalize_through_the_cli() {
	let dir = std::env::temp_dir().join(format!("verity-e2e-{}", std::process::id()));
	std::fs::create_dir_all(&dir).expect("temp dir");
	let bytes = zoo::mlp(&[16, 8, 4], 11).expect("model");
	let model_file = write(&dir, "mlp.onnx", &bytes);
	let good = write(&dir, "x.json", input("[1,16]", "f32", 16).as_bytes());
	let bad_shape = write(&dir, "shape.json", input("[1,15]", "f32", 15).as_bytes());
	let bad_dtype = write(&dir, "dtype.json", input("[1,16]", "i32", 16).as_bytes());

	let node = Node::start(&["--dev", "--tmp"]);
	let started = node.wait_for(START_TIMEOUT, |n| {
		n.rpc("chain_getHeader", json!([]))
			.ok()
			.and_then(|h| crate::common::header_number(&h))
			.filter(|b| *b >= 1)
	});
	assert!(started.is_some(), "no block; log:\n{}", node.log_tail(40));
	let (alice, bob, charlie) =
		(Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie);
	let alice_before = balance(&node, alice);

	// Bob registers the model; his deposit is 0.1 UNIT + 1 µUNIT per byte of ONNX and of
	// canonical graph (its SCALE structure without the constants' data, plus that data), held.
	let bob_before = balance(&node, bob);
	let price = PRICE.to_string();
	let out = verity(
		&node,
		"//Bob",
		&["model", "register", &model_file, "--name", "mlp", "--price", &price],
	);
	let model_id =
		ok_json(&out, "model register")["model_id"].as_str().expect("model_id").to_string();
	assert_eq!(model_id, format!("0x{}", hex(&hashing::blake2_256(&bytes))));
	let model = ok_json(&verity(&node, "//Bob", &["model", "show", &model_id]), "model show");
	let mut graph = Graph::from_onnx(&bytes).expect("the model is valid");
	// The dispute index is paid for too: each node's entry, the layout, a root per constant.
	let index_size: usize =
		graph.step_nodes().expect("index").iter().map(|n| n.encode().len()).sum::<usize>()
			+ graph.trace_layout().expect("layout").encode().len()
			+ 32 * graph.constants.len();
	let data: usize = graph.constants.iter().map(|(_, t)| t.data.len()).sum();
	graph.constants.iter_mut().for_each(|(_, t)| t.data.clear());
	let graph_size = graph.encode().len() + data;
	assert_eq!(model["graph_size"], json!(graph_size));
	let deposit =
		100 * MILLI_UNIT + MICRO_UNIT * (bytes.len() + graph_size + index_size) as Balance;
	assert_eq!(amount(&model["deposit"]), deposit);
	let bob_registered = balance(&node, bob);
	assert_eq!(bob_registered.1, bob_before.1 + deposit, "Bob's deposit is held");
	refused(
		&verity(&node, "//Bob", &["model", "register", &model_file]),
		"Models.AlreadyRegistered",
	);

	// Refused jobs hold nothing and create no job.
	let charlie_before = balance(&node, charlie);
	let fee = amount(&model["job_cost"]).to_string();
	refused(
		&verity(
			&node,
			"//Charlie",
			&["job", "submit", "--model", &model_id, "--input", &bad_shape, "--max-fee", &fee],
		),
		"Inference.WrongInputShape",
	);
	refused(
		&verity(
			&node,
			"//Charlie",
			&["job", "submit", "--model", &model_id, "--input", &bad_dtype, "--max-fee", &fee],
		),
		"Inference.WrongInputDtype",
	);
	let unknown = format!("{:?}", H256::repeat_byte(0xab));
	refused(
		&verity(
			&node,
			"//Charlie",
			&["job", "submit", "--model", &unknown, "--input", &good, "--max-fee", &fee],
		),
		"Models.UnknownModel",
	);
	// A model whose royalty exceeds what Charlie has.
	let pricey_bytes = zoo::mlp(&[16, 8, 4], 12).expect("model");
	let pricey_file = write(&dir, "pricey.onnx", &pricey_bytes);
	let too_much = (2_000_000 * UNIT).to_string();
	let pricey = ok_json(
		&verity(&node, "//Bob", &["model", "register", &pricey_file, "--price", &too_much]),
		"register the pricey model",
	)["model_id"]
		.as_str()
		.expect("model_id")
		.to_string();
	refused(
		&verity(&node, "//Charlie", &["job", "submit", "--model", &pricey, "--input", &good]),
		"FundsUnavailable",
	);
	let charlie_refused = balance(&node, charlie);
	// Bob sends no transaction from here on.
	let bob_ready = balance(&node, bob);
	assert_eq!(charlie_refused.1, charlie_before.1, "nothing held after refused jobs");
	let charlie_id = charlie.to_account_id().to_ss58check();
	let jobs =
		node.rpc("verity_accountJobs", json!([charlie_id, null, null])).expect("accountJobs");
	assert_eq!(jobs, json!([]), "no job was created");

	// A good job: fee and royalty held from Charlie.
	let out =
		verity(&node, "//Charlie", &["job", "submit", "--model", &model_id, "--input", &good]);
	let job_id = ok_json(&out, "job submit")["job_id"].as_u64().expect("job_id");
	let job =
		ok_json(&verity(&node, "//Charlie", &["job", "show", &job_id.to_string()]), "job show");
	let (job_fee, royalty) = (amount(&job["fee"]), amount(&job["royalty"]));
	assert_eq!(royalty, PRICE);
	// The data deposit: 1 µUNIT per byte of the model's inputs and outputs (f32 here).
	let spec_bytes = |specs: &serde_json::Value| -> Balance {
		let specs = specs.as_array().expect("specs");
		specs
			.iter()
			.map(|s| {
				assert_eq!(s["dtype"], "f32");
				let shape = s["shape"].as_array().expect("shape");
				4 * shape.iter().map(|d| d.as_u64().expect("dim")).product::<u64>() as Balance
			})
			.sum()
	};
	let deposit = amount(&job["deposit"]);
	assert_eq!(
		deposit,
		MICRO_UNIT * (spec_bytes(&model["inputs"]) + spec_bytes(&model["outputs"]))
	);
	let nodes = model["nodes"].as_u64().expect("nodes") as Balance;
	// The model's work, computed here from the file, is what the chain reports and prices.
	let work = Graph::from_onnx(&bytes)
		.expect("imports")
		.cost(&verity_primitives::cost::Budget::DEFAULT)
		.expect("within budget")
		.work;
	assert_eq!(model["work"], json!(work));
	let mega_work = work.div_ceil(1 << 20) as Balance;
	assert_eq!(
		job_fee,
		10 * MILLI_UNIT + MILLI_UNIT * nodes + 10 * MICRO_UNIT * mega_work,
		"fee = base + per node + per 2^20 units of work"
	);
	let charlie_submitted = balance(&node, charlie);
	assert_eq!(charlie_submitted.1, charlie_refused.1 + job_fee + royalty + deposit);

	// Alice's off-chain worker executes it; it is final after the challenge window.
	let out = Command::new(cli_path())
		.args(["--url", &format!("ws://127.0.0.1:{}", node.rpc_port), "--json"])
		.args(["job", "watch", &job_id.to_string(), "--timeout", "240"])
		.output()
		.expect("the CLI runs");
	let done = ok_json(&out, "job watch");
	assert_eq!(done["status"], "Finalized", "log:\n{}", node.log_tail(60));
	let watched = String::from_utf8_lossy(&out.stdout).to_string();
	for status in ["Executed", "Finalized"] {
		assert!(
			watched.contains(&format!("\"status\":\"{status}\"")),
			"watch shows {status}: {watched}"
		);
	}

	// The on-chain result is the canonical engine's, as `verity-node infer` computes it.
	let local = Command::new(env!("CARGO_BIN_EXE_verity-node"))
		.args([
			"infer",
			"--model",
			&model_file,
			"--input",
			&good,
			"--engine",
			"canonical",
			"--json",
		])
		.output()
		.expect("infer runs");
	let local = ok_json(&local, "infer");
	assert_eq!(done["outputs"], local["outputs"]);
	assert_eq!(done["trace_root"], local["trace_root"]);

	// Balances: the executor got the fee, the owner the royalty, the holds are released.
	let (alice_after, bob_after, charlie_after) =
		(balance(&node, alice), balance(&node, bob), balance(&node, charlie));
	assert_eq!(
		alice_after.0,
		alice_before.0 + job_fee,
		"Alice is paid the fee (results post for free)"
	);
	assert_eq!(alice_after.1, alice_before.1, "Alice's bond is untouched");
	assert_eq!(bob_after.0, bob_ready.0 + royalty, "Bob is paid the royalty");
	assert_eq!(bob_after.1, bob_ready.1, "Bob's deposits stay held");
	assert_eq!(
		charlie_after.1,
		charlie_refused.1 + deposit,
		"Charlie's fee hold is released; the data deposit stays until the job is pruned"
	);
	assert_eq!(charlie_after.0, charlie_submitted.0, "Charlie paid from the hold only");

	// The executor's trace data is served for challengers.
	let trace = node.rpc("verity_traceData", json!([job_id, 0, 0, 0])).expect("traceData");
	assert_eq!(trace["trace_root"], done["trace_root"]);
	assert_eq!(trace["commitments"].as_array().map(Vec::len), Some(nodes as usize));
	assert!(trace["chunk"]["proof"].as_str().is_some_and(|p| p.starts_with("0x")));
	let metrics = crate::common::http_get(node.prometheus_port, "/metrics").expect("metrics");
	let executed = metrics
		.lines()
		.find(|l| l.starts_with("verity_jobs_executed_total"))
		.and_then(|l| l.rsplit(' ').next());
	assert_eq!(executed, Some("1"), "metrics: {metrics}");
	let _ = std::fs::remove_dir_all(dir);
}

/// A job whose inputs make a node fail (a `Gather` index out of range) ends in a failed
/// result on a real node: the executor answers in time and is paid, the submitter is not
/// refunded, no one is penalised, and `verity job show` names the node and the reason.
#[test]
fn a_job_failing_on_its_inputs_ends_in_a_paid_failed_result() {
	let dir = std::env::temp_dir().join(format!("verity-e2e-failed-{}", std::process::id()));
	std::fs::create_dir_all(&dir).expect("temp dir");
	let bytes = zoo::gather_table(5).expect("model");
	let model_file = write(&dir, "table.onnx", &bytes);
	let out_of_range = write(&dir, "i.json", br#"{"dtype":"i64","shape":[3],"data":[0,10,1]}"#);

	let node = Node::start(&["--dev", "--tmp"]);
	let started = node.wait_for(START_TIMEOUT, |n| {
		n.rpc("chain_getHeader", json!([]))
			.ok()
			.and_then(|h| crate::common::header_number(&h))
			.filter(|b| *b >= 1)
	});
	assert!(started.is_some(), "no block; log:\n{}", node.log_tail(40));
	let (alice, charlie) = (Sr25519Keyring::Alice, Sr25519Keyring::Charlie);
	let out = verity(&node, "//Bob", &["model", "register", &model_file, "--name", "table"]);
	let model_id =
		ok_json(&out, "model register")["model_id"].as_str().expect("model_id").to_string();
	let alice_before = balance(&node, alice);
	let charlie_before = balance(&node, charlie);
	let out = verity(
		&node,
		"//Charlie",
		&["job", "submit", "--model", &model_id, "--input", &out_of_range],
	);
	let job_id = ok_json(&out, "job submit")["job_id"].as_u64().expect("job_id");
	let out = Command::new(cli_path())
		.args(["--url", &format!("ws://127.0.0.1:{}", node.rpc_port), "--json"])
		.args(["job", "watch", &job_id.to_string(), "--timeout", "240"])
		.output()
		.expect("the CLI runs");
	let done = ok_json(&out, "job watch");
	assert_eq!(done["status"], "Finalized", "log:\n{}", node.log_tail(60));
	assert_eq!(done["attempts"], json!(1), "answered in time, not timed out");
	assert_eq!(done["failure"]["node"], json!(0));
	let reason = done["failure"]["reason"].as_str().expect("reason");
	assert!(reason.contains("gather index 10"), "{reason}");
	assert_eq!(done["outputs"], Value::Null);
	let fee = amount(&done["fee"]);
	let (alice_after, charlie_after) = (balance(&node, alice), balance(&node, charlie));
	assert_eq!(alice_after.0, alice_before.0 + fee, "the executor is paid");
	assert_eq!(alice_after.1, alice_before.1, "and not penalised");
	let deposit = amount(&done["deposit"]);
	assert_eq!(charlie_after.1, charlie_before.1 + deposit, "only the data deposit stays held");
	// Charlie also paid the submission's transaction fee.
	assert!(
		charlie_after.0 <= charlie_before.0 - fee - amount(&done["royalty"]) - deposit,
		"the submitter is not refunded"
	);
	let _ = std::fs::remove_dir_all(dir);
}
