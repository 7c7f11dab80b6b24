"""ECS blue/green lifecycle hook: smoke-test the new (green) revision before production traffic moves.

ECS invokes this function at POST_TEST_TRAFFIC_SHIFT. At that stage the load balancer's test
listener rule, matched by a secret header, forwards to the green target group while production
traffic still reaches blue. Each invocation is one attempt:

* GET <baseUrl><healthPath> with the test header must answer 200, and
* GET <baseUrl><versionPath> with the test header must report ``Version: <expectedVersion>``
  (unless checkVersion is false, for an app that does not print its version).

Both pass: SUCCEEDED, and ECS goes on to shift production traffic. A check fails while attempts
remain: IN_PROGRESS with ``callBackDelay``, so ECS calls again once the new tasks have warmed up.
The budget is spent, or the configuration is unusable: FAILED, and ECS rolls back to blue.

Configuration (stdlib only: the function is deployed as this one file, without dependencies):

* environment: TEST_HEADER_NAME, TEST_HEADER_VALUE (a secret, never logged),
  REQUEST_TIMEOUT_SECONDS (optional, default 5): how long each check may take in all, from connecting
  to the last byte. Checks also stop ANSWER_RESERVE_SECONDS before the function's own timeout, so
  every invocation answers ECS and logs its attempt.
* hookDetails, set on the service's lifecycle hook, as an object or a JSON string: baseUrl,
  expectedVersion, healthPath, checkVersion, versionPath, maxAttempts, callbackDelaySeconds. Each key's name,
  default and range is defined once below (the "hookDetails contract"); the stack builds the
  details from SmokeTestConfig and takes its config defaults and ranges from the same place.

The attempt counter travels in the hookDetails returned with IN_PROGRESS, which ECS passes back on
the next invocation; it is returned together with the whole configuration, so counting works
whether ECS merges the returned details into the configured ones or replaces them.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
IN_PROGRESS = "IN_PROGRESS"

DEFAULT_REQUEST_TIMEOUT_SECONDS = 5.0

# Kept back from the function's own timeout to answer ECS and write the attempt's log line.
ANSWER_RESERVE_SECONDS = 2.0

# The app's pages are a few bytes; reading more would only let a broken target stall the hook.
MAX_BODY_BYTES = 64 * 1024

# RFC 9110 token characters: http.client would reject anything else mid-request.
_HEADER_NAME_PATTERN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# The app answers "Hello from ECS Fargate! Version: v2"; a version is a Docker tag (no spaces).
_VERSION_PATTERN = re.compile(r"Version: (\S+)")

# Payload fields worth a place in every log line. ECS documents executionId and lifecycleStage
# at the top level and the others under executionDetails; _event_field reads either place.
_CONTEXT_FIELDS = ("lifecycleStage", "executionId", "serviceArn", "targetServiceRevisionArn",
                   "testTrafficWeights", "productionTrafficWeights")

logger = logging.getLogger("smoke_test")
logger.setLevel(logging.INFO)


@runtime_checkable
class LambdaContext(Protocol):
    """The part of the Lambda context object the hook uses."""

    def get_remaining_time_in_millis(self) -> int: ...


class ConfigError(ValueError):
    """The hook's environment or hookDetails cannot describe a smoke test."""


# ---------------------------------------------------------------------------------------------
# The hookDetails contract: each key's name, default and range, defined once. The stack builds the
# details with SmokeTestConfig.hook_details() and reads its config defaults and ranges from here.


@dataclass(frozen=True)
class PathKey:
    key: str
    default: str

    def read(self, details: Mapping[str, Any]) -> str:
        value = details.get(self.key, self.default)
        if not isinstance(value, str) or not value.startswith("/"):
            raise ConfigError(f"hookDetails.{self.key} must be a path starting with '/', got {value!r}")
        return value


