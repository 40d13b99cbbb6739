// Helpers of the network tests' js-scripts (run by zombienet, which provides the global
// `zombie`: polkadot.js's ApiPromise, Keyring, and util-crypto). Everything is read from the
// chain's metadata: no custom types.
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

/// The demo's trained digit classifier and a held-out 7 (scripts/demo/).
const DEMO = path.resolve(__dirname, "../../scripts/demo");
const MODEL_FILE = path.join(DEMO, "digits.onnx");
const INPUT_FILE = path.join(DEMO, "held-out-7.json");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function log(...args) {
  console.log("   [verity]", ...args);
}

async function connect(networkInfo, name) {
  return zombie.connect(networkInfo.nodesByName[name].wsUri);
}

/// A dev account's sr25519 pair: `//Alice`, ...
function pair(name) {
  const keyring = new zombie.Keyring({ type: "sr25519" });
  return keyring.addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`);
}

/// Signs and sends `tx`; resolves with the block hash and events once it is in a block,
/// rejects when it fails (with the module error's name).
function send(api, tx, signer, options = {}) {
  return new Promise((resolve, reject) => {
    let unsub = () => {};
    tx.signAndSend(signer, options, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        unsub();
        const e = dispatchError.isModule
          ? api.registry.findMetaError(dispatchError.asModule)
          : { section: "", name: dispatchError.toString() };
        reject(new Error(`${tx.method.section}.${tx.method.method}: ${e.section}.${e.name}`));
      } else if (status.isInBlock) {
        unsub();
        resolve({ blockHash: status.asInBlock, events });
      } else if (status.isDropped || status.isInvalid || status.isUsurped) {
        unsub();
        reject(new Error(`${tx.method.section}.${tx.method.method}: ${status.type}`));
      }
    })
      .then((u) => (unsub = u))
      .catch(reject);
  });
}

/// Walks the finalized blocks from `from` on, calling `visit(number, events)` for each, until
/// `done()` or `timeoutSec` passes; returns the next block to visit.
async function walkFinalized(api, from, visit, done, timeoutSec) {
  const until = Date.now() + timeoutSec * 1000;
  let next = from;
  while (!done()) {
    if (Date.now() > until) throw new Error(`timed out at finalized block ${next}`);
    const head = await api.rpc.chain.getFinalizedHead();
    const finalized = (await api.rpc.chain.getHeader(head)).number.toNumber();
    for (; next <= finalized && !done(); next++) {
      const hash = await api.rpc.chain.getBlockHash(next);
      const events = await (await api.at(hash)).query.system.events();
      await visit(next, events, hash);
    }
    if (!done()) await sleep(2000);
  }
  return next;
}

async function finalizedNumber(api) {
  const head = await api.rpc.chain.getFinalizedHead();
  return (await api.rpc.chain.getHeader(head)).number.toNumber();
}

/// The canonical answer of `verity-node infer` (on PATH): outputs and trace root.
function infer(modelFile = MODEL_FILE, inputFile = INPUT_FILE) {
  const out = execFileSync(
    "verity-node",
    ["infer", "--model", modelFile, "--input", inputFile, "--engine", "canonical", "--json"],
    { encoding: "utf8" },
  );
  return JSON.parse(out.trim().split("\n").pop());
}

/// A `.json` tensor file as the chain's `JobTensor` (f32 only).
function tensorBytes(file = INPUT_FILE) {
  const t = JSON.parse(fs.readFileSync(file, "utf8"));
  if (t.dtype !== "f32") throw new Error(`only f32 inputs here, not ${t.dtype}`);
  const data = Buffer.from(new Float32Array(t.data).buffer);
  return { dtype: "F32", shape: t.shape, data: "0x" + data.toString("hex") };
}

/// The f32 values of a chain `JobTensor`, as their bit patterns (compared exactly).
function f32Bits(tensor) {
  const bytes = Buffer.from(tensor.data.toU8a(true));
  const bits = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) bits.push(bytes.readUInt32LE(i));
  return bits;
}

/// The bit patterns of the f32 numbers `values` (as `infer --json` prints them).
function bitsOf(values) {
  const buf = Buffer.from(new Float32Array(values).buffer);
  const bits = [];
  for (let i = 0; i < buf.length; i += 4) bits.push(buf.readUInt32LE(i));
  return bits;
}

/// The demo model's id, registered by `owner` unless it already is.
async function ensureModel(api, owner) {
  const bytes = fs.readFileSync(MODEL_FILE);
  const id = zombie.util.blake2AsHex(bytes, 256);
  if ((await api.query.models.models(id)).isNone) {
    const tx = api.tx.models.register("0x" + bytes.toString("hex"), "digits-mlp", 1, 1_000_000_000);
    await send(api, tx, owner);
    log(`model ${id} registered`);
  }
  return id;
}

/// Submits `count` jobs on `model` from `submitter`, all sent before any is included; resolves
/// with their ids and first executors once all are in blocks.
async function submitJobs(api, model, submitter, count) {
  const input = tensorBytes();
  let nonce = (await api.rpc.system.accountNextIndex(submitter.address)).toNumber();
  const sent = [];
  for (let i = 0; i < count; i++) {
    const tx = api.tx.inference.submit(model, [input], 1_000_000_000_000n);
    sent.push(send(api, tx, submitter, { nonce: nonce++ }));
  }
  const jobs = [];
  for (const { events } of await Promise.all(sent)) {
    for (const { event } of events) {
      if (api.events.inference.JobAssigned.is(event)) {
        jobs.push({ job: event.data.job.toNumber(), executor: event.data.executor.toString() });
      }
    }
  }
  return jobs;
}

/// Holds of `who` by reason (`Inference.JobPayment`, ...), as bigints (at block `hash`, or the
/// best block).
async function holds(api, who, hash) {
  const out = {};
  const at = hash ? await api.at(hash) : api;
  for (const h of await at.query.balances.holds(who)) {
    const reason = h.id.toJSON();
    const pallet = Object.keys(reason)[0];
    const key = `${pallet}.${reason[pallet]}`.toLowerCase();
    out[key] = (out[key] || 0n) + h.amount.toBigInt();
  }
  return out;
}

/// Waits until the best block of now is finalized; returns the finalized head's number and hash.
async function settle(api) {
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  let number = await finalizedNumber(api);
  while (number < best) {
    await sleep(1000);
    number = await finalizedNumber(api);
  }
  return { number, hash: await api.rpc.chain.getBlockHash(number) };
}

/// Free plus reserved (held) balance of `who` (at block `hash`, or the best block).
async function total(api, who, hash) {
  const at = hash ? await api.at(hash) : api;
  const { data } = await at.query.system.account(who);
  return data.free.toBigInt() + data.reserved.toBigInt();
}

module.exports = {
  MODEL_FILE,
  INPUT_FILE,
  sleep,
  log,
  connect,
  pair,
  send,
  walkFinalized,
  finalizedNumber,
  infer,
  tensorBytes,
  f32Bits,
  bitsOf,
  ensureModel,
  submitJobs,
  holds,
  total,
  settle,
};
