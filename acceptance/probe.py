"""A thread that polls a URL while a step changes the stack, and counts the answers users would not want."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from types import TracebackType

USER_AGENT = "ecs-bluegreen-acceptance-probe"
EXAMPLES_KEPT = 3


@dataclass
class ProbeReport:
    url: str
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    """One entry per answer that was not 2xx (its status) or per request that got no answer (why)."""

    @property
    def clean(self) -> bool:
        return self.requests > 0 and not self.failures

    def summary(self) -> str:
        examples = f" (e.g. {', '.join(self.failures[:EXAMPLES_KEPT])})" if self.failures else ""
        return f"{self.requests} request(s) to {self.url}, {len(self.failures)} not 2xx{examples}"


class Probe:
    """GETs `url` every `interval` seconds (redirects followed) from `start` until `stop`, and stops by
    itself after `max_seconds` or `max_requests`, so a step that never returns cannot leave it running.
    Always makes at least one request."""

    def __init__(self, url: str, *, interval: float = 1.0, timeout: float = 5.0, max_seconds: float = 2 * 3600,
                 max_requests: int = 20_000) -> None:
        self._url = url
        self._interval = interval
        self._timeout = timeout
        self._max_seconds = max_seconds
        self._max_requests = max_requests
        self._stopped = threading.Event()
        self._report = ProbeReport(url)
        self._thread = threading.Thread(target=self._poll, name="acceptance-probe", daemon=True)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> ProbeReport:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()
        return self._report

    def wait_until_done(self, timeout: float) -> ProbeReport:
        """Waits up to `timeout` seconds for the probe to reach its bounds and stop by itself."""
        self._thread.join(timeout)
        return self._report

    def _poll(self) -> None:
        deadline = time.monotonic() + self._max_seconds
        for _ in range(self._max_requests):
            failure = self._request()
            self._report.requests += 1
            if failure is not None:
                self._report.failures.append(failure)
            if self._stopped.wait(self._interval) or time.monotonic() >= deadline:
                return

    def _request(self) -> str | None:
        """None for a 2xx answer, else what went wrong."""
        status, text = get(self._url, self._timeout)
        if status is None:
            return text
        return None if 200 <= status < 300 else str(status)


def get(url: str, timeout: float) -> tuple[int | None, str]:
    """GET with redirects followed: the final status and up to 64 KiB of the body, or None and why there
    was no answer."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read(64 * 1024).decode(errors="replace")
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, ""
    except (OSError, http.client.HTTPException, ValueError) as error:  # ValueError: a malformed URL
        return None, f"no answer ({getattr(error, 'reason', error)})"
