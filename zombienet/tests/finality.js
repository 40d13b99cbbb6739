// Finality goes on: waits until this node's finalized head has advanced by `args[0]` blocks
// (default 3) and returns by how many it did (the .zndsl's `within` bounds the wait).
const c = require("./common");

async function run(nodeName, networkInfo, args) {
  const want = Number(args[0] || 3);
  const api = await c.connect(networkInfo, nodeName);
  const start = await c.finalizedNumber(api);
  let now = start;
  while (now - start < want) {
    await c.sleep(2000);
    now = await c.finalizedNumber(api);
  }
  c.log(`${nodeName}: finalized #${start} -> #${now}`);
  await api.disconnect();
  return now - start;
}

module.exports = { run };
