from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings")
application = get_wsgi_application()

# The embedded profile has no Celery beat: run its schedule in this process (see
# credit_portal.scheduler; off when Redis and a real worker are configured).
from credit_portal.scheduler import start_embedded  # noqa: E402

start_embedded()
