//! Disputes on a network of real `verity-node` processes, with no human in the loop: Alice's
//! node is the dev chain's authority, an executor and a watcher; Bob's node joins it as a
//! second executor. The nodes' off-chain workers audit, challenge and play every move.
//!
//! - A cheat caught: Bob's executor runs with `--verity-fault 0` (its first node's output
//!   corrupted and the rest computed forward from it). Alice's watcher challenges Bob's
//!   result, the game is played to the one-step, Bob's bond drops by exactly the slash, Alice
//!   gets exactly her share and the treasury the rest, and the job is re-run by Alice and
//!   finalized with the output `verity-node infer` gives.
//! - A false challenge lost: Alice's watcher runs with `--verity-false-challenge` against
//!   Bob's honest executor; Alice's bond pays the slash and the job finalizes.
//!
//! - A silent executor loses by clock: on a dev chain whose genesis sets a short move clock
//!   (`disputes.moveClock`), Bob's cheating node is killed once its game is open; Bob's clock
//!   runs out, he is slashed, and Alice re-runs the job.
//!
//! In each, total issuance changes by exactly the transaction fees burned (the runtime's only
//! burn), read from every block's events.

use std::{process::Command, time::Duration};

use crate::common::{amount, cli_path, hex, ok_json, unhex, verity, write, Node, START_TIMEOUT};
use codec::Decode;
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, H256};
use sp_io::hashing;
use sp_keyring::Sr25519Keyring;
use verity_primitives::onnx::zoo;
use verity_runtime::{AccountId, Balance, RuntimeEvent, UNIT};

/// Alice's and Bob's node keys (a validator's node needs one).
const ALICE_NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const BOB_NODE_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";

/// The runtime's slash and the winner's share of it.
const SLASH: Balance = 50 * UNIT;
const REWARD: Balance = 25 * UNIT;

/// The best block's number.
fn best(node: &Node) -> u64 {
	node.rpc("chain_getHeader", json!([]))
		.ok()
		.and_then(|h| crate::common::header_number(&h))
		.unwrap_or(0)
}

/// The hash of block `n`.
fn block_hash(node: &Node, n: u64) -> String {
	let h = node.rpc("chain_getBlockHash", json!([n])).expect("chain_getBlockHash");
	h.as_str().expect("block exists").to_string()
}

/// The raw storage value at `key` in block `at`.
fn storage(node: &Node, key: &[u8], at: &str) -> Option<Vec<u8>> {
	let v = node.rpc("state_getStorage", json!([format!("0x{}", hex(key)), at])).ok()?;
	v.as_str().map(unhex)
}

/// Total issuance in block `at`.
fn issuance(node: &Node, at: &str) -> Balance {
	let key = [hashing::twox_128(b"Balances"), hashing::twox_128(b"TotalIssuance")].concat();
	Balance::decode(&mut &storage(node, &key, at).expect("issuance")[..]).expect("u128")
}

/// Free balance of `who` in block `at`.
fn free(node: &Node, who: &AccountId, at: &str) -> Balance {
	let id: &[u8] = who.as_ref();
	let key = [
		&hashing::twox_128(b"System")[..],
		&hashing::twox_128(b"Account"),
		&hashing::blake2_128(id),
		id,
	]
	.concat();
	let Some(bytes) = storage(node, &key, at) else { return 0 };
	let (_, _, _, _, free, ..) =
		<(u32, u32, u32, u32, u128, u128, u128, u128)>::decode(&mut &bytes[..]).expect("account");
	free
}

/// The runtime's events of block `n`.
fn events(node: &Node, n: u64) -> Vec<RuntimeEvent> {
	let key = [hashing::twox_128(b"System"), hashing::twox_128(b"Events")].concat();
	let Some(bytes) = storage(node, &key, &block_hash(node, n)) else { return vec![] };
	<Vec<frame_system::EventRecord<RuntimeEvent, H256>>>::decode(&mut &bytes[..])
		.expect("events decode")
		.into_iter()
		.map(|r| r.event)
		.collect()
}

