# Sourced by the scripts that run Python from PyPI (onnx-suite.sh, bench-engine.sh):
# `pinned_venv DIR "pkg==ver ..."` creates the virtualenv DIR with exactly those pinned
# packages once (a stamp file records them) and reinstalls when the pins change.
pinned_venv() {
  local venv="$1" want="$2"
  if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$venv/.verity-stamp" 2>/dev/null)" != "$want" ]]; then
    # A fresh one when the pins change (`--clear`): pip would otherwise keep what is there.
    python3 -m venv --clear "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --quiet $want
    echo "$want" >"$venv/.verity-stamp"
  fi
}
