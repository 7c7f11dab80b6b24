"""--deadline: a command ends in the time it was given, wherever it waits (an AWS call, `pulumi`, a read
on another thread), but not while a prompt waits for the operator."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from ops.errors import DeadlinePassed
from ops.options import DEFAULT_DEADLINE_SECONDS


def deadline_seconds(args: argparse.Namespace) -> float | None:
    """--deadline (0: none); by default none for a command that follows a rollout or a log, which its
    --timeout or Ctrl-C ends, and DEFAULT_DEADLINE_SECONDS for the others."""
    if args.deadline is not None:
        return args.deadline or None
    follows = getattr(args, "follows", None)
    return None if follows and follows(args) else DEFAULT_DEADLINE_SECONDS


class Deadline:
    """A SIGALRM timer: its handler raises DeadlinePassed in the main thread, which interrupts a blocking
    socket read or a wait for another thread's result. Off where there is no SIGALRM (Windows) or when not
    on the main thread (signals are delivered only there)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._usable = bool(seconds) and hasattr(signal, "setitimer") \
            and threading.current_thread() is threading.main_thread()
        self._running = False
        self._previous: Any = signal.SIG_DFL

    def _expire(self, _signal: int, _frame: FrameType | None) -> None:
        raise DeadlinePassed(self.seconds or 0)

    def start(self) -> None:
        if self._usable and not self._running:
            self._previous = signal.signal(signal.SIGALRM, self._expire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds or 0)
            self._running = True

    def stop(self) -> None:
        """Idempotent: main() stops it before printing an error, and again on the way out."""
        if self._running:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            self._running = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stops the clock while the operator reads and answers a prompt."""
        if not self._running:
            yield
            return
        remaining, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            yield
        finally:
            if remaining:
                signal.setitimer(signal.ITIMER_REAL, remaining)
