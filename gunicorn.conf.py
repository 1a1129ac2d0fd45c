"""gunicorn settings for the web container (docker-compose.yml's ``web`` service).

Each value can be changed through the environment; a malformed one stops start-up
with a message naming the variable, as the Django settings do.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"Environment variable {name} must be an integer, got {raw!r}.") from None
    if value < 1:
        raise SystemExit(f"Environment variable {name} must be at least 1.")
    return value


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the container, behind the proxy
# Synchronous workers: each request is one short transaction. CPU count inside a
# container is the host's, so the default is modest and meant to be set per host.
workers = _int("GUNICORN_WORKERS", 3)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow memory growth cannot build up; not often: a new
# worker loads the whole portal (≈ 1 s of CPU) while the others serve alone. At 2,000 a
# worker was replaced every 2–4 s under load, and requests waited behind those starts
# (the bare view on 2 cores: 1,255 req/s with a p90 of 849 ms; without recycling
# 1,847 req/s, p90 14 ms; docs/benchmarks.md, seventh session).
max_requests = _int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = 5000
# Heartbeat files on tmpfs: a container's overlay filesystem can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - tmpfs, gunicorn's own files
# Access log without query strings (%(U)s is the path alone): personal data never
# travels in URLs, and this keeps it so even if a client puts it there.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# The proxy in front terminates TLS; Django reads X-Forwarded-Proto itself
# (SECURE_PROXY_SSL_HEADER), so gunicorn trusts forwarded headers from any peer on
# the container network only when told to.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# No runtime control socket (gunicorn 24+): it would be created under $HOME, which the
# image's unprivileged user cannot write, and the container is managed by restarting.
control_socket_disable = True