/// A dev network: Alice's node (authority, executor, watcher with `alice_flags`) and Bob's
/// (an executor with `bob_flags`, registered with a bond far above Alice's so that jobs go
/// to him), the test model registered by Charlie and its input file.
struct Network {
	alice: Node,
	bob: Node,
	dir: std::path::PathBuf,
	model_file: String,
	input_file: String,
	model_id: String,
}

fn network(name: &str, alice_flags: &[&str], bob_flags: &[&str]) -> Network {
	network_on(name, None, alice_flags, bob_flags)
}

/// [`network`] on the dev chain, or on the dev chain with `patch` merged into its genesis.
fn network_on(
	name: &str,
	patch: Option<Value>,
	alice_flags: &[&str],
	bob_flags: &[&str],
) -> Network {
	let dir = std::env::temp_dir().join(format!("verity-disputes-{name}-{}", std::process::id()));
	std::fs::create_dir_all(&dir).expect("temp dir");
	// A patched dev chain: its spec as `build-spec` writes it, the patch merged into its genesis.
	let spec = patch.map(|patch| {
		let out = Command::new(env!("CARGO_BIN_EXE_verity-node"))
			.args(["build-spec", "--chain", "dev"])
			.output()
			.expect("build-spec runs");
		let mut spec: Value = serde_json::from_slice(&out.stdout).expect("a JSON chain spec");
		let genesis = &mut spec["genesis"]["runtimeGenesis"]["patch"];
		for (pallet, fields) in patch.as_object().expect("an object") {
			genesis[pallet] = fields.clone();
		}
		write(&dir, "spec.json", spec.to_string().as_bytes())
	});
	let chain = spec.as_deref().unwrap_or("dev");
	let bytes = zoo::mlp(&[16, 8, 4], 11).expect("model");
	let model_file = write(&dir, "mlp.onnx", &bytes);
	let data: Vec<String> = (0..16).map(|i| format!("{}", (i as f32) * 0.25 - 2.0)).collect();
	let input = format!(r#"{{"dtype":"f32","shape":[1,16],"data":[{}]}}"#, data.join(","));
	let input_file = write(&dir, "x.json", input.as_bytes());

	// Each network keeps to itself (tests run side by side): no local discovery, and Bob's
	// node dials its own Alice by her peer id.
	let mut args = vec!["--chain", chain, "--alice", "--force-authoring", "--tmp", "--no-mdns"];
	args.extend_from_slice(&["--rpc-cors", "all", "--node-key", ALICE_NODE_KEY]);
	args.extend_from_slice(alice_flags);
	let alice = Node::start(&args);
	let started = alice.wait_for(START_TIMEOUT, |n| (best(n) >= 1).then_some(()));
	assert!(started.is_some(), "no block; log:\n{}", alice.log_tail(40));
	let peer = alice.rpc("system_localPeerId", json!([])).expect("peer id");
	let boot = format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", alice.p2p_port, peer.as_str().expect("id"));
	let mut args = vec!["--chain", chain, "--bob", "--tmp", "--no-mdns", "--rpc-cors", "all"];
	args.extend_from_slice(&["--bootnodes", &boot]);
	args.extend_from_slice(&["--node-key", BOB_NODE_KEY]);
	args.extend_from_slice(bob_flags);
	let bob = Node::start(&args);
	let target = best(&alice);
	let synced = bob.wait_for(START_TIMEOUT, |n| (best(n) >= target).then_some(()));
	assert!(
		synced.is_some(),
		"Bob's node does not reach block {target}: {:?}; log:\n{}",
		bob.rpc("chain_getHeader", json!([])),
		bob.log_tail(40)
	);

	let bond = (100_000 * UNIT).to_string();
	ok_json(&verity(&alice, "//Bob", &["executor", "register", "--bond", &bond]), "register Bob");
	let out = verity(&alice, "//Charlie", &["model", "register", &model_file, "--name", "mlp"]);
	let model_id = ok_json(&out, "model register")["model_id"].as_str().expect("id").to_string();
	Network { alice, bob, dir, model_file, input_file, model_id }
}

impl Network {
	/// Submits jobs until one is assigned to Bob; its id and the block it was executed in.
	fn job_on_bob(&self) -> u64 {
		let bob = Sr25519Keyring::Bob.to_account_id().to_ss58check();
		for _ in 0..8 {
			let out = verity(
				&self.alice,
				"//Charlie",
				&["job", "submit", "--model", &self.model_id, "--input", &self.input_file],
			);
			let job = ok_json(&out, "job submit")["job_id"].as_u64().expect("job_id");
			let shown = ok_json(
				&verity(&self.alice, "//Charlie", &["job", "show", &job.to_string()]),
				"job show",
			);
			if shown["executor"] == json!(bob) {
				return job;
			}
		}
		panic!("no job was assigned to Bob in 8 tries");
	}

	/// The open game on `job`, once Alice's watcher has opened it.
	fn game_on(&self, job: u64) -> u64 {
		let found = self.alice.wait_for(Duration::from_secs(120), |n| {
			let out = verity(n, "//Alice", &["dispute", "list", "--job", &job.to_string()]);
			let text = String::from_utf8_lossy(&out.stdout).to_string();
			let first = text.lines().next()?;
			serde_json::from_str::<Value>(first).ok()?["game"].as_u64()
		});
		found.unwrap_or_else(|| {
			panic!(
				"no game on job {job}; Alice:\n{}\nBob:\n{}",
				self.alice.log_tail(60),
				self.bob.log_tail(30)
			)
		})
	}

	/// Follows game `game` with `verity dispute watch`; every line it printed.
	fn watch_game(&self, game: u64) -> Vec<Value> {
		let out = Command::new(cli_path())
			.args(["--url", &format!("ws://127.0.0.1:{}", self.alice.rpc_port), "--json"])
			.args(["dispute", "watch", &game.to_string(), "--timeout", "300"])
			.output()
			.expect("the CLI runs");
		assert!(
			out.status.success(),
			"dispute watch: {}\nAlice:\n{}\nBob:\n{}",
			String::from_utf8_lossy(&out.stderr),
			self.alice.log_tail(60),
			self.bob.log_tail(60)
		);
		String::from_utf8_lossy(&out.stdout)
			.lines()
			.map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
			.collect()
	}

	/// Follows `job` to its end with `verity job watch`; the final job.
	fn watch_job(&self, job: u64) -> Value {
		let out = Command::new(cli_path())
			.args(["--url", &format!("ws://127.0.0.1:{}", self.alice.rpc_port), "--json"])
			.args(["job", "watch", &job.to_string(), "--timeout", "300"])
			.output()
			.expect("the CLI runs");
		ok_json(&out, "job watch")
	}

	/// The canonical engine's outputs of the test job, as `verity-node infer` computes them.
	fn honest_outputs(&self) -> Value {
		let local = Command::new(env!("CARGO_BIN_EXE_verity-node"))
			.args(["infer", "--model", &self.model_file, "--input", &self.input_file])
			.args(["--engine", "canonical", "--json"])
			.output()
			.expect("infer runs");
		ok_json(&local, "infer")["outputs"].clone()
	}

	/// Fees burned in blocks `from + 1 ..= to`, and the blocks of the game's events there.
	fn ledger(&self, from: u64, to: u64) -> Ledger {
		let mut ledger = Ledger::default();
		for n in from + 1..=to {
			for event in events(&self.alice, n) {
				match event {
					RuntimeEvent::TransactionPayment(
						pallet_transaction_payment::Event::TransactionFeePaid {
							actual_fee, ..
						},
					) => ledger.fees += actual_fee,
					RuntimeEvent::Inference(pallet_verity_inference::Event::JobExecuted {
						..
					}) => ledger.executed.push(n),
					RuntimeEvent::Disputes(pallet_verity_disputes::Event::DisputeOpened {
						..
					}) => ledger.opened.push(n),
					RuntimeEvent::Disputes(pallet_verity_disputes::Event::DisputeSettled {
						..
					}) => ledger.settled.push(n),
					_ => {},
				}
			}
		}
		ledger
	}
}

impl Drop for Network {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.dir);
	}
}

