"""The Celery app. Tasks take ids, load the object and call a service (STYLE.md)."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit_portal.settings")

app = Celery("credit_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code, next to the tasks it names, so a deployment cannot
# forget an entry. Each app adds its periodic tasks here.
app.conf.beat_schedule = {
    # The outbox sweep (DESIGN §9): delivers whatever a lost nudge, a killed worker or a
    # Redis restart left pending. Interval: EXCHANGE_SWEEP_SECONDS (default 5).
    "exchange-deliver-pending": {
        "task": "exchange.tasks.deliver_pending",
        "schedule": float(os.environ.get("EXCHANGE_SWEEP_SECONDS") or 5),
    },
    # Text messages a lost task left unsent (credit_portal.notify): the rows are the truth.
    "credit-portal-deliver-pending-sms": {
        "task": "credit_portal.tasks.deliver_pending_sms",
        "schedule": 60.0,
    },
    # Display periods that ended move records to expired, with an event each (DESIGN §7).
    "archives-expire-records": {
        "task": "archives.tasks.expire_due_records",
        "schedule": crontab(hour=0, minute=10),
    },
    # Serious-dishonesty listings whose period ended leave the list, with an event each.
    "listing-remove-ended-listings": {
        "task": "archives.listing.tasks.remove_ended_listings",
        "schedule": crontab(hour=0, minute=15),
    },
    # Credit levels that time moves on (a record leaving its window, clean years
    # completing), after the expiry and the listings above, so a record expiring today counts today.
    "levels-refresh-due": {
        "task": "archives.levels.tasks.refresh_levels",
        "schedule": crontab(hour=0, minute=20),
    },
    # Negative information past the 5-year retention of 《征信业管理条例》 art. 16 leaves
    # every table but the audit trail's identifiers.
    "archives-purge-retained-records": {
        "task": "archives.tasks.purge_retained_records",
        "schedule": crontab(hour=0, minute=20),
    },
    # The audit chainer: chains audited reads, written without taking the chain head
    # (docs/audit.md). Interval: AUDIT_CHAIN_SECONDS (default 5).
    "credit-portal-chain-audit-entries": {
        "task": "credit_portal.tasks.chain_audit_entries",
        "schedule": float(os.environ.get("AUDIT_CHAIN_SECONDS") or 5),
    },
    # The signed chain head to the municipal platform. Interval: AUDIT_ANCHOR_MINUTES (default 60).
    "credit-portal-anchor-audit-chain": {
        "task": "credit_portal.tasks.anchor_audit_chain",
        "schedule": 60.0 * float(os.environ.get("AUDIT_ANCHOR_MINUTES") or 60),
    },
    # Authorizations past their end become expired in the table too, so the citizen's
    # list and the admin agree with what a query already refuses.
    "disclosure-expire-authorizations": {
        "task": "disclosure.expire_authorizations",
        "schedule": crontab(hour=0, minute=30),
    },
    # This year's city figures (coverage, the dashboard), recomputed before their cache
    # entries (FRAGMENT_CACHE_SECONDS, default 300) expire, so no credit officer waits
    # for them. Interval: CITY_FIGURES_REFRESH_SECONDS (default 240); at a million people
    # each refresh is ≈ 11 s of database time.
    "credit-portal-refresh-city-figures": {
        "task": "credit_portal.tasks.refresh_city_figures",
        "schedule": float(os.environ.get("CITY_FIGURES_REFRESH_SECONDS") or 240),
    },
    # Objections and repair applications due within a working day or overdue: remind
    # their owners once a day.
    "repair-remind-due-cases": {
        "task": "repair.tasks.remind_due_cases",
        "schedule": crontab(hour=8, minute=0),
    },
    # Files of two-step forms the citizen never sent (pending/), once a day.
    "repair-purge-abandoned-uploads": {
        "task": "repair.tasks.purge_abandoned_uploads",
        "schedule": crontab(hour=3, minute=30),
    },
}
