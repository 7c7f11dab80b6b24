#!/usr/bin/env bash
# Sets up ./venv with the pinned dependencies and runs every check: the static type check, then the
# whole pytest suite (the program under Pulumi mocks, the app under its real server, the lifecycle
# hook, the operator CLI, and the container image built and run in a Docker engine).
# Extra arguments go to pytest, e.g. scripts/test.sh -k settings
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv

echo "==> type check (pyright)"
venv/bin/pyright

echo "==> tests (pytest)"
venv/bin/pytest "$@"