/// What a range of blocks burned and when the game happened.
#[derive(Default, Debug)]
struct Ledger {
	fees: Balance,
	executed: Vec<u64>,
	opened: Vec<u64>,
	settled: Vec<u64>,
}

fn settled_line(lines: &[Value]) -> &Value {
	lines.iter().find(|l| l.get("settled").is_some()).unwrap_or_else(|| panic!("{lines:?}"))
}

#[test]
fn a_cheating_executor_is_challenged_slashed_and_its_job_rerun_honestly() {
	let net = network("cheat", &["--verity-watcher"], &["--verity-fault", "0"]);
	let treasury = verity_runtime::configs::TreasuryAccount::get();
	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	let start = best(&net.alice);
	let at_start = block_hash(&net.alice, start);
	let (issued, treasury_before) =
		(issuance(&net.alice, &at_start), free(&net.alice, &treasury, &at_start));
	let bob_bond = amount(
		&ok_json(
			&verity(
				&net.alice,
				"//Alice",
				&["executor", "show", &bob.to_account_id().to_ss58check()],
			),
			"executor show",
		)["bond"],
	);

	let job = net.job_on_bob();
	let game = net.game_on(job);
	let lines = net.watch_game(game);
	let settled = settled_line(&lines);
	assert_eq!(settled["settled"], "Step", "{lines:?}");
	assert_eq!(settled["winner"], json!(alice.to_account_id().to_ss58check()));
	assert_eq!(settled["loser"], json!(bob.to_account_id().to_ss58check()));
	assert_eq!(amount(&settled["slashed"]), SLASH);
	assert_eq!(amount(&settled["reward"]), REWARD);
	// Every move was printed as it landed, each one more than the last.
	let moves: Vec<u64> = lines.iter().filter_map(|l| l["moves"].as_u64()).collect();
	assert!(moves.windows(2).all(|w| w[1] > w[0]) && !moves.is_empty(), "{lines:?}");

	// The job is reassigned to Alice, re-run honestly and finalized.
	let done = net.watch_job(job);
	assert_eq!(done["status"], "Finalized");
	assert_eq!(done["executor"], json!(alice.to_account_id().to_ss58check()));
	assert_eq!(done["outputs"], net.honest_outputs());

	// Bob's bond dropped by exactly the slash and he is suspended.
	let shown = ok_json(
		&verity(&net.alice, "//Alice", &["executor", "show", &bob.to_account_id().to_ss58check()]),
		"executor show",
	);
	assert_eq!(amount(&shown["bond"]), bob_bond - SLASH);
	assert_eq!(shown["status"], "Suspended");

	let end = best(&net.alice);
	let at_end = block_hash(&net.alice, end);
	assert_eq!(free(&net.alice, &treasury, &at_end), treasury_before + (SLASH - REWARD));
	let ledger = net.ledger(start, end);
	assert_eq!(issued - issuance(&net.alice, &at_end), ledger.fees, "only fees are burned");
	let metrics = crate::common::http_get(net.alice.prometheus_port, "/metrics").expect("metrics");
	for (name, value) in [("verity_disputes_opened_total", "1"), ("verity_disputes_won_total", "1")]
	{
		let found =
			metrics.lines().find(|l| l.starts_with(name)).and_then(|l| l.rsplit(' ').next());
		assert_eq!(found, Some(value), "{name}: {metrics}");
	}
	eprintln!(
		"job {job}: executed in block {:?}, game opened in {:?}, settled in {:?}, {} moves",
		ledger.executed,
		ledger.opened,
		ledger.settled,
		moves.last().copied().unwrap_or(0)
	);
}

