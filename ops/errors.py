"""Exit codes, the one error type commands raise, and the one place exceptions become (message, exit code)."""

from __future__ import annotations

from enum import IntEnum

from botocore.exceptions import (
    BotoCoreError, ClientError, ConnectionError as AwsConnectionError, HTTPClientError, NoCredentialsError,
    NoRegionError, PartialCredentialsError,
)


class ExitCode(IntEnum):
    """Each member carries its meaning, so `--help` and docs/operations.md never hold a second copy."""

    meaning: str

    def __new__(cls, value: int, meaning: str) -> ExitCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.meaning = meaning
        return member

    OK = 0, "success (watch: the deployment ended SUCCESSFUL; rollback: it ended ROLLBACK_SUCCESSFUL)"
    DEPLOYMENT_FAILED = 1, "the deployment failed: rolled back, stopped or failed (rollback: the rollback failed)"
    CONFIG = 2, "usage or configuration error: a bad flag, or the cluster/service/region could not be found"
    AWS = 3, "AWS error: no credentials, access denied, not found, or AWS did not answer in time"
    NOTHING_DONE = 4, "nothing done: no deployment in progress, none paused for approval, or the prompt was declined"
    TIMED_OUT = 5, ("watch/rollback: stopped following a running deployment (it carries on): --timeout passed, "
                    "or AWS failed after the rollback was requested")
    CHECK_FAILED = 6, "doctor: a check failed; try: the new revision did not answer 2xx, or not at all"
    DEADLINE = 7, "--deadline passed before the command finished (what it already asked AWS to do carries on)"
    UNEXPECTED = 70, "an unexpected error inside ops (a bug: report the one-line message)"
    INTERRUPTED = 130, "interrupted with Ctrl-C (any deployment in progress carries on)"
    BROKEN_PIPE = 141, "the reader of the output went away (`| head`); exits quietly, as a tool SIGPIPE ends would"


def exit_code_help() -> str:
    return "exit codes:\n" + "".join(f"  {code.value:<3}  {code.meaning}\n" for code in ExitCode)


class CliError(Exception):
    """A condition the user should read about in one line, then exit with `code`."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code


class DeadlinePassed(BaseException):
    """Raised by the --deadline timer wherever the command waits; a BaseException, so that botocore's and
    the commands' `except Exception` (retries, riding out failures) let it through."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
BAD_CREDENTIALS = {
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "InvalidSignatureException", "SignatureDoesNotMatch",
}
THROTTLED = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException",
}
NOT_FOUND = {
    "ClusterNotFoundException": "cluster {cluster!r} not found (region {region})",
    "ServiceNotFoundException": "service {service!r} not found in cluster {cluster!r} (region {region})",
}


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def is_access_denied(error: BaseException) -> bool:
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code", "")
    return code in ACCESS_DENIED or code.startswith("AccessDenied")


def is_transient(error: BaseException) -> bool:
    """Throttling, a 5xx or a network failure: worth asking again later (what `watch` rides out)."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error.response.get("Error", {}).get("Code") in THROTTLED or status >= 500
    return isinstance(error, (HTTPClientError, AwsConnectionError))


def as_cli_error(error: BaseException, *, cluster: str = "?", service: str = "?", region: str = "?") -> CliError:
    """Every exception a command can end with, as the one line and exit code the operator sees."""
    if isinstance(error, CliError):
        return error
    if isinstance(error, BrokenPipeError):  # the reader went away (`| head -2`): nothing to tell anyone
        return CliError("", ExitCode.BROKEN_PIPE)
    if isinstance(error, DeadlinePassed):
        return CliError(f"gave up after {error.seconds:g} s (--deadline): AWS or pulumi answered too slowly; "
                        "anything already requested carries on", ExitCode.DEADLINE)
    if isinstance(error, KeyboardInterrupt):
        return CliError("interrupted; any deployment in progress carries on", ExitCode.INTERRUPTED)
    if isinstance(error, NoCredentialsError):
        return CliError("no AWS credentials found: set AWS_PROFILE (and run `aws sso login` if it uses SSO) "
                        "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", ExitCode.AWS)
    if isinstance(error, PartialCredentialsError):
        return CliError(f"incomplete AWS credentials: {one_line(error)}", ExitCode.AWS)
    if isinstance(error, NoRegionError):
        return CliError("no AWS region: pass --region, set AWS_REGION, or run from the project so the stack's "
                        "region output is used", ExitCode.CONFIG)
    if isinstance(error, ClientError):
        return CliError(_client_error_message(error, cluster, service, region), ExitCode.AWS)
    if isinstance(error, BotoCoreError):
        return CliError(f"AWS call failed: {one_line(error)}", ExitCode.AWS)
    return CliError(f"unexpected error: {type(error).__name__}: {one_line(error)}", ExitCode.UNEXPECTED)


def _client_error_message(error: ClientError, cluster: str, service: str, region: str) -> str:
    details = error.response.get("Error", {})
    code, message = details.get("Code", "Unknown"), one_line(details.get("Message", ""))
    if is_access_denied(error):
        return f"access denied calling {error.operation_name}: {message}"
    if code in BAD_CREDENTIALS:
        return f"AWS rejected the credentials ({code}): {message}"
    if code in NOT_FOUND:
        return NOT_FOUND[code].format(cluster=cluster, service=service, region=region)
    return f"{error.operation_name} failed: {code}: {message}"