@dataclass(frozen=True)
class WholeNumberKey:
    key: str
    default: int
    low: int
    high: int

    def read(self, details: Mapping[str, Any]) -> int:
        value = details.get(self.key, self.default)
        # bool is an int subclass; `true` is not a count.
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise ConfigError(f"hookDetails.{self.key} must be a whole number from {self.low} to "
                              f"{self.high}, got {value!r}")
        return value


@dataclass(frozen=True)
class BooleanKey:
    key: str
    default: bool

    def read(self, details: Mapping[str, Any]) -> bool:
        value = details.get(self.key, self.default)
        if not isinstance(value, bool):
            raise ConfigError(f"hookDetails.{self.key} must be true or false, got {value!r}")
        return value


BASE_URL_KEY = "baseUrl"
EXPECTED_VERSION_KEY = "expectedVersion"
HEALTH_PATH = PathKey("healthPath", "/health")
CHECK_VERSION = BooleanKey("checkVersion", default=True)
VERSION_PATH = PathKey("versionPath", "/")
MAX_ATTEMPTS = WholeNumberKey("maxAttempts", default=10, low=1, high=100)
CALLBACK_DELAY_SECONDS = WholeNumberKey("callbackDelaySeconds", default=15, low=1, high=600)
# The attempt count this hook returns with IN_PROGRESS, and ECS hands back on the next call.
ATTEMPTS_MADE = WholeNumberKey("smokeTestAttempt", default=0, low=0, high=MAX_ATTEMPTS.high)
ATTEMPT_KEY = ATTEMPTS_MADE.key


@dataclass(frozen=True)
class SmokeTestConfig:
    base_url: str
    expected_version: str
    health_path: str = HEALTH_PATH.default
    check_version: bool = CHECK_VERSION.default
    """False: the health check alone decides (for an app that does not print `Version: <version>`)."""
    version_path: str = VERSION_PATH.default
    max_attempts: int = MAX_ATTEMPTS.default
    callback_delay_seconds: int = CALLBACK_DELAY_SECONDS.default
    attempts_made: int = 0

    def hook_details(self) -> dict[str, Any]:
        """The configuration as the service's lifecycle hook passes it (parse_config reads it back)."""
        return {BASE_URL_KEY: self.base_url, EXPECTED_VERSION_KEY: self.expected_version,
                HEALTH_PATH.key: self.health_path, CHECK_VERSION.key: self.check_version,
                VERSION_PATH.key: self.version_path,
                MAX_ATTEMPTS.key: self.max_attempts, CALLBACK_DELAY_SECONDS.key: self.callback_delay_seconds}


@dataclass(frozen=True)
class RequestSettings:
    header_name: str
    header_value: str
    timeout_seconds: float


@dataclass(frozen=True)
class CheckFailure:
    check: str
    url: str
    status_code: int | None
    reason: str


def handler(event: Mapping[str, Any], context: object = None) -> dict[str, Any]:
    """Lambda entry point: run one smoke-test attempt and tell ECS how to proceed."""
    log_context = {name: value for name in _CONTEXT_FIELDS
                   if (value := _event_field(event, name)) is not None}
    try:
        details = _hook_details(event)
        config = parse_config(details)
        request_settings = parse_environment(os.environ)
    except ConfigError as error:
        _log(logging.ERROR, "smoke test misconfigured", log_context,
             hookStatus=FAILED, error=str(error))
        return {"hookStatus": FAILED}

    attempt = config.attempts_made + 1
    failure = run_checks(config, request_settings, _invocation_deadline(context))
    attempt_fields: dict[str, Any] = {"attempt": attempt, "maxAttempts": config.max_attempts,
                                      "baseUrl": config.base_url,
                                      "expectedVersion": config.expected_version}
    if failure is None:
        _log(logging.INFO, "smoke test passed", log_context, hookStatus=SUCCEEDED,
             **attempt_fields)
        return {"hookStatus": SUCCEEDED}

    failure_fields = {"failedCheck": failure.check, "url": failure.url,
                      "statusCode": failure.status_code, "reason": failure.reason}
    if attempt >= config.max_attempts:
        _log(logging.ERROR, "smoke test failed; retry budget spent, ECS rolls back", log_context,
             hookStatus=FAILED, **attempt_fields, **failure_fields)
        return {"hookStatus": FAILED}

    _log(logging.WARNING, "smoke test attempt failed; retrying", log_context,
         hookStatus=IN_PROGRESS, callBackDelay=config.callback_delay_seconds,
         **attempt_fields, **failure_fields)
    return {
        "hookStatus": IN_PROGRESS,
        "callBackDelay": config.callback_delay_seconds,
        "hookDetails": {**details, ATTEMPT_KEY: attempt},
    }


