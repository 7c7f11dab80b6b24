"""`python -m ops try`: one request through the test listener rule against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import pytest

from tests.fake_endpoints import Answer, dead_endpoint, serve
from tests.ops_fixtures import STACK_OUTPUTS, Result, run, stubbed_aws

HEADER, SECRET = "X-Bluegreen-Test", "s3cretHeaderValue0123456789abcdef"


def outputs_with_test_traffic(url: str) -> dict[str, str]:
    return {**STACK_OUTPUTS, "url": url, "testTrafficHeaderName": HEADER, "testTrafficHeaderValue": "[secret]"}


def alb(request: BaseHTTPRequestHandler) -> Answer:
    """Like the ALB: the header with the secret reaches v2 (the test rule), anything else v1 (production)."""
    if request.path == "/redirect":
        return Answer(302, b"", {"Location": "https://elsewhere.example/"})
    if request.path == "/echo":
        return Answer(500, f"bad request, {HEADER}: {request.headers.get(HEADER)}".encode())
    new = request.headers.get(HEADER) == SECRET
    return Answer(200, f"Hello from the app. Version: {'v2' if new else 'v1'}\n".encode())


@contextmanager
def alb_url() -> Iterator[str]:
    with serve(alb) as url:
        yield url + "/"  # the stack's url output ends with a slash


def try_(url: str, *argv: str) -> Result:
    with stubbed_aws() as aws:  # no AWS call is queued: `try` makes none
        return run(aws, "try", *argv, outputs=outputs_with_test_traffic(url), secrets={"testTrafficHeaderValue": SECRET})


def test_reaches_the_new_revision_with_the_secret_header_and_never_prints_it() -> None:
    with alb_url() as url:
        result = try_(url)

    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (f"GET {url}  ({HEADER}: the stack's secret)  ->  200\n"
                             "Hello from the app. Version: v2\n")


def test_a_non_2xx_answer_is_shown_and_exits_6_with_the_echoed_secret_masked() -> None:
    with alb_url() as url:
        result = try_(url, "--path", "/echo")

    assert result.code == 6
    assert SECRET not in result.stdout
    assert result.stdout.splitlines()[1] == f"bad request, {HEADER}: ***"


def test_redirects_are_not_followed_so_the_header_goes_nowhere_else() -> None:
    with alb_url() as url:
        result = try_(url, "--path", "/redirect")

    assert result.code == 6
    assert result.stdout.splitlines() == [f"GET {url.rstrip('/')}/redirect  ({HEADER}: the stack's secret)  ->  302",
                                          "(redirect to https://elsewhere.example/)"]


def test_an_endpoint_that_never_answers_times_out_in_one_line() -> None:
    with dead_endpoint() as url:
        result = try_(url, "--timeout", "0.5")

    assert (result.code, result.stdout) == (6, "")
    assert result.stderr == f"ops: GET {url}/ failed: timed out\n"


def test_a_refused_connection_is_one_line() -> None:
    with dead_endpoint() as url:
        pass  # closed again: nothing listens on the port now
    result = try_(url)

    assert result.code == 6
    assert result.stderr.startswith(f"ops: GET {url}/ failed: [Errno 111] Connection refused")
    assert result.stderr.count("\n") == 1


def test_a_stack_without_test_traffic_says_why_there_is_nothing_to_try() -> None:
    with stubbed_aws() as aws:
        result = run(aws, "try", outputs={**STACK_OUTPUTS, "url": "http://127.0.0.1:9/"})

    assert result.code == 2
    assert result.stderr == ("ops: the stack has no test listener rule (testTraffic.enabled is false), so nothing "
                             "reaches the new revision before production traffic does\n")


@pytest.mark.parametrize("path", ["health", "http://evil.example/"])
def test_the_path_must_start_with_a_slash(path: str) -> None:
    result = try_("http://127.0.0.1:9/", "--path", path)
    assert (result.code, result.stderr) == (2, f"ops: --path must start with '/', got {path!r}\n")
