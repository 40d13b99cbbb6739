//! Smoke test of the real node: `verity-node --dev --tmp` produces and finalizes blocks,
//! answers JSON-RPC and serves Prometheus metrics, and stops cleanly on SIGTERM.

use crate::common::{header_number, http_get, Node, START_TIMEOUT};
use serde_json::json;
use std::time::Duration;

#[test]
fn dev_node_produces_and_finalizes_blocks() {
	let mut node = Node::start(&["--dev", "--tmp"]);

	let best = node.wait_for(START_TIMEOUT, |n| {
		let best = n.rpc("chain_getHeader", json!([])).ok().as_ref().and_then(header_number)?;
		let fin_hash = n.rpc("chain_getFinalizedHead", json!([])).ok()?;
		let fin =
			n.rpc("chain_getHeader", json!([fin_hash])).ok().as_ref().and_then(header_number)?;
		(best >= 3 && fin >= 1).then_some((best, fin))
	});
	assert!(
		best.is_some(),
		"no best block >= 3 and finalized >= 1 within {START_TIMEOUT:?}; node log tail:\n{}",
		node.log_tail(40)
	);

	let chain = node.rpc("system_chain", json!([])).expect("system_chain answers");
	assert_eq!(chain, json!("Verity Development"));
	let props = node.rpc("system_properties", json!([])).expect("system_properties answers");
	assert_eq!(props["tokenSymbol"], json!("VRT"));
	// The payment and nonce RPCs of this node are mounted.
	let methods = node.rpc("rpc_methods", json!([])).expect("rpc_methods answers");
	let names = methods["methods"].as_array().cloned().unwrap_or_default();
	for m in ["system_accountNextIndex", "payment_queryInfo", "state_getMetadata"] {
		assert!(names.contains(&json!(m)), "RPC method {m} is missing");
	}

	let metrics = http_get(node.prometheus_port, "/metrics").expect("Prometheus answers");
	assert!(metrics.contains("substrate_block_height"), "no block height metric");

	let status = node.stop(Duration::from_secs(30));
	assert!(
		status.map(|s| s.success()).unwrap_or(false),
		"node did not stop cleanly on SIGTERM ({status:?}); log tail:\n{}",
		node.log_tail(20)
	);
}
