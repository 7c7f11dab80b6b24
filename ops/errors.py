"""Exit codes and the one error type the CLI turns into a one-line message."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    DEPLOYMENT_FAILED = 1
    """watch: the deployment ended in a rollback, a stop or a failure."""
    CONFIG = 2
    """Bad flags, or cluster/service/rule/region could not be found."""
    AWS = 3
    """No credentials, access denied, resource not found, or any other AWS error."""
    NOTHING_DONE = 4
    """No deployment in progress, none paused for approval, or the prompt was declined."""
    TIMED_OUT = 5
    """watch: --timeout passed while the deployment was still running (it carries on)."""
    INTERRUPTED = 130


class CliError(Exception):
    """A condition the user should read about in one line, then exit with `code`."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code
