# Sourced by the scripts: creates ./venv (the virtualenv Pulumi.yaml names) and installs the pinned
# requirements into it, again only when requirements.txt has changed since the last install.
ensure_venv() {
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: Python 3.11 or newer is needed as '$python' (set PYTHON=/path/to/python3.11)" >&2
    return 1
  fi
  local stamp="venv/.requirements.sha256"
  local wanted
  wanted="$(sha256sum requirements.txt | cut -d' ' -f1)"
  if [ -x venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    return 0
  fi
  echo "==> installing pinned dependencies into ./venv"
  [ -x venv/bin/python ] || "$python" -m venv venv
  venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$wanted" > "$stamp"
}
