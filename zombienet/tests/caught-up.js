// A node that was paused catches up: waits until this node has imported and finalized the
// block `args[0]` (default alice) had finalized when the script started; returns 1 then.
const c = require("./common");

async function run(nodeName, networkInfo, args) {
  const other = await c.connect(networkInfo, args[0] || "alice");
  const target = await c.finalizedNumber(other);
  await other.disconnect();
  const api = await c.connect(networkInfo, nodeName);
  let now = await c.finalizedNumber(api);
  while (now < target) {
    await c.sleep(2000);
    now = await c.finalizedNumber(api);
  }
  c.log(`${nodeName}: finalized #${now} (target #${target})`);
  await api.disconnect();
  return 1;
}

module.exports = { run };
