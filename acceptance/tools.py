"""The Pulumi CLI and `python -m ops` as child processes: every call has a timeout, its output is captured
and logged, and a call that cannot run or does not finish comes back as a failed result, never an exception."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

REWIRE_COMMAND = "python -m ops rewire"
"""What the program's refusal of a wiring change names (live_stack.py)."""

MINUTE = 60.0
UP_TIMEOUT = 90 * MINUTE
"""Longer than the program's own rollout wait (30 min + hooks + bake, with the acceptance stack's short bake)."""
QUICK_TIMEOUT = 15 * MINUTE
"""A preview refreshes every resource first; config and output reads take seconds."""


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    code: int | None
    """The exit code; None when the command could not start or timed out."""
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def summary(self) -> str:
        """One line for a report: how it ended and the last thing it printed."""
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        ended = "could not finish" if self.code is None else f"exit {self.code}"
        return f"`{' '.join(self.argv)}` {ended}" + (f": {lines[-1]}" if lines else "")


class CommandRunner:
    """Runs commands in the project directory and appends each one and its output to a log."""

    def __init__(self, cwd: Path, log: TextIO) -> None:
        self._cwd = cwd
        self._log = log

    def run(self, argv: Sequence[str], timeout: float) -> Completed:
        try:
            done = subprocess.run(list(argv), cwd=self._cwd, capture_output=True, text=True, errors="replace",
                                  timeout=timeout, stdin=subprocess.DEVNULL, check=False)
            result = Completed(tuple(argv), done.returncode, done.stdout, done.stderr)
        except subprocess.TimeoutExpired as expired:
            result = Completed(tuple(argv), None, _text(expired.stdout), _text(expired.stderr)
                               + f"\ntimed out after {timeout:.0f} s")
        except OSError as error:
            result = Completed(tuple(argv), None, "", f"could not run {argv[0]}: {error}")
        self._write_log(result)
        return result

    def _write_log(self, result: Completed) -> None:
        self._log.write(f"$ {' '.join(result.argv)}\n{result.stdout}{result.stderr}[exit {result.code}]\n\n")
        self._log.flush()


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


class Pulumi:
    """The Pulumi CLI against one stack, never prompting."""

    def __init__(self, runner: CommandRunner, stack: str, executable: str = "pulumi") -> None:
        self._runner = runner
        self.stack = stack
        self._executable = executable

    def _run(self, *args: str, timeout: float = QUICK_TIMEOUT) -> Completed:
        return self._runner.run([self._executable, *args, "--stack", self.stack, "--non-interactive"], timeout)

    def init_stack(self) -> Completed:
        # --no-select: the stack the user has selected stays selected (every other call names its stack).
        return self._runner.run([self._executable, "stack", "init", self.stack, "--no-select", "--non-interactive"],
                                QUICK_TIMEOUT)

    def config_set(self, key: str, value: str) -> Completed:
        return self._run("config", "set", *_path_flag(key), key, value)

    def config_rm(self, key: str) -> Completed:
        return self._run("config", "rm", *_path_flag(key), key)

    def up(self, *flags: str) -> Completed:
        return self._run("up", "--yes", *flags, timeout=UP_TIMEOUT)

    def preview(self, *flags: str) -> Completed:
        return self._run("preview", *flags)

    def outputs(self) -> tuple[Completed, dict[str, Any]]:
        """The stack's outputs ({} when they cannot be read or parsed) beside the call that read them."""
        done = self._run("stack", "output", "--json")
        return done, json_object(done.stdout) if done.ok else {}

    def destroy(self) -> Completed:
        return self._run("destroy", "--yes", timeout=UP_TIMEOUT)

    def remove_stack(self) -> Completed:
        return self._run("stack", "rm", "--yes")


def _path_flag(key: str) -> tuple[str, ...]:
    """`--path` for a key inside an object or list (smokeTest.enabled, availabilityZones[0])."""
    return ("--path",) if "." in key or "[" in key else ()


class Ops:
    """`python -m ops` against one stack; `command` is how to start it (a fake in the tests)."""

    def __init__(self, runner: CommandRunner, stack: str, command: Sequence[str] = (sys.executable, "-m", "ops")) -> None:
        self._runner = runner
        self._stack = stack
        self._command = tuple(command)

    def doctor(self) -> Completed:
        return self._runner.run([*self._command, "doctor", "--stack", self._stack], QUICK_TIMEOUT)

    def rewire(self) -> Completed:
        return self._runner.run([*self._command, "rewire", "--stack", self._stack, "--", "--yes"], UP_TIMEOUT)

    def history(self) -> tuple[Completed, dict[str, Any]]:
        done = self._runner.run([*self._command, "history", "--stack", self._stack, "--output", "json"], QUICK_TIMEOUT)
        return done, json_object(done.stdout) if done.ok else {}


def json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
