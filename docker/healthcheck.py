"""Container healthcheck of the web service: GET /healthz on the local gunicorn.

Exits 0 when the portal answers 200. It sends the first allowed host name and
``X-Forwarded-Proto: https``, as the TLS proxy in front does, so production's host
check and HTTPS redirect answer it as they answer real traffic.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

hosts = [h.strip().lstrip(".") for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
request = urllib.request.Request(  # noqa: S310 - fixed loopback http URL
    f"http://127.0.0.1:{port}/healthz",
    headers={"Host": hosts[0] if hosts and hosts[0] != "*" else "localhost", "X-Forwarded-Proto": "https"},
)
try:
    with urllib.request.urlopen(request, timeout=8) as response:  # noqa: S310
        sys.exit(0 if response.status == 200 else 1)
except urllib.error.HTTPError as exc:
    print(exc.read().decode("utf-8", "replace"), file=sys.stderr)
    sys.exit(1)
except OSError as exc:
    print(f"healthz unreachable: {exc}", file=sys.stderr)
    sys.exit(1)