#[test]
fn a_false_challenge_loses_its_bond_and_the_job_finalizes() {
	let net = network("false", &["--verity-false-challenge"], &[]);
	let treasury = verity_runtime::configs::TreasuryAccount::get();
	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	let start = best(&net.alice);
	let at_start = block_hash(&net.alice, start);
	let (issued, treasury_before) =
		(issuance(&net.alice, &at_start), free(&net.alice, &treasury, &at_start));

	let job = net.job_on_bob();
	let game = net.game_on(job);
	let lines = net.watch_game(game);
	let settled = settled_line(&lines);
	assert_eq!(settled["winner"], json!(bob.to_account_id().to_ss58check()), "{lines:?}");
	assert_eq!(settled["loser"], json!(alice.to_account_id().to_ss58check()));
	assert_eq!(amount(&settled["slashed"]), SLASH);
	assert_eq!(amount(&settled["reward"]), REWARD);

	let done = net.watch_job(job);
	assert_eq!(done["status"], "Finalized");
	assert_eq!(done["executor"], json!(bob.to_account_id().to_ss58check()));
	assert_eq!(done["outputs"], net.honest_outputs());

	let end = best(&net.alice);
	let at_end = block_hash(&net.alice, end);
	assert_eq!(free(&net.alice, &treasury, &at_end), treasury_before + (SLASH - REWARD));
	let ledger = net.ledger(start, end);
	assert_eq!(issued - issuance(&net.alice, &at_end), ledger.fees, "only fees are burned");
}

