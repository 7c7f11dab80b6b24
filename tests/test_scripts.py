"""scripts/_venv.sh, which both newcomer commands use to set up ./venv."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from settings import PROJECT_DIR


def test_a_failed_install_is_reported_and_not_stamped_as_done(tmp_path: Path) -> None:
    # deploy-dev.sh calls `if ! ensure_venv`, where set -e does not apply: the function must fail by itself.
    shutil.copy2(PROJECT_DIR / "scripts" / "_venv.sh", tmp_path / "_venv.sh")
    (tmp_path / "requirements.txt").write_text("pulumi==3.272.0\n")
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\necho 'pip: no such package' >&2\nexit 1\n")  # a venv whose pip fails
    python.chmod(0o755)
    done = subprocess.run(["bash", "-c", "source ./_venv.sh && ensure_venv; echo \"returned $?\""],
                          cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.stdout.strip().splitlines()[-1] == "returned 1", done.stdout + done.stderr
    assert not (tmp_path / "venv" / ".requirements.sha256").exists(), "a failed install must not be stamped"
