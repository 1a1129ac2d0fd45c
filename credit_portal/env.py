"""Typed helpers that read settings from the environment.

Every helper names the variable in its error, so a misconfigured deployment stops at
start-up with a message that says what to fix. ``env_secret`` also reads
``NAME_FILE`` (the path of a file holding the value), the convention of Docker and
Kubernetes secrets, so secrets need not sit in the process environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name} must be a boolean (true/false), got {value!r}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be an integer, got {value!r}."
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"Environment variable {name} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str | None:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``.

    Returns ``default`` when neither is set; callers in the production profile pass
    no default and turn ``None`` into ``ImproperlyConfigured`` themselves. Setting
    both is refused. The file's surrounding whitespace (a trailing newline) is dropped.
    """
    file_var = f"{name}_FILE"
    path = os.environ.get(file_var)
    if path and os.environ.get(name):
        # Two sources for one secret is a deployment mistake: refuse rather than guess.
        raise ImproperlyConfigured(f"Set either environment variable {name} or {file_var}, not both.")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"Environment variable {file_var} points at {path!r}, which cannot be read: "
                f"{exc.strerror}."
            ) from None
    value = os.environ.get(name)
    if value is not None:
        return value
    return default


def require_secret(name: str) -> str:
    value = env_secret(name)
    if not value:
        raise ImproperlyConfigured(
            f"Environment variable {name} (or {name}_FILE) is required in production."
        )
    return value
