#!/usr/bin/env bash
# Sets up ./venv with the pinned dependencies and the test tools (requirements-dev.txt), and runs every
# check: the static type check, then the whole pytest suite (the program under Pulumi mocks and against
# AWS's API models, the app under its real server, the lifecycle hook, the operator CLI, and the
# container image built and run in a Docker engine) on two workers.
# Extra arguments go to pytest, e.g. scripts/test.sh -k settings
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt

echo "==> type check (pyright)"
venv/bin/pyright

echo "==> tests (pytest)"
# Whole files per worker: the container test builds its image once per file, not once per worker.
venv/bin/pytest -n 2 --dist loadfile "$@"
