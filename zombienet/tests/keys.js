// Puts each node's executor key in its keystore the way an operator does on a running node:
// `author_insertKey` with key type `vrty` (sr25519; the account is the public key), over the
// node's local RPC (unsafe methods are served on it). The `local` chain bonds Alice, Bob,
// Charlie and Dave as executors at genesis; each node gets its own name's key.
// Returns how many nodes hold their key afterwards.
const { connect, pair, log } = require("./common");

async function run(nodeName, networkInfo) {
  let holding = 0;
  for (const name of Object.keys(networkInfo.nodesByName)) {
    const api = await connect(networkInfo, name);
    const key = pair(name);
    const suri = `//${name[0].toUpperCase()}${name.slice(1)}`;
    const pub = zombie.util.u8aToHex ? zombie.util.u8aToHex(key.publicKey) : "0x" + Buffer.from(key.publicKey).toString("hex");
    await api.rpc.author.insertKey("vrty", suri, pub);
    if ((await api.rpc.author.hasKey(pub, "vrty")).isTrue) holding++;
    log(`${name}: vrty key ${key.address}`);
    await api.disconnect();
  }
  return holding;
}

module.exports = { run };
