// What the suites share: the node they start, the demo model and input, sending a transaction,
// and the output `verity-node infer` gives for the demo input (what every job must end with).
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { ApiPromise, WsProvider } = require("@polkadot/api");
const { rpc } = require("..");

/// The node binary: `$VERITY_NODE`, or `verity-node` on PATH.
const NODE = process.env.VERITY_NODE || "verity-node";
const DEMO = path.resolve(__dirname, "../../../scripts/demo");
/// The demo's digit classifier and its held-out 7.
const MODEL = fs.readFileSync(path.join(DEMO, "digits.onnx"));
const INPUT = JSON.parse(fs.readFileSync(path.join(DEMO, "held-out-7.json"), "utf8"));

/// How long an RPC call may take before it fails the test.
const RPC_TIMEOUT_MS = 600_000;

/// Starts `verity-node --dev` on RPC port `port` (p2p on `port + 1`) and connects to it with
/// this package's RPC definitions; resolves with `{ node, api }`.
async function startDevNode(port) {
  const node = spawn(
    NODE,
    ["--dev", "--tmp", "--rpc-port", String(port), "--port", String(port + 1), "--no-mdns",
      "--no-prometheus", "--no-telemetry"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  node.stderr.on("data", (d) => (log = (log + d).slice(-4000)));
  // A node that ends before the suite stops it (an error, or a signal such as the OOM killer's)
  // says so, with the end of its log.
  node.on("exit", (code, signal) => {
    if (!node.stopping) console.error(`verity-node ended (${code ?? signal}):\n${log}`);
  });
  // An RPC may wait minutes for a busy machine (the test command runs these tests beside two
  // other streams of nodes on two cores): a `state_call` of try-runtime's checks compiles the
  // new runtime first. polkadot.js's default (60 s) would fail the test, not the chain.
  const provider = new WsProvider(`ws://127.0.0.1:${port}`, 1000, {}, RPC_TIMEOUT_MS);
  const api = await ApiPromise.create({ provider, rpc, noInitWarn: true, throwOnConnect: false });
  await api.isReady;
  return { node, api };
}

/// Disconnects `api` and stops `node`.
async function stopDevNode({ node, api }) {
  if (api) await api.disconnect();
  if (node) {
    node.stopping = true;
    node.kill("SIGINT");
  }
}

/// Sends `tx` signed by `who` (with `nonce`, if given); resolves with its block's hash and
/// events, rejects on failure (a sudo call's own failure included). `onPool` is called once
/// the pool has taken it.
function send(api, tx, who, { nonce, onPool } = {}) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(who, nonce === undefined ? {} : { nonce }, ({ status, events, dispatchError }) => {
      if (onPool && (status.isReady || status.isFuture)) onPool();
      const failure = dispatchError
        || events.map(({ event }) => event).find((e) => api.events.sudo.Sudid.is(e)
          && e.data.sudoResult.isErr)?.data.sudoResult.asErr;
      if (failure) {
        const e = failure.isModule
          ? api.registry.findMetaError(failure.asModule)
          : { section: "", name: failure.toString() };
        reject(new Error(`${e.section}.${e.name}`));
      } else if (status.isInBlock) {
        resolve({ block: status.asInBlock.toHex(), events: events.map(({ event }) => event) });
      }
    }).catch(reject);
  });
}

/// The demo input as a job's input tensor.
function inputTensor() {
  const data = Buffer.from(new Float32Array(INPUT.data).buffer);
  return { dtype: "F32", shape: INPUT.shape, data: "0x" + data.toString("hex") };
}

/// What `verity-node infer` gives for the demo model and input (canonical engine): its JSON.
function inferDemo() {
  return JSON.parse(
    execFileSync(NODE, ["infer", "--model", path.join(DEMO, "digits.onnx"), "--input",
      path.join(DEMO, "held-out-7.json"), "--engine", "canonical", "--json"], { encoding: "utf8" })
      .trim().split("\n").pop(),
  );
}

module.exports = { NODE, MODEL, INPUT, startDevNode, stopDevNode, send, inputTensor, inferDemo };
