"""Named steps run in order, one report line each: PASS, FAIL or SKIP <item>: <detail>."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Context = TypeVar("Context")


class Failed(Exception):
    """The step's check did not hold; the message is the report's detail."""


class Skipped(Exception):
    """The step does not apply to this run; the message says why."""


@dataclass(frozen=True)
class Step(Generic[Context]):
    item: str
    run: Callable[[Context], str]
    """Returns the PASS detail; raises Failed or Skipped."""


@dataclass(frozen=True)
class Outcome:
    result: str
    """PASS, FAIL or SKIP."""
    item: str
    detail: str

    def line(self) -> str:
        return f"{self.result} {self.item}: {' '.join(self.detail.split())}"


def attempt(step: Step[Context], context: Context) -> Outcome:
    """The step's outcome; whatever it raises becomes a FAIL line, never a traceback."""
    try:
        return Outcome("PASS", step.item, step.run(context))
    except Failed as failure:
        return Outcome("FAIL", step.item, str(failure))
    except Skipped as skip:
        return Outcome("SKIP", step.item, str(skip))
    except KeyboardInterrupt:
        return Outcome("FAIL", step.item, "interrupted (Ctrl-C)")
    except Exception as error:  # noqa: BLE001 - a bug in a step must still reach the teardown
        return Outcome("FAIL", step.item, f"unexpected {type(error).__name__}: {error}")


def run_steps(steps: Sequence[Step[Context]], context: Context, report: Callable[[Outcome], None]) -> list[Outcome]:
    """Runs the steps in order until one fails; each later step is reported SKIP, because every step
    builds on the stack the ones before it left."""
    outcomes: list[Outcome] = []
    first_failure: str | None = None
    for step in steps:
        if first_failure is None:
            outcome = attempt(step, context)
        else:
            outcome = Outcome("SKIP", step.item, f"not run, because \"{first_failure}\" failed")
        if outcome.result == "FAIL" and first_failure is None:
            first_failure = step.item
        report(outcome)
        outcomes.append(outcome)
    return outcomes
