"""gunicorn settings for the container; the Dockerfile's CMD loads this file.

Settings that must agree with the ECS task definition (ecs_bluegreen/ecs_blue_green_service.py)
are checked against it by tests/test_app.py.
"""

import os


def _port() -> int:
    raw = os.environ.get("PORT", "8080")
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SystemExit(f"gunicorn.conf.py: PORT must be a TCP port number (1-65535), got {raw!r}")
    return int(raw)


# The task definition sets PORT to the stack's container port.
bind = [f"0.0.0.0:{_port()}"]
worker_class = "gthread"
workers = 2
threads = 4

# Longer than the ALB's default 60 s idle timeout, so the load balancer, not gunicorn, closes
# idle keep-alive connections; otherwise the ALB can send a request on a connection gunicorn
# is closing and answer it with a 502.
keepalive = 75

# On SIGTERM gunicorn stops accepting and lets workers finish in-flight requests for up to
# graceful_timeout seconds. ECS sends SIGKILL CONTAINER_STOP_TIMEOUT_SECONDS (30 s) after SIGTERM,
# so this leaves the master time to reap its workers and exit 0 first.
graceful_timeout = 20

# The root filesystem is read-only; only CONTAINER_SCRATCH_PATH (/tmp) is writable.
# gunicorn keeps each worker's heartbeat file here.
worker_tmp_dir = "/tmp"

# The runtime control socket (gunicornc) would be created under $HOME, which is read-only;
# a container is managed by ECS, not by attaching to the server.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
