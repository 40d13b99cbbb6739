// Verity as a polkadot.js user sees it, against a live `verity-node --dev` this suite starts:
// storage, events and the `VerityApi` runtime API decode from the metadata alone (no custom
// types), the `verity_*` RPCs answer through this package's definitions, and a model
// registered and a job submitted from polkadot.js end with the output `verity-node infer`
// gives. The node is `$VERITY_NODE`, or `verity-node` on PATH.
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { Keyring } = require("@polkadot/api");
const { blake2AsHex } = require("@polkadot/util-crypto");
const common = require("./common");
const { MODEL, inputTensor, inferDemo } = common;

const PORT = Number(process.env.VERITY_TEST_RPC_PORT || 9966);

let dev;
let api;
let keyring;
/// What the flow test left on chain for the others: the model, the job, the game.
const made = {};


before(async () => {
  dev = await common.startDevNode(PORT);
  api = dev.api;
  keyring = new Keyring({ type: "sr25519" });
});

after(async () => {
  if (dev) await common.stopDevNode(dev);
});

/// Sends `tx` signed by `who`; resolves with the events of its block, rejects on failure.
const send = async (tx, who) => (await common.send(api, tx, who)).events;

/// Waits for the first event `is` accepts in a new best block, up to `blocks` blocks.
async function waitEvent(is, blocks) {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const unsub = api.query.system.events((records) => {
      const found = records.map(({ event }) => event).find(is);
      if (found) {
        unsub.then((u) => u());
        resolve(found);
      } else if (++seen > blocks) {
        unsub.then((u) => u());
        reject(new Error(`no such event in ${blocks} blocks`));
      }
    });
  });
}

test("a model registered and a job submitted from polkadot.js end with infer's output", async () => {
  const eve = keyring.addFromUri("//Eve");
  const ferdie = keyring.addFromUri("//Ferdie");
  const events = await send(
    api.tx.models.register("0x" + MODEL.toString("hex"), "digits-mlp", 1, 1_000_000_000n),
    eve,
  );
  const registered = events.find((e) => api.events.models.ModelRegistered.is(e));
  assert.ok(registered, "ModelRegistered");
  made.model = registered.data.model.toHex();
  assert.equal(made.model, blake2AsHex(MODEL, 256), "the id is the bytes' blake2-256");

  const tensor = inputTensor();
  // Two jobs: the first is watched to its end; the second is challenged by another account
  // in its window, so that a game's storage and events are on chain for the other tests (the
  // executor answers; the challenger stays silent).
  const jobs = [];
  for (let i = 0; i < 2; i++) {
    const submitted = await send(api.tx.inference.submit(made.model, [tensor], 10n ** 15n), ferdie);
    jobs.push(submitted.find((e) => api.events.inference.JobSubmitted.is(e)).data.job.toNumber());
  }
  const [job, challenged] = jobs;
  made.job = challenged;
  await waitEvent(
    (e) => api.events.inference.JobExecuted.is(e) && e.data.job.toNumber() === challenged,
    20,
  );
  const bob = keyring.addFromUri("//Bob");
  const opened = await send(api.tx.disputes.open(challenged, null), bob);
  made.game = opened.find((e) => api.events.disputes.DisputeOpened.is(e)).data.game.toNumber();
  await waitEvent(
    (e) => api.events.inference.JobFinalized.is(e) && e.data.job.toNumber() === job,
    30,
  );
  const executed = (await api.query.inference.jobs(job)).unwrap().execution.unwrap();

  const expected = inferDemo();
  assert.equal(executed.traceRoot.toHex(), expected.trace_root);
  const outputs = (await api.query.inference.jobOutputs(job)).unwrap();
  const got = Buffer.from(outputs[0].data.toU8a(true));
  const want = Buffer.from(new Float32Array(expected.outputs[0].data).buffer);
  assert.ok(got.equals(want), "outputs equal infer's, bit for bit");
  // The custom RPC, through this package's definitions.
  const view = (await api.rpc.verity.job(job)).toJSON();
  assert.equal(view.job_id, job);
  assert.equal(view.status, "Finalized");
  assert.equal(view.trace_root, expected.trace_root);
});

test("every storage item of Models, Inference and Disputes decodes from metadata", async () => {
  assert.ok(made.game !== undefined, "the flow test ran first");
  let items = 0;
  let values = 0;
  for (const pallet of ["models", "inference", "disputes"]) {
    const section = api.query[pallet];
    assert.ok(section, `${pallet} storage in metadata`);
    for (const [name, entry] of Object.entries(section)) {
      items++;
      if (entry.meta.type.isMap) {
        const entries = await entry.entries();
        for (const [key, value] of entries) {
          assert.ok(key.args.length > 0, `${pallet}.${name} key decodes`);
          assert.doesNotThrow(() => value.toJSON(), `${pallet}.${name}`);
          values++;
        }
      } else {
        const value = await entry();
        assert.doesNotThrow(() => value.toJSON(), `${pallet}.${name}`);
        values++;
      }
    }
  }
  // The game opened by the flow test, read through its typed storage.
  const game = (await api.query.disputes.games(made.game)).unwrap();
  assert.equal(game.job.toNumber(), made.job);
  assert.ok(items >= 20, `${items} storage items`);
  assert.ok(values >= 20, `${values} values decoded`);
});

test("every event of the Verity pallets has types polkadot.js builds from metadata", async () => {
  let count = 0;
  for (const pallet of ["models", "inference", "disputes"]) {
    for (const [name, ev] of Object.entries(api.events[pallet])) {
      for (const [i, field] of ev.meta.fields.entries()) {
        const type = api.registry.createLookupType(field.type);
        assert.doesNotThrow(() => api.registry.createType(type), `${pallet}.${name} field ${i}`);
        assert.ok(field.name.isSome, `${pallet}.${name} field ${i} is named`);
      }
      count++;
    }
  }
  assert.ok(count >= 25, `${count} events`);
});

test("the VerityApi runtime API answers through api.call from metadata alone", async () => {
  const call = api.call.verityApi;
  assert.ok(call, "VerityApi is decorated from the metadata");
  const model = await call.model(made.model);
  assert.equal(model.unwrap().owner.toString(), keyring.addFromUri("//Eve").address);
  assert.ok((await call.models(null, 10)).length >= 1);
  const view = (await call.job(made.job)).unwrap();
  assert.equal(view.id.toNumber(), made.job);
  assert.equal(view.job.submitter.toString(), keyring.addFromUri("//Ferdie").address);
  assert.equal(view.job.status.toString(), "Executed");
  assert.equal(view.inputs.length, 1);
  assert.equal((await call.accountJobs(keyring.addFromUri("//Ferdie").address, null, 10)).length, 2);
  assert.equal((await call.dispute(made.game)).unwrap().job.toNumber(), made.job);
  assert.deepEqual((await call.jobDisputes(made.job)).toJSON(), [made.game]);
  assert.equal((await call.disputes(null, 10)).length, 1);
  const alice = keyring.addFromUri("//Alice").address;
  assert.ok((await call.executor(alice)).isSome, "Alice is an executor");
  const imported = await call.importModel("0x" + MODEL.toString("hex"));
  assert.ok(imported.isOk, "the runtime imports the model");
  // The chain's budget, and the registered model's cost within it.
  const budget = await call.modelBudget();
  const cost = model.unwrap().cost;
  assert.ok(budget.modelWork.toBigInt() > 0n);
  assert.ok(cost.work.toBigInt() <= budget.modelWork.toBigInt(), "the model's work within the budget");
});
