"""AWS clients that never hang: short timeouts, the standard retry mode, one shared session."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boto3.session import Session
    from botocore.config import Config as BotoConfig

# boto3 builds its clients at runtime and no type stubs are pinned, so clients are untyped here.
Client = Any

CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 6
MAX_ATTEMPTS = 3
"""Attempts per call, the first included: an endpoint that accepts and never answers fails a call after
about 3 x 6 s plus backoff, well inside 30 s. The standard mode retries throttling and 5xx with backoff."""

# boto3 and botocore are imported on first use: a quarter of a second that `--help`, a usage error or
# a missing setting should not wait for.


@cache
def client_config() -> BotoConfig:
    from botocore.config import Config as BotoConfig

    return BotoConfig(connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS,
                      retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})


def new_session(region: str | None) -> Session:
    """A boto3 session whose every client, including the ones botocore makes itself to get credentials
    (STS for an assumed role, SSO), has client_config()'s timeouts and retries."""
    import botocore.session
    from boto3.session import Session

    core = botocore.session.get_session()
    core.set_default_client_config(client_config())
    return Session(botocore_session=core, region_name=region)


class Clients:
    """One client per AWS service, made on first use; tests inject Stubber-wrapped clients by service name."""

    def __init__(self, region: str | None, injected: Mapping[str, Client] | None = None) -> None:
        self._region = region  # None: boto3's own region chain (profile, AWS_DEFAULT_REGION)
        self._clients: dict[str, Client] = dict(injected or {})
        self._session: Session | None = None
        self._making = threading.Lock()  # reads run on threads, and a boto3 session is not thread-safe

    def get(self, service_name: str) -> Client:
        with self._making:
            if service_name not in self._clients:
                if self._session is None:
                    self._session = new_session(self._region)
                self._clients[service_name] = self._session.client(service_name, config=client_config())
            return self._clients[service_name]

    @property
    def ecs(self) -> Client:
        return self.get("ecs")

    @property
    def elbv2(self) -> Client:
        return self.get("elbv2")

    def region_name(self) -> str:
        return self.ecs.meta.region_name or "?"

    def region_if_known(self) -> str | None:
        """The region of a client made already (none is made to find out)."""
        return next((client.meta.region_name for client in self._clients.values()), self._region)
