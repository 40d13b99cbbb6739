#!/usr/bin/env bash
# The README's main command: sets the machine up, builds everything (release), starts a
# development chain (Alice authors, finalizes and executes jobs) with JSON-RPC on
# ws://127.0.0.1:$VERITY_RPC_PORT (default 9944), then runs the demo through the `verity` CLI:
# registers a digit-classifier MLP, submits a job on a drawn "7", watches it to Finalized and
# prints the on-chain result next to the local `verity-node infer` output. The chain keeps
# running afterwards (Ctrl-C stops it). VERITY_NO_DEMO=1 skips the demo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."

bash scripts/setup.sh
bash scripts/build.sh

port="${VERITY_RPC_PORT:-9944}"
node="$VERITY_BIN_DIR/verity-node"
cli="$VERITY_BIN_DIR/verity"
work="$(mktemp -d)"
log="$work/node.log"

echo "==> starting $node --dev (log: $log)"
"$node" --dev --tmp --rpc-cors all --rpc-port "$port" >"$log" 2>&1 &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null || true' EXIT INT TERM

rpc() {
  curl -s -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":[]}" "http://127.0.0.1:$port"
}
for _ in $(seq 1 60); do
  if rpc chain_getHeader | grep -q '"number"'; then break; fi
  if ! kill -0 "$node_pid" 2>/dev/null; then echo "verity-node exited:"; tail -20 "$log"; exit 1; fi
  sleep 1
done

json_field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])['$1'])"; }

if [[ "${VERITY_NO_DEMO:-}" != "1" ]]; then
  url="ws://127.0.0.1:$port"
  "$VERITY_BIN_DIR/examples/zoo" "$work" >/dev/null
  model_file="$work/mlp-784.onnx"
  input="scripts/demo/digit7.json"
  echo "==> demo: registering $model_file (784-256-128-10 MLP, generated weights) as Bob"
  model=$("$cli" --url "$url" --suri //Bob --json model register "$model_file" \
    --name digits-mlp --price 1000000000 | json_field model_id)
  "$cli" --url "$url" model show "$model"
  echo "==> demo: Charlie submits a job on a drawn 7 ($input)"
  job=$("$cli" --url "$url" --suri //Charlie --json job submit --model "$model" --input "$input" \
    | json_field job_id)
  echo "==> demo: watching job $job (Alice's node executes it; final after the challenge window)"
  "$cli" --url "$url" job watch "$job"
  echo "==> demo: the same model and input run locally (verity-node infer, both engines)"
  "$node" infer --model "$model_file" --input "$input" --engine both
fi

cat <<EOF
==> the chain keeps running (Ctrl-C stops it); node log: $log
    JSON-RPC:     ws://127.0.0.1:$port (HTTP too), e.g. verity_job, verity_models
    Prometheus:   http://127.0.0.1:9615/metrics (verity_jobs_executed_total, ...)
    polkadot.js:  https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A$port#/explorer
                  Developer -> Chain state -> inference -> jobs(u64) shows a job;
                  Network -> Explorer shows the Inference.Job* events block by block.
    CLI:          $cli --url ws://127.0.0.1:$port job show <id>
EOF
wait "$node_pid"
