// One validator cheats (`dave`, run with `--verity-fault 0`): its results are challenged by the
// others' watchers and it is slashed; every job still ends finalized with the output of
// `verity-node infer` (re-run by an honest executor) or refunded; no honest party loses a
// planck. Submits jobs from polkadot.js until at least `args[0]` (default 2) are dave's.
//
// Checked to the planck, over the blocks from the first submission to the last job's end:
// - each of dave's jobs was disputed and refuted, dave losing every game it played;
// - dave's executor bond fell by exactly the sum of its `ExecutorSlashed` amounts;
// - the submitter paid exactly the fee and royalty of each finalized job plus its transaction
//   fees; the model's owner and every honest validator end with no less than they started;
// - the treasury gained exactly the slashes minus the rewards;
// - total issuance fell by exactly the transaction fees (they are burnt).
// Returns the number of checks that failed (0 when all pass).
const c = require("./common");
const { follow, check, nothingHeld } = require("./jobs");

const CHEAT = "dave";
const HONEST = ["alice", "bob", "charlie"];

async function run(nodeName, networkInfo, args) {
  const wantCheats = Number(args[0] || 2);
  const api = await c.connect(networkInfo, nodeName);
  const expected = c.infer();
  const submitter = c.pair("ferdie");
  const owner = c.pair("eve");
  const dave = c.pair(CHEAT).address;
  const model = await c.ensureModel(api, owner);

  const accounts = { ferdie: submitter.address, eve: owner.address, dave };
  for (const n of HONEST) accounts[n] = c.pair(n).address;
  // Balances are read at finalized blocks: before at the start, after at the last block the
  // events are read to, so that every fee and payment between them is counted exactly once.
  const start = await c.settle(api);
  const from = start.number + 1;
  const before = {};
  for (const [n, a] of Object.entries(accounts)) before[n] = await c.total(api, a, start.hash);
  const bondBefore = (await c.holds(api, dave, start.hash))["inference.executorbond"] || 0n;
  const issuanceBefore = (await (await api.at(start.hash)).query.balances.totalIssuance()).toBigInt();

  let count = 0;
  let cheats = 0;
  for (let round = 0; round < 4 && cheats < wantCheats; round++) {
    const jobs = await c.submitJobs(api, model, submitter, 8);
    count += jobs.length;
    cheats += jobs.filter((j) => j.executor === dave).length;
  }
  c.log(`${count} jobs submitted, ${cheats} assigned to ${CHEAT}`);

  // Everything that happened in those blocks, and each job's fate.
  const fees = {};
  const slashes = [];
  const settled = [];
  const opened = new Set();
  const finalizedPaid = new Map();
  const jobs = await follow(api, from, submitter.address, count, 1200, (event) => {
    const d = event.data;
    if (api.events.transactionPayment.TransactionFeePaid.is(event)) {
      const who = d.who.toString();
      fees[who] = (fees[who] || 0n) + d.actualFee.toBigInt();
    }
    if (api.events.inference.ExecutorSlashed.is(event)) {
      slashes.push({ who: d.who.toString(), amount: d.amount.toBigInt() });
    }
    if (api.events.disputes.DisputeOpened.is(event)) opened.add(d.job.toNumber());
    if (api.events.disputes.DisputeSettled.is(event)) {
      settled.push({ job: d.job.toNumber(), winner: d.winner.toString(), loser: d.loser.toString() });
    }
    if (api.events.inference.JobFinalized.is(event)) {
      finalizedPaid.set(d.job.toNumber(), d.fee.toBigInt() + d.royalty.toBigInt());
    }
  });

  const end = await api.rpc.chain.getBlockHash(jobs.lastBlock);
  const failures = [];
  const fail = (why) => {
    failures.push(why);
    c.log(`FAILED: ${why}`);
  };
  const daveJobs = [...jobs.entries()].filter(([, j]) => j.assigned[0] === dave).map(([id]) => id);
  for (const id of daveJobs) {
    if (!opened.has(id)) fail(`job ${id} (dave's) was never disputed`);
    if (!settled.some((s) => s.job === id && s.loser === dave)) fail(`job ${id}: dave lost no game`);
    if (jobs.get(id).refuted !== 1) fail(`job ${id}: refuted ${jobs.get(id).refuted} times`);
  }
  if (settled.some((s) => s.winner === dave)) fail("dave won a game");
  if (settled.some((s) => s.loser !== dave)) fail("an honest party lost a game");
  const finalized = [...jobs.values()].filter((j) => j.end.kind === "finalized").length;
  const passed = await check(
    api,
    new Map([...jobs].filter(([, j]) => j.end.kind === "finalized")),
    expected,
  );
  if (passed !== finalized) fail(`${finalized - passed} finalized jobs have a wrong result`);
  c.log(`${finalized} finalized with infer's output, ${jobs.size - finalized} refunded`);

  const daveSlashed = slashes.filter((s) => s.who === dave).reduce((a, s) => a + s.amount, 0n);
  const bondAfter = (await c.holds(api, dave, end))["inference.executorbond"] || 0n;
  if (bondBefore - bondAfter !== daveSlashed) {
    fail(`dave's bond fell by ${bondBefore - bondAfter}, slashed ${daveSlashed}`);
  }
  if (slashes.some((s) => s.who !== dave)) fail("an honest executor was slashed");
  c.log(`dave slashed ${daveSlashed} over ${slashes.length} refutations`);

  const after = {};
  for (const [n, a] of Object.entries(accounts)) after[n] = await c.total(api, a, end);
  const paid = [...jobs.keys()].reduce((a, id) => a + (finalizedPaid.get(id) || 0n), 0n);
  const spent = before.ferdie - after.ferdie;
  if (spent !== paid + (fees[submitter.address] || 0n)) {
    fail(`the submitter spent ${spent}: jobs ${paid}, fees ${fees[submitter.address] || 0n}`);
  }
  for (const n of [...HONEST, "eve"]) {
    if (after[n] < before[n]) fail(`${n} lost ${before[n] - after[n]}`);
    else c.log(`${n}: +${after[n] - before[n]}`);
  }
  const burnt = Object.values(fees).reduce((a, b) => a + b, 0n);
  const issuanceAfter = (await (await api.at(end)).query.balances.totalIssuance()).toBigInt();
  if (issuanceBefore - issuanceAfter !== burnt) {
    fail(`issuance fell by ${issuanceBefore - issuanceAfter}, fees burnt ${burnt}`);
  }
  if (!(await nothingHeld(api, networkInfo, submitter.address))) fail("funds stay held");
  await api.disconnect();
  return failures.length;
}

module.exports = { run };
