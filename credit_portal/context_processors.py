from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

ELDERLY_COOKIE = "elderly_mode"


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "PORTAL_REGION": settings.PORTAL_REGION,
        "elderly_mode": request.COOKIES.get(ELDERLY_COOKIE) == "1",
    }
