"""HTTP helpers for the server tests: plain GETs, and requests that are provably in flight.

A request is "in flight" when the server has accepted its connection and read part of it, but
not all: `InFlightRequests.begin()` gets every connection to that point (the listening socket's
accept queue is empty, so the server, not just the kernel, holds them all), the test then tells
the server to stop, and `complete()` sends the rest of each request and reads each response.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PROC_NET_TCP_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def tcp_listener(tables: str, port: int) -> tuple[str, int] | None:
    """(local address, accept queue length) of the TCP listener at `port`, if any, read from the
    text of Linux's /proc/net/tcp and /proc/net/tcp6 tables.

    The accept queue holds connections the kernel completed that the server has not accepted yet
    (Linux reports it as the rx_queue of a LISTEN socket).
    """
    for row in tables.splitlines():
        fields = row.split()
        if len(fields) < 5 or fields[0] == "sl":  # the header line of each table
            continue
        local_address, state, queues = fields[1], fields[3], fields[4]
        address, listen_port = local_address.rsplit(":", 1)
        if state == "0A" and int(listen_port, 16) == port:
            return _address(address), int(queues.split(":")[1], 16)
    return None


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:  # IPv4, stored in host (little-endian) byte order
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # IPv6: four 32-bit words, each in host byte order
    return socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))


def _host_listener(port: int) -> tuple[str, int] | None:
    return tcp_listener("".join(Path(table).read_text() for table in PROC_NET_TCP_TABLES), port)


def accept_queue_length(port: int) -> int | None:
    """The accept queue length of the listener at `port` on this host; None if nothing listens."""
    listener = _host_listener(port)
    return None if listener is None else listener[1]


def listening_address(port: int) -> str | None:
    listener = _host_listener(port)
    return None if listener is None else listener[0]


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    """Polls `condition` every `interval` seconds; a condition that runs a process wants a longer one."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting until {what}")
        time.sleep(interval)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: str


def get(port: int, path: str, timeout: float = 5) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return _read(connection.getresponse())
    finally:
        connection.close()


def answers(port: int, path: str) -> bool:
    try:
        return get(port, path, timeout=1).status == 200
    except (OSError, http.client.HTTPException):
        return False


def _read(response: http.client.HTTPResponse) -> Response:
    # read() raises IncompleteRead if the body is shorter than its Content-Length.
    body = response.read().decode()
    return Response(response.status, {name.lower(): value for name, value in response.getheaders()}, body)


class InFlightRequests:
    """`count` concurrent GETs of `path`, each sent in two parts around the moment the server stops."""

    def __init__(self, port: int, path: str, count: int,
                 accept_queue: Callable[[], int | None] | None = None, poll_interval: float = 0.05) -> None:
        """`accept_queue` reads the listener's accept queue length where the server runs (by
        default on this host, from its /proc), every `poll_interval` seconds."""
        self.port = port
        self.path = path
        self.count = count
        self._accept_queue = accept_queue or (lambda: accept_queue_length(port))
        self._poll_interval = poll_interval
        self._sockets: list[socket.socket] = []

    def begin(self, timeout: float = 10) -> None:
        """Connects and sends each request up to, not including, the blank line that ends it."""
        head = f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n".encode()
        for _ in range(self.count):
            connection = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
            self._sockets.append(connection)
            connection.sendall(head)
        wait_until(lambda: self._accept_queue() == 0, timeout,
                   f"the server accepted all {self.count} connections on port {self.port}", self._poll_interval)

    def complete(self) -> list[Response | str]:
        """Sends the rest of every request, then reads each response; a failure is returned as text.

        All requests are finished before any response is read: the server may be holding some
        accepted connections in a queue until a thread busy with another one is free.
        """
        unsent: dict[int, str] = {}
        for index, connection in enumerate(self._sockets):
            try:
                connection.sendall(b"\r\n")
            except OSError as error:
                unsent[index] = f"sending the end of the request: {type(error).__name__}: {error}"
        results: list[Response | str] = []
        for index, connection in enumerate(self._sockets):
            if index in unsent:
                results.append(unsent[index])
                connection.close()
                continue
            try:
                response = http.client.HTTPResponse(connection)
                response.begin()
                results.append(_read(response))
            except (OSError, http.client.HTTPException) as error:
                results.append(f"{type(error).__name__}: {error}")
            finally:
                connection.close()
        return results

    def close(self) -> None:
        for connection in self._sockets:
            connection.close()
