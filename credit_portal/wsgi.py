from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings")
application = get_wsgi_application()

# Import the URLconf (and with it DRF, the API schema and every view module) now, while
# the server starts the worker, not in its first request: that import costs ~0.6 s, and
# a request that arrives first at a fresh worker, or at one gunicorn has just recycled
# (max_requests), waited for it. Measured on the bare view: bench/pages.py, docs/benchmarks.md.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - the import is the point

# The embedded profile has no Celery beat: run its schedule in this process (see
# credit_portal.scheduler; off when Redis and a real worker are configured).
from credit_portal.scheduler import start_embedded  # noqa: E402

start_embedded()
