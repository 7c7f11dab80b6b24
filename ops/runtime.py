"""What every command gets: its configuration, AWS clients, I/O streams and time sources."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from ops.clients import Clients
from ops.config import Config
from ops.deadline import Deadline
from ops.options import DEFAULT_ROLLOUT_TIMEOUT_MINUTES
from ops.parallel import Starter, on_threads


@dataclass
class Runtime:
    config: Config
    clients: Clients
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    now: Callable[[], datetime]
    start: Starter = on_threads
    """Starts an AWS read that need not wait for the others (see ops.parallel)."""
    deadline: Deadline = field(default_factory=lambda: Deadline(None))

    def out(self, line: str = "") -> None:
        print(line, file=self.stdout, flush=True)

    def out_json(self, document: Any) -> None:
        self.out(json.dumps(document, indent=2, default=_json_default))

    def rollout_timeout(self) -> tuple[float, str]:
        """How long `pulumi up` waits for a rollout, so `watch` never gives up sooner, and where that comes
        from. The stack outputs are not read for it: pulumi runs only when a value is missing."""
        outputs = self.config.outputs.loaded
        minutes = outputs.get("rolloutTimeoutMinutes")
        if isinstance(minutes, (int, float)) and not isinstance(minutes, bool) and minutes > 0:
            return float(minutes) * 60, "the stack's rolloutTimeoutMinutes, the time `pulumi up` waits"
        why = "the stack has no rolloutTimeoutMinutes output" if outputs else "no stack outputs read"
        return DEFAULT_ROLLOUT_TIMEOUT_MINUTES * 60.0, f"the default ({why})"


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