def run_checks(config: SmokeTestConfig, settings: RequestSettings,
               invocation_deadline: float = math.inf) -> CheckFailure | None:
    """Run the health check, then the version check (if on); return the first failure, if any.

    Each check must be answered within settings.timeout_seconds, and before invocation_deadline
    (time.monotonic()), whichever comes first.
    """
    def check_deadline() -> float:
        return min(time.monotonic() + settings.timeout_seconds, invocation_deadline)

    health_url = config.base_url + config.health_path
    status, _, error = _get(health_url, settings, check_deadline())
    if error is not None:
        return CheckFailure("health", health_url, status, error)
    if status != 200:
        return CheckFailure("health", health_url, status, f"expected HTTP 200, got {status}")
    if not config.check_version:
        return None

    version_url = config.base_url + config.version_path
    status, body, error = _get(version_url, settings, check_deadline())
    if error is not None:
        return CheckFailure("version", version_url, status, error)
    if status != 200:
        return CheckFailure("version", version_url, status, f"expected HTTP 200, got {status}")
    match = _VERSION_PATTERN.search(body)
    found = match.group(1) if match else None
    if found != config.expected_version:
        return CheckFailure("version", version_url, status,
                            f"expected version {config.expected_version!r}, found {found!r}")
    return None


def _get(url: str, settings: RequestSettings, deadline: float) -> tuple[int | None, str, str | None]:
    """GET url with the test header, answered in full by `deadline` (time.monotonic()).

    Returns (status code, body, error description or None). A socket timeout alone bounds each
    read, not the request: a target that trickles a byte every few seconds would hold the check
    past the function's own timeout, and ECS would get no answer and no log line. So a watchdog
    shuts the connection down at the deadline. Redirects are not followed (http.client does not):
    a redirect is not a passing check, and following one would send the secret header elsewhere.
    """
    parts = urllib.parse.urlsplit(url)
    budget = max(deadline - time.monotonic(), 0.0)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=max(budget, 0.001))
    expired = threading.Event()
    watchdog = threading.Timer(budget, _shut_down, args=(connection, expired))
    watchdog.start()
    try:
        connection.connect()
        # The watchdog cannot shut a socket that does not exist yet: if the deadline passed while
        # resolving or connecting, stop here; otherwise no read may outlast what is left.
        if expired.is_set() or time.monotonic() >= deadline:
            raise TimeoutError("the deadline passed while connecting")
        if connection.sock is not None:
            connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        connection.request("GET", urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, "")),
                           headers={settings.header_name: settings.header_value})
        response = connection.getresponse()
        body = response.read(MAX_BODY_BYTES).decode("utf-8", errors="replace")
        if not expired.is_set():
            return response.status, body, None
    except (OSError, http.client.HTTPException) as error:
        # Refused, reset, a socket timeout, a garbled answer, or the watchdog's shutdown.
        if not expired.is_set() and time.monotonic() < deadline:
            return None, "", f"request failed: {_describe(error)}"
    finally:
        watchdog.cancel()
        connection.close()
    return None, "", f"timed out: no complete answer within {budget:.3g} s"


