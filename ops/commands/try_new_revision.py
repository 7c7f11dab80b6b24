"""`try`: one request to the new revision through the test listener rule, as an approver would make it."""

from __future__ import annotations

import argparse
import unicodedata
import urllib.error
import urllib.request
from http.client import HTTPResponse

from ops.config import TEST_HEADER_VALUE_VARIABLE
from ops.errors import CliError, ExitCode, one_line
from ops.options import number
from ops.runtime import Runtime

BODY_SHOWN = 2000
"""Characters of the response body printed; the app's pages are short."""

HELP = "one request to the new revision through the test listener rule (before `approve`)"
DESCRIPTION = f"""\
Send one GET to the stack's URL with the test traffic header, which the test listener rule forwards to
the new revision from TEST_TRAFFIC_SHIFT on, and print the status and body (control characters escaped).
Run it before `approve`. The URL, the header's name and its secret value come from --url, --header and
${TEST_HEADER_VALUE_VARIABLE}, else from the stack's outputs (url, testTrafficHeaderName, and
testTrafficHeaderValue read with --show-secrets); given all three, the pulumi CLI is not needed. The secret is
never printed, and redirects are not followed (they would carry the header elsewhere). Exit 0 on a 2xx
answer, 6 on any other answer or none."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("try", parents=[common], help=HELP, description=DESCRIPTION)
    parser.add_argument("--path", default="/", help="path to request, starting with / (default: /)")
    parser.add_argument("--timeout", type=number(float, 0.1, 60, " seconds"), default=10.0, metavar="SECONDS",
                        help="how long to wait for the answer, 0.1 to 60 (default: 10)")
    parser.add_argument("--url", help="the app's URL (default: the stack's url output)")
    parser.add_argument("--header", metavar="NAME", help="the test traffic header's name (default: the stack's "
                                                         f"testTrafficHeaderName output); its value: ${TEST_HEADER_VALUE_VARIABLE}")
    parser.set_defaults(handler=run, needs_target=False)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # urllib then raises HTTPError with the 3xx answer


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    if not args.path.startswith("/"):
        raise CliError(f"--path must start with '/', got {args.path!r}", ExitCode.CONFIG)
    outputs = rt.config.outputs
    if not args.header and outputs.get("testTrafficHeaderName") is None and not outputs.problem:
        raise CliError("the stack has no test listener rule (testTraffic.enabled is false), so nothing reaches the "
                       "new revision before production traffic does", ExitCode.CONFIG)
    url = (args.url or outputs.require("url")).rstrip("/") + args.path
    header = args.header or outputs.require("testTrafficHeaderName")
    secret = rt.config.test_header_value or _secret_output(rt)
    request = urllib.request.Request(url, headers={header: secret})
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=args.timeout) as response:
            return _show(rt, url, header, response.status, _body(response), secret)
    except urllib.error.HTTPError as answer:
        location = answer.headers.get("Location")
        return _show(rt, url, header, answer.code, f"(redirect to {location})" if location else _body(answer), secret)
    except (urllib.error.URLError, OSError) as error:
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        raise CliError(f"GET {url} failed: {one_line(reason) or type(reason).__name__}", ExitCode.CHECK_FAILED) \
            from None


def _secret_output(rt: Runtime) -> str:
    try:
        return rt.config.outputs.require("testTrafficHeaderValue", secret=True)
    except CliError as error:
        raise CliError(f"{error} (or set {TEST_HEADER_VALUE_VARIABLE})", error.code) from None


def _body(response: HTTPResponse | urllib.error.HTTPError) -> str:
    return response.read(BODY_SHOWN + 1).decode("utf-8", "replace")


def printable(text: str) -> str:
    """Text safe for a terminal: control and format characters (escape sequences, carriage returns, bidi
    overrides) as Python escapes; line breaks and tabs stay."""
    return "".join(char if char in "\n\t" or not unicodedata.category(char).startswith("C")
                   else char.encode("unicode_escape").decode("ascii") for char in text)


def _show(rt: Runtime, url: str, header: str, status: int, body: str, secret: str) -> ExitCode:
    rt.out(f"GET {url}  ({header}: the stack's secret)  ->  {status}")
    shown = printable(body[:BODY_SHOWN].replace(secret, "***"))  # an app that echoes request headers must not leak it
    rt.out(shown.rstrip("\n") + (f"\n... (more than {BODY_SHOWN} characters)" if len(body) > BODY_SHOWN else ""))
    return ExitCode.OK if 200 <= status < 300 else ExitCode.CHECK_FAILED
