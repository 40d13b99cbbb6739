// polkadot.js definitions of the `verity_*` JSON-RPC methods of `verity-node`, for
// `ApiPromise.create({ provider, rpc: { verity } })`; then `api.rpc.verity.job(0)`, ...
// Storage, events, extrinsics and the `VerityApi` runtime API (`api.call.verityApi.*`) need
// no definitions: they decode from the chain's metadata. Each method returns JSON (the node's
// views), so its type is `Json`.

/// A parameter.
const p = (name, type, isOptional = false) => ({ name, type, isOptional });

/// The `verity` RPC section.
const verity = {
  model: {
    description: "A registered model by id (hex), or null",
    params: [p("id", "Text")],
    type: "Json",
  },
  models: {
    description: "Up to `limit` (at most 100) models after model `after`",
    params: [p("after", "Option<Text>", true), p("limit", "Option<u32>", true)],
    type: "Json",
  },
  job: {
    description: "A job with its state, inputs and outputs, or null",
    params: [p("id", "u64")],
    type: "Json",
  },
  accountJobs: {
    description: "Up to `limit` (at most 10) jobs submitted by `account` after job `after`",
    params: [p("account", "Text"), p("after", "Option<u64>", true), p("limit", "Option<u32>", true)],
    type: "Json",
  },
  dispute: {
    description: "An open dispute game, or null",
    params: [p("game", "u64")],
    type: "Json",
  },
  disputes: {
    description: "Up to `limit` (at most 100) open dispute games after game `after`",
    params: [p("after", "Option<u64>", true), p("limit", "Option<u32>", true)],
    type: "Json",
  },
  jobDisputes: {
    description: "The open dispute games on a job",
    params: [p("job", "u64")],
    type: "Json",
  },
  executor: {
    description: "An executor (bond, status, open jobs), or null",
    params: [p("account", "Text")],
    type: "Json",
  },
  dryRun: {
    description: "Runs a registered model on inputs on this node, without a transaction (unsafe)",
    params: [p("model", "Text"), p("inputs", "Json")],
    type: "Json",
  },
  traceData: {
    description: "This node's trace data of a job it executed (unsafe)",
    params: [
      p("job", "u64"),
      p("node", "Option<u32>", true),
      p("output", "Option<u32>", true),
      p("chunk", "Option<u32>", true),
    ],
    type: "Json",
  },
};

module.exports = { rpc: { verity } };
