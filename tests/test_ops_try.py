"""`python -m ops try`: one request through the test listener rule against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from ops.config import TEST_HEADER_VALUE_VARIABLE
from tests.fake_endpoints import Answer, dead_endpoint, serve
from tests.ops_fixtures import STACK_OUTPUTS, Result, isolated_env, run, stubbed_aws  # noqa: F401 - a fixture

HEADER, SECRET = "X-Bluegreen-Test", "s3cretHeaderValue0123456789abcdef"
BINARY = b"\x89PNG\r\n\x1a\n\x00\x1b]0;pwned\x07\x1b[2J\xe2\x80\xaeevil\x9b31m\n"
"""A body that would retitle the terminal, clear it and reverse the text if printed as it came."""
REPO = Path(__file__).resolve().parent.parent


def outputs_with_test_traffic(url: str) -> dict[str, str]:
    return {**STACK_OUTPUTS, "url": url, "testTrafficHeaderName": HEADER, "testTrafficHeaderValue": "[secret]"}


def alb(request: BaseHTTPRequestHandler) -> Answer:
    """Like the ALB: the header with the secret reaches v2 (the test rule), anything else v1 (production)."""
    if request.path == "/redirect":
        return Answer(302, b"", {"Location": "https://elsewhere.example/"})
    if request.path == "/binary":
        return Answer(200, BINARY, {"Content-Type": "application/octet-stream"})
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


def test_a_binary_body_reaches_the_terminal_without_control_characters() -> None:
    with alb_url() as url:
        result = try_(url, "--path", "/binary")

    assert result.code == 0, result.stderr
    body = result.stdout.split("\n", 1)[1]
    assert not [char for char in body if char != "\n" and (ord(char) < 32 or 127 <= ord(char) < 160)], body
    assert "\u202e" not in body  # right-to-left override
    # Bytes that are not UTF-8 (\\x89, the C1 CSI \\x9b) were replaced by U+FFFD when decoded.
    assert body == "\ufffdPNG\\r\n\\x1a\n\\x00\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil\ufffd31m\n"


def test_url_header_and_the_secret_variable_need_no_pulumi_cli(isolated_env: dict[str, str]) -> None:  # noqa: F811
    def try_process(env: dict[str, str], url: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ops", "try", "--url", url, "--header", HEADER], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=60, check=False)

    with alb_url() as url:  # isolated_env has no pulumi on PATH, no AWS credentials and no BG_* variables
        done = try_process({**isolated_env, TEST_HEADER_VALUE_VARIABLE: SECRET}, url)
        without_secret = try_process(isolated_env, url)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"GET {url}  ({HEADER}: the stack's secret)  ->  200\nHello from the app. Version: v2\n"
    assert (without_secret.returncode, without_secret.stdout) == (2, "")
    assert without_secret.stderr == ("ops: cannot read stack output testTrafficHeaderValue: the pulumi CLI is not on "
                                     f"PATH (or set {TEST_HEADER_VALUE_VARIABLE})\n")
