// Jobs submitted from polkadot.js, followed to their end in finalized blocks.
//
// args (comma-separated in the .zndsl):
//   run,COUNT,MIN_EXECUTORS  submit COUNT jobs, wait for all, check them; they must have been
//                            executed by at least MIN_EXECUTORS distinct executors
//   submit,COUNT             send COUNT jobs and return as soon as the pool holds them (so a
//                            node killed next is assigned jobs it cannot run yet)
//   check,NODE               wait for the jobs of the last `submit` and check them; at least
//                            one must have been assigned first to NODE's executor
// Checks, for every job: it ends `JobFinalized`, its result was executed once (one
// `JobExecuted`, none refuted), its trace root and its outputs (bit for bit) are those of
// `verity-node infer` on the same model and input; afterwards no job payment and no challenge
// bond stays held. Returns the number of jobs that passed every check.
const fs = require("fs");
const path = require("path");
const c = require("./common");

const SUBMITTER = "ferdie";
const OWNER = "eve";

function stateFile(networkInfo) {
  return path.join(networkInfo.tmpDir, "verity-jobs.json");
}

async function sendOnly(api, model, submitter, count) {
  const input = c.tensorBytes();
  let nonce = (await api.rpc.system.accountNextIndex(submitter.address)).toNumber();
  const ready = [];
  for (let i = 0; i < count; i++) {
    const tx = api.tx.inference.submit(model, [input], 1_000_000_000_000n);
    ready.push(
      new Promise((resolve, reject) => {
        tx.signAndSend(submitter, { nonce: nonce++ }, ({ status }) => {
          if (status.isReady || status.isBroadcast || status.isInBlock) resolve();
          if (status.isInvalid || status.isDropped) reject(new Error(status.type));
        }).catch(reject);
      }),
    );
  }
  await Promise.all(ready);
}

/// Follows the jobs `submitter` submitted from finalized block `from` on until `count` of them
/// have ended; returns what happened to each (a Map by job id, whose `lastBlock` is the last
/// block visited). `onEvent(event)` sees every event on the way.
async function follow(api, from, submitter, count, timeoutSec, onEvent = () => {}) {
  const jobs = new Map();
  const ended = () => jobs.size >= count && [...jobs.values()].every((j) => j.end);
  let lastBlock = from - 1;
  await c.walkFinalized(
    api,
    from,
    async (number, events, hash) => {
      lastBlock = number;
      for (const { event } of events) {
        onEvent(event);
        const ev = api.events.inference;
        const id = event.data.job ? event.data.job.toNumber() : undefined;
        if (ev.JobSubmitted.is(event) && event.data.submitter.toString() === submitter) {
          jobs.set(id, { assigned: [], executed: [], refuted: 0, end: null });
        }
        const j = jobs.get(id);
        if (!j) continue;
        if (ev.JobAssigned.is(event)) j.assigned.push(event.data.executor.toString());
        if (ev.JobExecuted.is(event)) {
          j.executed.push({
            executor: event.data.executor.toString(),
            root: event.data.traceRoot.toHex(),
          });
        }
        if (ev.ResultRefuted.is(event)) j.refuted++;
        if (ev.JobFinalized.is(event)) {
          const outputs = await (await api.at(hash)).query.inference.jobOutputs(id);
          j.end = { kind: "finalized", block: number, outputs: outputs.unwrapOr(null) };
        }
        if (ev.JobRefunded.is(event)) j.end = { kind: "refunded", block: number };
      }
    },
    ended,
    timeoutSec,
  );
  jobs.lastBlock = lastBlock;
  return jobs;
}

/// The checks every job must pass; returns how many did, logging each failure.
async function check(api, jobs, expected) {
  const want = c.bitsOf(expected.outputs[0].data).join(",");
  let passed = 0;
  for (const [id, j] of jobs) {
    const fail = (why) => c.log(`job ${id}: ${why}`);
    if (j.end.kind !== "finalized") {
      fail(`ended ${j.end.kind}`);
      continue;
    }
    if (j.executed.length - j.refuted !== 1) {
      fail(`${j.executed.length} results, ${j.refuted} refuted`);
      continue;
    }
    const last = j.executed[j.executed.length - 1];
    if (last.root !== expected.trace_root) {
      fail(`trace root ${last.root}, infer gives ${expected.trace_root}`);
      continue;
    }
    const got = j.end.outputs ? c.f32Bits(j.end.outputs[0]).join(",") : "none";
    if (got !== want) {
      fail(`outputs ${got} differ from infer's ${want}`);
      continue;
    }
    passed++;
  }
  return passed;
}

/// No job payment of `submitter` and no challenge bond of any node's account stays held.
async function nothingHeld(api, networkInfo, submitter) {
  let clean = true;
  const payment = (await c.holds(api, submitter))["inference.jobpayment"] || 0n;
  if (payment !== 0n) {
    c.log(`${SUBMITTER} still has ${payment} held for job payments`);
    clean = false;
  }
  for (const name of Object.keys(networkInfo.nodesByName)) {
    const bond = (await c.holds(api, c.pair(name).address))["disputes.challengebond"] || 0n;
    if (bond !== 0n) {
      c.log(`${name} still has a challenge bond of ${bond} held`);
      clean = false;
    }
  }
  return clean;
}

async function run(nodeName, networkInfo, args) {
  const [mode = "run", countArg = "8", minArg = "1"] = args;
  const killed = mode === "check" ? args[1] : undefined;
  const api = await c.connect(networkInfo, nodeName);
  const submitter = c.pair(SUBMITTER);
  const expected = c.infer();
  let from;
  let count;
  if (mode === "check") {
    ({ from, count } = JSON.parse(fs.readFileSync(stateFile(networkInfo), "utf8")));
  } else {
    count = Number(countArg);
    const model = await c.ensureModel(api, c.pair(OWNER));
    from = (await c.finalizedNumber(api)) + 1;
    if (mode === "submit") {
      await sendOnly(api, model, submitter, count);
      fs.writeFileSync(stateFile(networkInfo), JSON.stringify({ from, count }));
      c.log(`${count} jobs sent`);
      await api.disconnect();
      return count;
    }
    await c.submitJobs(api, model, submitter, count);
  }
  const jobs = await follow(api, from, submitter.address, count, 540);
  const executors = new Set([...jobs.values()].flatMap((j) => j.executed.map((e) => e.executor)));
  const assigned = [...jobs.values()].map((j) => j.assigned.length);
  c.log(
    `${jobs.size} jobs ended; executed by ${executors.size} executors; assignments per job ` +
      `${assigned.join(" ")}`,
  );
  let passed = await check(api, jobs, expected);
  if (killed) {
    const mine = [...jobs.values()].filter((j) => j.assigned[0] === c.pair(killed).address);
    c.log(`${mine.length} jobs were assigned to ${killed} while it was down`);
    if (mine.length === 0) passed = 0;
  }
  if (executors.size < Number(minArg)) {
    c.log(`only ${executors.size} executors ran the jobs, want ${minArg}`);
    passed = 0;
  }
  if (!(await nothingHeld(api, networkInfo, submitter.address))) passed = 0;
  await api.disconnect();
  return passed;
}

module.exports = { run, follow, check, nothingHeld };
