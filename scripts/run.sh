#!/usr/bin/env bash
# The README's main command: sets the machine up, builds everything (release), starts a
# development chain (Alice authors, finalizes and executes jobs) with JSON-RPC on
# ws://127.0.0.1:$VERITY_RPC_PORT (default 9944), then runs the demo through the `verity` CLI:
# registers a digit-classifier MLP, submits a job on a drawn "7", watches it to Finalized and
# prints the on-chain result next to the local `verity-node infer` output. Then the point of
# the product: a second local node (Bob's) joins as an executor that cheats
# (`--verity-fault 0`); its job is challenged by Alice's watcher, the dispute plays out move by
# move, Bob is slashed and the job is re-run honestly by Alice and finalized. The chain keeps
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

echo "==> starting $node --dev --verity-watcher (log: $log)"
"$node" --dev --tmp --rpc-cors all --rpc-port "$port" --verity-watcher \
  --node-key 0000000000000000000000000000000000000000000000000000000000000001 >"$log" 2>&1 &
node_pid=$!
bob_pid=""
trap 'kill "$node_pid" $bob_pid 2>/dev/null || true' EXIT INT TERM

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
  model_file="scripts/demo/digits.onnx"
  input="scripts/demo/held-out-7.json"
  echo "==> demo: registering $model_file (a 64-32-10 digit classifier trained by"
  echo "    scripts/demo/train_digits.py on scikit-learn's 8x8 digits) as Bob"
  model=$("$cli" --url "$url" --suri //Bob --json model register "$model_file" \
    --name digits-mlp --price 1000000000 | json_field model_id)
  "$cli" --url "$url" model show "$model"
  echo "==> demo: Charlie submits a job on a held-out handwritten 7 ($input)"
  job=$("$cli" --url "$url" --suri //Charlie --json job submit --model "$model" --input "$input" \
    | json_field job_id)
  echo "==> demo: watching job $job (Alice's node executes it; final after the challenge window)"
  "$cli" --url "$url" job watch "$job"
  echo "==> demo: the same model and input run locally (verity-node infer, both engines)"
  "$node" infer --model "$model_file" --input "$input" --engine both

  bob_log="$work/bob.log"
  echo "==> demo: Bob's node joins as an executor that CHEATS (--verity-fault 0; log: $bob_log)"
  "$node" --chain dev --bob --tmp --rpc-cors all --rpc-port "$((port + 1))" --port 30334 --prometheus-port 9616 \
    --node-key 0000000000000000000000000000000000000000000000000000000000000002 \
    --bootnodes /ip4/127.0.0.1/tcp/30333/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp \
    --verity-fault 0 >"$bob_log" 2>&1 &
  bob_pid=$!
  # Bob's node must have caught up before jobs are assigned to it.
  best() {
    curl -s -H 'Content-Type: application/json' \
      -d '{"jsonrpc":"2.0","id":1,"method":"chain_getHeader","params":[]}' "http://127.0.0.1:$1" \
      | python3 -c "import json,sys; print(int(json.load(sys.stdin)['result']['number'], 16))" 2>/dev/null \
      || echo 0
  }
  target=$(best "$port")
  for _ in $(seq 1 90); do
    [[ "$(best "$((port + 1))")" -ge "$target" ]] && break
    sleep 1
  done
  # A bond far above Alice's: the next jobs are assigned to Bob.
  "$cli" --url "$url" --suri //Bob executor register --bond 100000000000000000
  bob=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty
  echo "==> demo: before"
  "$cli" --url "$url" executor show "$bob"
  "$cli" --url "$url" executor show 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
  for _ in 1 2 3 4 5 6 7 8; do
    job=$("$cli" --url "$url" --suri //Charlie --json job submit --model "$model" --input "$input" \
      | json_field job_id)
    executor=$("$cli" --url "$url" --json job show "$job" | json_field executor)
    [[ "$executor" == "$bob" ]] && break
  done
  echo "==> demo: job $job is Bob's; Alice's watcher audits it and challenges a wrong result"
  game=""
  for _ in $(seq 1 60); do
    game=$("$cli" --url "$url" --json dispute list --job "$job" | head -1 | json_field game 2>/dev/null || true)
    [[ -n "$game" ]] && break
    sleep 2
  done
  if [[ -z "$game" ]]; then
    echo "no dispute was opened on job $job; Alice's log: $log"
  else
    echo "==> demo: game $game, move by move (each party's node answers in its off-chain worker)"
    "$cli" --url "$url" dispute watch "$game" --timeout 600 || true
    echo "==> demo: job $job, reassigned to Alice and re-run honestly"
    "$cli" --url "$url" job watch "$job" --timeout 600 || true
    echo "==> demo: after (Bob's bond is slashed and he is suspended)"
    "$cli" --url "$url" executor show "$bob"
    "$cli" --url "$url" executor show 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
  fi
fi

cat <<EOF
==> the chain keeps running (Ctrl-C stops it); node log: $log
    JSON-RPC:     ws://127.0.0.1:$port (HTTP too), e.g. verity_job, verity_models
    Prometheus:   http://127.0.0.1:9615/metrics (verity_jobs_executed_total, ...)
    polkadot.js:  https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A$port#/explorer
                  Developer -> Chain state -> inference -> jobs(u64) shows a job;
                  Network -> Explorer shows the Inference.Job* and Disputes.* events
                  block by block.
    CLI:          $cli --url ws://127.0.0.1:$port job show <id> | dispute list | dispute show <id>
EOF
wait "$node_pid"
