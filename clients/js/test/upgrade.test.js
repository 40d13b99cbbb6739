// A forkless runtime upgrade on a live `verity-node --dev`, done from polkadot.js as a chain's
// sudo key holder does it: jobs are in flight, the Models pallet's state is the one its v2
// left (no dispute index, on-chain storage version 2), and `sudo.setCode` sets the next
// release of the runtime (`runtime/next`: spec_version one higher, with try-runtime). Blocks go
// on; the v2 → v3 migration (`VersionedMigration`) runs once, on the block after, and rebuilds
// the index as it was; the in-flight jobs finish with infer's output; `TryRuntime_on_runtime_upgrade`
// (try-runtime's checks: every migration's pre/post checks and every pallet's `try_state`) passes
// on the chain's state before the upgrade ran and after.
//
// The node is `$VERITY_NODE`, or `verity-node` on PATH; the next runtime's blob is
// `$VERITY_NEXT_RUNTIME`, or the one `cargo build` left in `$CARGO_TARGET_DIR`.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { Keyring } = require("@polkadot/api");
const { xxhashAsHex } = require("@polkadot/util-crypto");
const { u8aToHex } = require("@polkadot/util");
const common = require("./common");
const { MODEL, inputTensor, inferDemo } = common;

const PORT = Number(process.env.VERITY_UPGRADE_RPC_PORT || 9976);
const NEXT = process.env.VERITY_NEXT_RUNTIME || path.join(
  process.env.CARGO_TARGET_DIR || path.join(os.homedir(), ".cache/verity/target"),
  process.env.VERITY_PROFILE || "release",
  "wbuild/verity-runtime-next/verity_runtime_next.compact.compressed.wasm",
);
/// `UpgradeCheckSelect::All`: pre/post-upgrade checks and `try_state` of every pallet.
const ALL_CHECKS = "0x01";

let dev;
let api;
let keyring;

before(async () => {
  dev = await common.startDevNode(PORT);
  api = dev.api;
  keyring = new Keyring({ type: "sr25519" });
});

after(async () => {
  if (dev) await common.stopDevNode(dev);
});

/// Sends `tx` signed by `who` (`nonce` and `onPool` as `common.send` takes them).
const send = (tx, who, nonce, onPool) => common.send(api, tx, who, { nonce, onPool });

