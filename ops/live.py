"""The live view `watch` and `rollback` show on a terminal: stage, each revision's tasks and traffic as bars,
hook states, and the time followed against the rollout timeout, redrawn in place under the plain lines.

Piped or in CI (stdout not a terminal, or TERM=dumb) there is no view: the plain lines alone, as before.
rich is imported only for a terminal: `--help` and the piped path do not pay for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TextIO, TypeVar, cast

from ops import deployments as aws
from ops import render
from ops.deployments import Deployment, Revision
from ops.runtime import Runtime

if TYPE_CHECKING:
    from rich.console import RenderableType

BAR_WIDTH = 20
P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class RolloutView:
    """What the view shows; rich draws it again on each refresh, so the clock ticks between polls."""

    clock: Callable[[], float]
    started: float = 0.0
    timeout: float = 0.0
    """0: no limit."""
    deployment: Deployment = field(default_factory=dict)
    revisions: Mapping[str, Revision] = field(default_factory=dict)

    def __rich__(self) -> RenderableType:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        deployment = self.deployment
        if not deployment:
            return Text("")
        stage = deployment.get("lifecycleStage") or "-"
        title = Text.assemble(("Stage ", "bold"), (stage, "bold cyan"), f"  {deployment.get('status', '?')}")
        revisions = Table.grid(padding=(0, 1))
        for role, summary in aws.revision_summaries(deployment):
            revisions.add_row(*self._revision_row(role, summary))
        hooks = "  ".join(f"{hook.get('targetType', '?')} {hook.get('status', '?')}"
                          for hook in deployment.get("lifecycleHookDetails", []))
        return Group(title, revisions, Text(f"Hooks  {hooks or 'none yet'}"), self._clock_row())

    def _revision_row(self, role: str, summary: Mapping[str, Any]) -> list[RenderableType]:
        from rich.progress_bar import ProgressBar

        running, desired = summary.get("runningTaskCount", 0), summary.get("requestedTaskCount", 0)
        prod = summary.get("requestedProductionTrafficWeight")
        test = summary.get("requestedTestTrafficWeight")
        return [f"{role} {render.version(self.revisions, summary.get('arn'))}",
                f"tasks {running}/{desired}", ProgressBar(total=desired or 1, completed=running, width=BAR_WIDTH),
                f"prod {render.percent(prod):>4}", ProgressBar(completed=prod or 0, width=BAR_WIDTH),
                f"test {render.percent(test):>4}", ProgressBar(completed=test or 0, width=BAR_WIDTH)]

    def _clock_row(self) -> RenderableType:
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        followed = self.clock() - self.started
        limit = f"of {render.duration(self.timeout)} (--timeout)" if self.timeout else "(no --timeout)"
        row = Table.grid(padding=(0, 1))
        row.add_row(f"Time   {render.duration(followed)} {limit}",
                    ProgressBar(total=self.timeout or 1, completed=followed if self.timeout else 0, width=BAR_WIDTH))
        return row


_shown: ContextVar[RolloutView | None] = ContextVar("shown", default=None)


def show(deployment: Deployment, revisions: Mapping[str, Revision], *, started: float, timeout: float) -> None:
    """Redraws the live view with this poll's deployment; nothing off a terminal."""
    view = _shown.get()
    if view is not None:
        view.started, view.timeout, view.deployment, view.revisions = started, timeout, deployment, revisions


def shown_on_a_terminal(follow: Callable[Concatenate[Runtime, P], T]) -> Callable[Concatenate[Runtime, P], T]:
    """Draws a live view while `follow(rt, ...)` runs, if rt.stdout is a terminal; `show` fills it in."""

    @functools.wraps(follow)
    def following(rt: Runtime, *args: P.args, **kwargs: P.kwargs) -> T:
        with _live_view(rt) as view:
            token = _shown.set(view)
            try:
                return follow(rt, *args, **kwargs)
            finally:
                _shown.reset(token)
    return following


@contextmanager
def _live_view(rt: Runtime) -> Iterator[RolloutView | None]:
    """rich's Live on rt.stdout, with rt.out's lines printed above the view; None off a terminal (or on a
    dumb one)."""
    isatty = getattr(rt.stdout, "isatty", None)
    if not (isatty and isatty()):
        yield None
        return
    from rich.console import Console
    from rich.file_proxy import FileProxy
    from rich.live import Live

    console = Console(file=rt.stdout)
    if console.is_dumb_terminal:
        yield None
        return
    view = RolloutView(clock=rt.clock, started=rt.clock())
    plain, plain_errors = rt.stdout, rt.stderr
    with Live(view, console=console, refresh_per_second=2, redirect_stdout=False, redirect_stderr=False):
        # TextIOBases that print above the view; a line written past it (a retry notice) would garble it.
        rt.stdout = cast(TextIO, FileProxy(console, plain))
        rt.stderr = cast(TextIO, FileProxy(console, plain_errors))
        try:
            yield view
        finally:
            rt.stdout, rt.stderr = plain, plain_errors
