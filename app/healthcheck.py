"""Container health check: exit 0 iff the app answers GET /health with 200 within 2 seconds.

The ECS task definition runs it as `python /app/healthcheck.py`; stdlib only, so it adds
nothing to the image.
"""

import http.client
import os
import signal
import sys
from types import FrameType

TIMEOUT_SECONDS = 2.0


def _time_out(_signum: int, _frame: FrameType | None) -> None:
    raise TimeoutError(f"no answer within {TIMEOUT_SECONDS:g} s")


def main() -> int:
    port = int(os.environ.get("PORT", "8080"))
    # One deadline for the whole exchange; a socket timeout would apply to each step separately.
    signal.signal(signal.SIGALRM, _time_out)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT_SECONDS)
    connection = http.client.HTTPConnection("127.0.0.1", port)
    try:
        connection.request("GET", "/health")
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        print(f"unhealthy: GET /health on port {port}: {error}", file=sys.stderr)
        return 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        connection.close()
    if status != 200:
        print(f"unhealthy: GET /health on port {port} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
