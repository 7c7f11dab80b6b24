# Sourced by the scripts: creates ./venv (the virtualenv Pulumi.yaml names) and installs pinned
# requirements into it, and the library ecs_bluegreen/ editable, again only when a requirements file or
# pyproject.toml has changed since its last install.
#   ensure_venv                         what pulumi up and the operator tools need (requirements.txt)
#   ensure_venv requirements-dev.txt    and the tests and checks (requirements-dev.txt includes it)
ensure_venv() {
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: Python 3.11 or newer is needed as '$python' (set PYTHON=/path/to/python3.11)" >&2
    return 1
  fi
  local file stamp wanted
  for file in requirements.txt "$@"; do
    stamp="venv/.${file%.txt}.sha256"
    # The file, what it includes, and pyproject.toml: requirements.txt installs the library (-e .).
    wanted="$(cat requirements.txt "$file" pyproject.toml | sha256sum | cut -d' ' -f1)"
    if [ -x venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
      continue
    fi
    echo "==> installing pinned dependencies ($file) into ./venv"
    # `|| return 1`: a caller that tests ensure_venv (`if ! ensure_venv`) runs it without set -e.
    [ -x venv/bin/python ] || "$python" -m venv venv || return 1
    venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$file" || return 1
    echo "$wanted" > "$stamp"
  done
}