def _shut_down(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    expired.set()
    if connection.sock is not None:
        try:
            connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed


def _describe(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return repr(error)


def _invocation_deadline(context: object) -> float:
    """When the checks must stop so that the answer and its log line beat the function's timeout."""
    if not isinstance(context, LambdaContext):
        return math.inf  # called outside Lambda (tests, a shell)
    return time.monotonic() + context.get_remaining_time_in_millis() / 1000 - ANSWER_RESERVE_SECONDS


def _event_field(event: Mapping[str, Any], name: str) -> Any:
    if name in event:
        return event[name]
    execution_details = event.get("executionDetails")
    if isinstance(execution_details, Mapping):
        return execution_details.get(name)
    return None


def _hook_details(event: Mapping[str, Any]) -> dict[str, Any]:
    raw = _event_field(event, "hookDetails")
    if raw is None:
        raise ConfigError("hookDetails is missing from the event; set it on the service's "
                          "lifecycle hook")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConfigError(f"hookDetails is not valid JSON: {error}") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"hookDetails must be a JSON object, got {type(raw).__name__}")
    return dict(raw)


def parse_config(details: Mapping[str, Any]) -> SmokeTestConfig:
    """Validate hookDetails into a SmokeTestConfig; raise ConfigError naming the bad key."""
    base_url = details.get(BASE_URL_KEY)
    if not isinstance(base_url, str) or not base_url:
        raise ConfigError(f"hookDetails.baseUrl must be a URL like http://<alb-dns-name>, "
                          f"got {base_url!r}")
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"hookDetails.baseUrl must be an http:// or https:// URL without a "
                          f"query, got {base_url!r}")

    expected_version = details.get(EXPECTED_VERSION_KEY)
    if not isinstance(expected_version, str) or not re.fullmatch(r"\S+", expected_version):
        raise ConfigError(f"hookDetails.expectedVersion must be a version such as 'v2', "
                          f"got {expected_version!r}")

    return SmokeTestConfig(
        base_url=base_url.rstrip("/"),
        expected_version=expected_version,
        health_path=HEALTH_PATH.read(details),
        check_version=CHECK_VERSION.read(details),
        version_path=VERSION_PATH.read(details),
        max_attempts=MAX_ATTEMPTS.read(details),
        callback_delay_seconds=CALLBACK_DELAY_SECONDS.read(details),
        attempts_made=ATTEMPTS_MADE.read(details),
    )


def parse_environment(environ: Mapping[str, str]) -> RequestSettings:
    """Read the test header and request timeout from the function's environment."""
    header_name = environ.get("TEST_HEADER_NAME", "")
    if not _HEADER_NAME_PATTERN.match(header_name):
        raise ConfigError(f"environment variable TEST_HEADER_NAME must be an HTTP header name, "
                          f"got {header_name!r}")
    header_value = environ.get("TEST_HEADER_VALUE", "")
    if not header_value or "\r" in header_value or "\n" in header_value:
        # The value is a secret: say what is wrong with it, never what it is.
        raise ConfigError("environment variable TEST_HEADER_VALUE is missing, empty or not a "
                          "single line")

    raw_timeout = environ.get("REQUEST_TIMEOUT_SECONDS", "")
    timeout = DEFAULT_REQUEST_TIMEOUT_SECONDS
    if raw_timeout:
        try:
            timeout = float(raw_timeout)
        except ValueError:
            timeout = 0.0
        if not (math.isfinite(timeout) and timeout > 0):
            raise ConfigError(f"environment variable REQUEST_TIMEOUT_SECONDS must be a positive "
                              f"number of seconds, got {raw_timeout!r}")
    return RequestSettings(header_name, header_value, timeout)


def _log(level: int, message: str, context: Mapping[str, Any], **fields: Any) -> None:
    # One JSON object per line, so CloudWatch Logs Insights can filter on any field.
    logger.log(level, json.dumps({"message": message, **context, **fields}, default=str))
