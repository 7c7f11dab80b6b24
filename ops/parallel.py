"""Independent AWS reads at the same time: the operator waits for the slowest read, not for their sum.

boto3 clients are thread-safe; sessions are not, so ops.clients makes each client under a lock. Reads run
on daemon threads: a command that gives up (its --deadline, Ctrl-C) exits at once instead of waiting for
calls still in flight, as a ThreadPoolExecutor's workers would make it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol, TypeVar

T = TypeVar("T")


class Starter(Protocol):
    """Starts a read and returns its future; `.result()` waits for it and re-raises its error."""

    def __call__(self, read: Callable[[], T], /) -> Future[T]: ...


def on_threads(read: Callable[[], T]) -> Future[T]:
    """Starts `read` on a thread of its own."""
    future: Future[T] = Future()
    threading.Thread(target=_settle, args=(future, read), daemon=True).start()
    return future


def in_turn(read: Callable[[], T]) -> Future[T]:
    """Runs `read` before returning: for stubbed clients, which must be called in the order their answers
    were queued."""
    future: Future[T] = Future()
    _settle(future, read)
    return future


def _settle(future: Future[T], read: Callable[[], T]) -> None:
    try:
        future.set_result(read())
    except Exception as error:  # noqa: BLE001 - handed to whoever waits for the result
        future.set_exception(error)
