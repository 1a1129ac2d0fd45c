"""The Celery app. Tasks take ids, load the object and call a service (STYLE.md)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings")

app = Celery("credit_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code, next to the tasks it names, so a deployment cannot
# forget an entry. Later issues add their periodic tasks here.
app.conf.beat_schedule = {}
