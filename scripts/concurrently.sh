# Sourced by scripts that run several long commands at once (test.sh, zombienet.sh).
# `start_concurrently NAME COMMAND...` starts COMMAND in the background, its output streamed
# with `[NAME] ` before each line; `wait_concurrently` waits for every command started, prints
# each one's status and time, and fails if any failed; a failed command's last lines are printed
# again at the very end (without the polkadot.js client's reconnection noise), so that the end
# of a long interleaved log says why. An interrupt stops them all with SIGTERM (zombienet stops
# its nodes on SIGTERM, not on SIGKILL).

concurrent_names=()
concurrent_pids=()
concurrent_dir="$(mktemp -d)"
trap 'rm -rf "$concurrent_dir"' EXIT
# The streams run in this script's process group (no job control in a script): an interrupt
# or a stop of the script stops the whole group, this script included.
trap 'trap - INT TERM; kill -TERM 0 2>/dev/null' INT TERM

start_concurrently() {
  local name="$1"; shift
  local index="${#concurrent_names[@]}"
  echo "==> $name: started"
  (
    set +e
    t0=$SECONDS
    "$@" 2>&1 | tee "$concurrent_dir/$index.log" | sed -u "s/^/[$name] /"
    status=${PIPESTATUS[0]}
    echo "$status $((SECONDS - t0))" >"$concurrent_dir/$index"
    exit "$status"
  ) &
  concurrent_names+=("$name")
  concurrent_pids+=("$!")
}

wait_concurrently() {
  local failed=0 i status seconds
  for i in "${!concurrent_pids[@]}"; do
    wait "${concurrent_pids[$i]}" || failed=1
  done
  for i in "${!concurrent_pids[@]}"; do
    read -r status seconds <"$concurrent_dir/$i" 2>/dev/null || { status="?"; seconds="?"; }
    if [[ "$status" == "0" ]]; then
      echo "==> ${concurrent_names[$i]}: done in $seconds s"
    else
      echo "==> ${concurrent_names[$i]}: FAILED (exit $status) after $seconds s"
    fi
  done
  for i in "${!concurrent_pids[@]}"; do
    read -r status seconds <"$concurrent_dir/$i" 2>/dev/null || status="?"
    [[ "$status" == "0" ]] && continue
    echo "==> ${concurrent_names[$i]} failed; the last lines of its output:"
    grep -v -e "API-WS: disconnected" -e "Unable to decode storage" "$concurrent_dir/$i.log" \
      | tail -n 80 | sed "s/^/[${concurrent_names[$i]}] /" | cut -c1-400 || true
  done
  concurrent_names=()
  concurrent_pids=()
  return "$failed"
}
