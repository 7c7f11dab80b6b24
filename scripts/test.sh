#!/usr/bin/env bash
# Sets up ./venv with the pinned dependencies and the test tools (requirements-dev.txt), and runs every
# check: the static type check and, beside it, the whole pytest suite (the program under Pulumi mocks
# and against AWS's API models, the app under its real server, the lifecycle hook, the operator CLI,
# and the container image built and run in a Docker engine) on three workers.
# Extra arguments go to pytest, e.g. scripts/test.sh -k settings
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt
# Bytecode caches (gitignored) spare each pytest worker, and each CLI process a test starts,
# compiling the project and rewriting the tests' asserts again.
unset PYTHONDONTWRITEBYTECODE

# Side by side: the tests spend much of their time waiting on servers and processes, which leaves
# CPU for pyright. Its report is printed after the tests', and either failing fails the run.
pyright_report="$(mktemp)"
venv/bin/pyright > "$pyright_report" 2>&1 &
pyright_pid=$!
stop_pyright() {  # on any exit before pyright has finished (a failure, Ctrl-C)
  if [ -n "$pyright_pid" ]; then
    pkill -TERM -P "$pyright_pid" 2>/dev/null || true  # the node process the pyright wrapper runs
    kill "$pyright_pid" 2>/dev/null || true
  fi
  rm -f "$pyright_report"
}
trap stop_pyright EXIT

echo "==> tests (pytest), with the type check (pyright) running beside them"
pytest_status=0
# Whole files per worker: the container test builds its image once per file, not once per worker.
# In collection order, which puts the files that mostly wait first (tests/conftest.py), beside pyright;
# three workers on two cores, because those files leave their core idle.
venv/bin/pytest -n 3 --dist loadfile --no-loadscope-reorder "$@" || pytest_status=$?

echo "==> type check (pyright)"
pyright_status=0
wait "$pyright_pid" || pyright_status=$?
pyright_pid=""
cat "$pyright_report"

# pytest's own exit code first (e.g. 5: no test matched a -k), then pyright's.
if [ "$pytest_status" -ne 0 ] || [ "$pyright_status" -ne 0 ]; then
  echo "FAILED: pytest exit $pytest_status, pyright exit $pyright_status" >&2
  exit $(( pytest_status != 0 ? pytest_status : pyright_status ))
fi
