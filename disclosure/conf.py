"""Configurable numbers of the disclosure app, read from Django settings with defaults.

Each default names its source. Deployments override them in settings (or through the
environment, should ``credit_portal/settings.py`` add the lines).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Consent is given for a bounded period: at most 90 days unless a deployment says otherwise.
    "DISCLOSURE_AUTHORIZATION_MAX_DAYS": 90,
    "DISCLOSURE_AUTHORIZATION_DEFAULT_DAYS": 30,
    "DISCLOSURE_AUTHORIZATION_MAX_USES": 20,
    # One-time codes: short-lived and single use, attempts capped.
    "DISCLOSURE_OTP_TTL_SECONDS": 300,
    "DISCLOSURE_OTP_MAX_ATTEMPTS": 5,
    # One code per phone per minute at most, whoever asks (registration, password
    # reset): a stranger cannot flood a person's phone with messages.
    "DISCLOSURE_OTP_COOLDOWN_SECONDS": 60,
    # Password-reset requests per client IP per hour.
    "DISCLOSURE_PASSWORD_RESET_PER_IP_HOUR": 10,
    # Registrations started per client IP per hour (SMS bombing, enumeration).
    "DISCLOSURE_REGISTRATION_PER_IP_HOUR": 10,
    # Queries per institution user per hour, and refused queries per user per hour
    # before further queries are refused outright (guessing codes).
    "DISCLOSURE_QUERIES_PER_USER_HOUR": 120,
    "DISCLOSURE_REFUSALS_PER_USER_HOUR": 10,
    # Report verifications per client IP per 10 minutes (guessing verification codes).
    "DISCLOSURE_VERIFY_PER_IP_WINDOW": 20,
    "DISCLOSURE_VERIFY_WINDOW_SECONDS": 600,
    # Public lists: rows per page, page cap, requests per IP per minute (scraping).
    "DISCLOSURE_PUBLIC_PAGE_SIZE": 20,
    "DISCLOSURE_PUBLIC_MAX_PAGES": 10,
    "DISCLOSURE_PUBLIC_PER_IP_MINUTE": 60,
    # The honour list (守信激励, 002 §三; 003 item 5): positive records of these
    # categories. 奖惩情况 holds commendations and awards, 参加社会公益活动情况 and
    # 社会服务信息 hold voluntary and public-interest service the seeds reward
    # (003 item 5; 004 item 23). Training, qualifications and yearly assessments
    # are positive but routine, so they are not honours.
    "DISCLOSURE_HONOUR_CATEGORIES": ("rewards-penalties", "public-interest", "social-service"),
    # Government single sign-on for citizens: dotted path of a class implementing
    # ``disclosure.sso.IdentityProvider``; empty means SMS verification only.
    "CITIZEN_IDENTITY_PROVIDER": "",
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