/// The number of the block `hash`.
async function numberOf(hash) {
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

/// Waits until `check` resolves to something truthy, polling every block, up to `blocks`.
async function until(check, blocks, what) {
  for (let i = 0; i < blocks * 2; i++) {
    const got = await check();
    if (got) return got;
    await new Promise((r) => setTimeout(r, 3000));
  }
  throw new Error(`${what}: not within ${blocks} blocks`);
}

/// The storage key of pallet `pallet`'s on-chain storage version.
const versionKey = (pallet) => xxhashAsHex(pallet, 128) + xxhashAsHex(":__STORAGE_VERSION__:", 128).slice(2);

/// Runs try-runtime's upgrade checks at block `at` with the code of its state; resolves with
/// the weight the migrations took, rejects with the runtime's panic message.
async function tryRuntimeUpgrade(at) {
  const out = await api.rpc.state.call("TryRuntime_on_runtime_upgrade", ALL_CHECKS, at);
  const [weight] = api.createType("(Weight, Weight)", out);
  return weight.refTime.toBigInt();
}

/// Every entry of model `id`'s dispute index (at block `at`, else the best), as hex keys and
/// values.
async function indexOf(id, at) {
  const query = (at ? await api.at(at) : api).query.models;
  const entries = [];
  for (const map of [query.stepNodes, query.constantRoots]) {
    for (const [key, value] of await map.entries(id)) entries.push([key.toHex(), value.toHex()]);
  }
  entries.push(["layout", (await query.traceLayouts(id)).toHex()]);
  return entries.sort();
}

test("a forkless upgrade: setCode with jobs in flight, the migration once, try-runtime's checks before and after", async (t) => {
  assert.ok(fs.existsSync(NEXT), `the next runtime's blob (${NEXT}): build it with cargo first`);
  const alice = keyring.addFromUri("//Alice");
  const eve = keyring.addFromUri("//Eve");
  const ferdie = keyring.addFromUri("//Ferdie");
  const before = await api.rpc.state.getRuntimeVersion();

  // A model, and its dispute index as registration stored it.
  const { events } = await send(
    api.tx.models.register(u8aToHex(MODEL), "digits-mlp", 1, 1_000_000_000n),
    eve,
  );
  const model = events.find((e) => api.events.models.ModelRegistered.is(e)).data.model.toHex();
  const index = await indexOf(model);
  assert.ok(index.length > 1, "registration stored a dispute index");

  // The state a chain at Models v2 holds: no dispute index, on-chain storage version 2 (the
  // sudo key can write storage, as it would repair a chain by hand).
  let nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
  const v2 = [
    api.tx.system.killPrefix(api.query.models.stepNodes.keyPrefix(), 1000),
    api.tx.system.killPrefix(api.query.models.constantRoots.keyPrefix(), 1000),
    api.tx.system.killPrefix(api.query.models.traceLayouts.keyPrefix(), 1000),
    api.tx.system.setStorage([[versionKey("Models"), "0x0200"]]),
  ];
  await Promise.all(v2.map((call) => send(api.tx.sudo.sudo(call), alice, nonce++)));
  assert.equal((await api.query.models.stepNodes.entries(model)).length, 0, "the index is gone");
  assert.equal((await api.rpc.state.getStorage(versionKey("Models"))).toHex(), "0x0200");

  // Jobs around the upgrade: two in a block before it (in flight across it: their challenge
  // window ends under the new runtime), then sudo.setCode with the next release (its weight is
  // the whole block, so the sudo key dispatches it without the weight check, as polkadot.js
  // apps offers), and two more sent once the pool holds it (executed by the new runtime).
  const tensor = inputTensor();
  let ferdieNonce = (await api.rpc.system.accountNextIndex(ferdie.address)).toNumber();
  const submit = () => send(api.tx.inference.submit(model, [tensor], 10n ** 15n), ferdie, ferdieNonce++);
  const before_ = await Promise.all([submit(), submit()]);
  // The ids of the jobs sent with the upgrade: the next two (only Ferdie submits here). They
  // are not read from their events: a block that holds setCode can land them in it, and
  // polkadot.js may then fail to decode that block's events ("Unable to decode storage
  // system.events"), decoding them with the metadata of one runtime where the other wrote them.
  const nextId = (await api.query.inference.nextJobId()).toNumber();
  const code = u8aToHex(fs.readFileSync(NEXT));
  let pooled;
  const inPool = new Promise((r) => (pooled = r));
  const upgrade = send(
    api.tx.sudo.sudoUncheckedWeight(api.tx.system.setCode(code), { refTime: 0, proofSize: 0 }),
    alice, undefined, pooled,
  );
  await inPool;
  const [setCode] = await Promise.all([upgrade, submit(), submit()]);
  const jobOf = ({ events }) =>
    events.find((e) => api.events.inference.JobSubmitted.is(e)).data.job.toNumber();
  const jobs = [...before_.map(jobOf), nextId, nextId + 1];
  assert.deepEqual(before_.map(jobOf), [nextId - 2, nextId - 1], "job ids are consecutive");
  const upgradedIn = await numberOf(setCode.block);
  const inFlight = await Promise.all(before_.map(jobOf).map(async (j) =>
    (await api.query.inference.jobs.at(setCode.block, j)).unwrap().status.type));
  assert.ok(inFlight.every((s) => s === "Assigned" || s === "Executed"),
    `the first jobs are in flight when the code changes: ${inFlight}`);
  assert.equal((await api.rpc.state.getStorage(versionKey("Models"), setCode.block)).toHex(),
    "0x0200", "the block that sets the code still runs the old runtime: Models at v2");

  // try-runtime's checks on the state the upgrade starts from (the new code, the v2 state):
  // the migration and every pallet's try_state pass, in an overlay that is thrown away.
  const migrationWeight = await tryRuntimeUpgrade(setCode.block);

  // Blocks go on with the new runtime; the migration ran on the first of them (the block
  // where `Executive` records the upgrade in `LastRuntimeUpgrade`). The code changed in the
  // block of setCode (its state holds the next release's version).
  const after = await api.rpc.state.getRuntimeVersion(setCode.block);
  assert.equal(after.specVersion.toNumber(), before.specVersion.toNumber() + 1, "the code changed");
  await until(async () => {
    const last = await api.query.system.lastRuntimeUpgrade();
    return last.unwrap().specVersion.toNumber() === after.specVersion.toNumber();
  }, 10, "the upgrade enacted");
  // The migration ran in the very next block: Models at v3 there, its index rebuilt as it was.
  const next = await api.rpc.chain.getBlockHash(upgradedIn + 1);
  assert.equal((await api.rpc.state.getStorage(versionKey("Models"), next)).toHex(), "0x0300",
    "Models at storage version 3 in the block after setCode");
  assert.equal((await api.query.system.lastRuntimeUpgrade.at(next)).unwrap().specVersion.toNumber(),
    after.specVersion.toNumber(), "the upgrade enacted in the block after setCode");
  assert.deepEqual(await indexOf(model, next), index, "the migration rebuilt the index as it was");

  // The in-flight jobs finish, with infer's output.
  const expected = inferDemo();
  const executedAt = [];
  for (const job of jobs) {
    const done = await until(async () => {
      const j = (await api.query.inference.jobs(job)).unwrap();
      return j.status.type === "Finalized" && j;
    }, 30, `job ${job} finalized`);
    assert.equal(done.execution.unwrap().traceRoot.toHex(), expected.trace_root);
    executedAt.push(done.execution.unwrap().at.toNumber());
  }
  assert.ok(executedAt.some((at) => at > upgradedIn),
    `a result posted under the new runtime: executed at ${executedAt}, upgrade in ${upgradedIn}`);

  t.diagnostic(`setCode in block ${upgradedIn}; jobs ${jobs} executed in blocks ${executedAt} `
    + `(the first two ${inFlight} at the upgrade); `
    + `migration weight ${migrationWeight} ps of ref time; all finalized by block `
    + `${(await api.rpc.chain.getHeader()).number.toNumber()}`);

  // The migration ran once: later blocks leave the index and the version alone, and
  // try-runtime's checks pass again on today's state (the migration now a no-op).
  const head = (await api.rpc.chain.getHeader()).hash;
  assert.ok((await numberOf(head)) > upgradedIn + 1);
  assert.ok(await tryRuntimeUpgrade(head.toHex()) < migrationWeight, "no migration work left");
  assert.deepEqual(await indexOf(model), index);
  assert.equal((await api.rpc.state.getStorage(versionKey("Models"))).toHex(), "0x0300");
  const upgrades = await api.query.system.lastRuntimeUpgrade.at(head);
  assert.equal(upgrades.unwrap().specVersion.toNumber(), after.specVersion.toNumber());
});
