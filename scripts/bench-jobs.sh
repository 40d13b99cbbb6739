#!/usr/bin/env bash
# Measures the job pipeline on a real dev chain: submits COUNT jobs of the demo model at once
# (Charlie, pipelined nonces), waits until all are final, and prints how many jobs were
# submitted, executed and finalized in each block, and the blocks from submit to Executed and
# to Finalized. Needs a built workspace (scripts/build.sh). Usage: scripts/bench-jobs.sh [COUNT]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."

count="${1:-64}"
port="${VERITY_RPC_PORT:-9966}"
node="$VERITY_BIN_DIR/verity-node"
cli="$VERITY_BIN_DIR/verity"
work="$(mktemp -d)"
url="ws://127.0.0.1:$port"

"$node" --dev --tmp --rpc-port "$port" --port 0 --prometheus-port 0 >"$work/node.log" 2>&1 &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 60); do
  "$cli" --url "$url" model list >/dev/null 2>&1 && break
  sleep 1
done
"$VERITY_BIN_DIR/examples/zoo" "$work" >/dev/null
last() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])['$1'])"; }
model=$("$cli" --url "$url" --suri //Bob --json model register "$work/mlp-784.onnx" | last model_id)
"$cli" --url "$url" --suri //Charlie --json job submit --model "$model" \
  --input scripts/demo/digit7.json --count "$count" >"$work/jobs.json"
python3 - "$work/jobs.json" "$port" <<'EOF'
import json, sys, time, urllib.request
ids = json.loads(open(sys.argv[1]).read().splitlines()[-1])
ids = ids.get("job_ids") or [ids["job_id"]]
port = sys.argv[2]
def rpc(method, params):
    req = urllib.request.Request(f"http://127.0.0.1:{port}", json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
        {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["result"]
deadline = time.time() + 600
while True:
    jobs = [rpc("verity_job", [i]) for i in ids]
    if all(j["status"] in ("Finalized", "Refunded") for j in jobs) or time.time() > deadline:
        break
    time.sleep(3)
retention = 14400  # Retention: a finished job's `due` is its pruning block
per = {}
for j in jobs:
    for what, block in (("submitted", j["submitted_at"]), ("executed", j["executed_at"]),
                        ("finalized", j["due"] - retention if j["status"] == "Finalized" else None)):
        if block is not None:
            per.setdefault(block, {}).setdefault(what, 0)
            per[block][what] += 1
statuses = {s: sum(1 for j in jobs if j["status"] == s) for s in {j["status"] for j in jobs}}
print(f"{len(ids)} jobs: {statuses}")
for block in sorted(per):
    print(f"  block #{block}: " + ", ".join(f"{n} {w}" for w, n in sorted(per[block].items())))
ex = [j["executed_at"] - j["submitted_at"] for j in jobs if j["executed_at"] is not None]
fi = [j["due"] - retention - j["submitted_at"] for j in jobs if j["status"] == "Finalized"]
if ex: print(f"blocks from submit to Executed: min {min(ex)}, max {max(ex)}")
if fi: print(f"blocks from submit to Finalized: min {min(fi)}, max {max(fi)}")
finals = [c.get("finalized", 0) for c in per.values()]
print(f"most jobs finalized in one block: {max(finals) if finals else 0}")
EOF