#[test]
fn a_silent_executor_loses_by_clock() {
	// Six blocks per party per game instead of the runtime's hundred.
	let clock = 6;
	let mut net = network_on(
		"silent",
		Some(json!({ "disputes": { "moveClock": clock } })),
		&["--verity-watcher"],
		&["--verity-fault", "0"],
	);
	let treasury = verity_runtime::configs::TreasuryAccount::get();
	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	let start = best(&net.alice);
	let at_start = block_hash(&net.alice, start);
	let (issued, treasury_before) =
		(issuance(&net.alice, &at_start), free(&net.alice, &treasury, &at_start));

	let job = net.job_on_bob();
	let game = net.game_on(job);
	let shown = ok_json(
		&verity(&net.alice, "//Alice", &["dispute", "show", &game.to_string()]),
		"dispute show",
	);
	// The genesis clock, not the runtime's hundred blocks (each party may have spent some).
	for party in ["executor_clock", "challenger_clock"] {
		assert!(shown[party].as_u64().is_some_and(|c| c <= clock), "{party}: {shown}");
	}
	// Bob's node dies in the middle of its game: nobody answers for him any more.
	net.bob.kill();
	let lines = net.watch_game(game);
	let settled = settled_line(&lines);
	assert_eq!(settled["settled"], "Timeout", "{lines:?}");
	assert_eq!(settled["winner"], json!(alice.to_account_id().to_ss58check()));
	assert_eq!(settled["loser"], json!(bob.to_account_id().to_ss58check()));
	assert_eq!(amount(&settled["slashed"]), SLASH);

	let done = net.watch_job(job);
	assert_eq!(done["status"], "Finalized");
	assert_eq!(done["executor"], json!(alice.to_account_id().to_ss58check()));
	assert_eq!(done["outputs"], net.honest_outputs());
	let end = best(&net.alice);
	let at_end = block_hash(&net.alice, end);
	assert_eq!(free(&net.alice, &treasury, &at_end), treasury_before + (SLASH - REWARD));
	let ledger = net.ledger(start, end);
	assert_eq!(issued - issuance(&net.alice, &at_end), ledger.fees, "only fees are burned");
	eprintln!(
		"job {job}: executed in block {:?}, game opened in {:?}, settled by clock in {:?}",
		ledger.executed, ledger.opened, ledger.settled
	);
}
