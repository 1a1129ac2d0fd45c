"""Settings profiles: the embedded default, production, and bad environment values.

Each profile is a fresh interpreter (``django.setup()`` or ``manage.py check``) started
with an environment built from scratch, because settings are read once per process and
the test run's own environment (CI sets DATABASE_URL and REDIS_URL) must not leak in.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from credit_portal import env

BASE_DIR = Path(__file__).resolve().parents[2]
PG_URL = "postgres://postgres@127.0.0.1:5432/credit_portal_dev"
REDIS_URL = "redis://127.0.0.1:6379/15"

# What the probe prints of the loaded settings (no key material, only facts about it).
PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ENGINE": s.DATABASES["default"]["ENGINE"],
    "CACHE": s.CACHES["default"]["BACKEND"],
    "SESSIONS": s.SESSION_ENGINE,
    "EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "BROKER": s.CELERY_BROKER_URL,
    "SECRET_KEY": s.SECRET_KEY,
    "FIELD_ENCRYPTION_KEYS": s.FIELD_ENCRYPTION_KEYS,
    "BLIND_INDEX_KEY": s.BLIND_INDEX_KEY,
    "PLATFORM_SIGNING_KEY": s.PLATFORM_SIGNING_KEY,
    "AUDIT_HMAC_KEY": s.AUDIT_HMAC_KEY,
    "SESSION_COOKIE_SECURE": getattr(s, "SESSION_COOKIE_SECURE", False),
    "STATICFILES": s.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def production_env() -> dict[str, str]:
    """The full production variable set of .ci/run, with fresh random keys."""
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_hex(40),
        "FIELD_ENCRYPTION_KEYS": f"1:{secrets.token_hex(16)}",
        "BLIND_INDEX_KEY": secrets.token_hex(32),
        "PLATFORM_SIGNING_KEY": secrets.token_hex(32),
        "AUDIT_HMAC_KEY": secrets.token_hex(32),
        "DJANGO_ALLOWED_HOSTS": "credit.example.gov.cn",
        "DATABASE_URL": PG_URL,
        "REDIS_URL": REDIS_URL,
        "SMS_GATEWAY_URL": "https://sms-gateway.example.gov.cn/api/send",
        "SMS_GATEWAY_SECRET": secrets.token_hex(32),
    }


def run(tmp_path: Path, extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Start Python in the project with only ``extra`` on top of a bare environment."""
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "credit_portal.settings",
        "CREDIT_PORTAL_LOCAL_DIR": str(tmp_path / "local"),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        **extra,
    }
    command = list(args) or ["-c", PROBE]
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *command], cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=120
    )


def loaded(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The ImproperlyConfigured line a refused start-up ends with."""
    assert result.returncode != 0, result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    return last


# --- The embedded default ------------------------------------------------------------
def test_embedded_profile_starts_with_an_empty_environment(tmp_path):
    values = loaded(run(tmp_path, {}))

    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["EAGER"] is True
    # A per-process cache must not hold sessions: a sign-out in one process would not reach another's copy.
    assert values["SESSIONS"] == "django.contrib.sessions.backends.db"
    assert values["BROKER"] == "memory://localhost//"
    assert values["STATICFILES"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


EAGER_TASKS = """
import django
django.setup()
from credit_portal.celery import app

@app.task(name="probe.fine")
def fine():
    return 1

@app.task(name="probe.broken")
def broken():
    raise ValueError("probe failure")

from credit_portal.scheduler import EmbeddedScheduler

scheduler = EmbeddedScheduler(app)
scheduler._run("fine", "probe.fine")
scheduler._run("broken", "probe.broken")
"""


def test_embedded_server_output_is_not_buried_under_task_successes(tmp_path):
    # The embedded beat runs two tasks every five seconds in the server's process: their
    # successes stay out of its output, their failures do not.
    embedded = run(tmp_path, {}, "-c", EAGER_TASKS)
    assert embedded.returncode == 0, embedded.stderr
    assert "probe.fine" not in embedded.stderr
    assert "probe.broken" in embedded.stderr
    assert "probe failure" in embedded.stderr
    # Elsewhere (workers on Redis) Celery's own success lines stay as Celery writes them.
    with_workers = run(tmp_path, {"EMBEDDED_SCHEDULER": "false"}, "-c", EAGER_TASKS)
    assert with_workers.returncode == 0, with_workers.stderr
    assert "probe.fine" in with_workers.stderr


def test_embedded_keys_are_generated_once_into_the_local_dir_and_reused(tmp_path):
    keys_file = tmp_path / "local" / "keys.json"
    assert not keys_file.exists()

    first = loaded(run(tmp_path, {}))
    stored = json.loads(keys_file.read_text(encoding="utf-8"))
    second = loaded(run(tmp_path, {}))

    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert set(stored) == {
        "DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "PLATFORM_SIGNING_KEY", "AUDIT_HMAC_KEY",
    }
    for name, value in stored.items():
        setting = "SECRET_KEY" if name == "DJANGO_SECRET_KEY" else name
        assert first[setting] == value
        assert second[setting] == value
    assert len(stored["DJANGO_SECRET_KEY"]) >= 50
    # Only keys.json is left behind: the temporary file it was written through is gone.
    assert [p.name for p in keys_file.parent.iterdir()] == ["keys.json"]
    # A different local dir is a different installation with its own keys.
    other = loaded(run(tmp_path / "other", {}))
    assert other["SECRET_KEY"] != first["SECRET_KEY"]


def test_embedded_profile_prefers_keys_from_the_environment(tmp_path):
    values = loaded(run(tmp_path, {"DJANGO_SECRET_KEY": "k" * 60, "BLIND_INDEX_KEY": "ab" * 32}))

    assert values["SECRET_KEY"] == "k" * 60
    assert values["BLIND_INDEX_KEY"] == "ab" * 32


def test_unreadable_embedded_keys_file_is_named(tmp_path):
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "keys.json").write_text("{not json", encoding="utf-8")

    message = refused(run(tmp_path, {}))

    assert "keys.json" in message
    assert "CREDIT_PORTAL_LOCAL_DIR" in message


def test_embedded_manage_py_check_passes(tmp_path):
    result = run(tmp_path, {}, "manage.py", "check")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_embedded_profile_with_postgres_and_redis_queues_tasks_on_redis(tmp_path):
    values = loaded(run(tmp_path, {"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}))

    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["CACHE"] == "credit_portal.cache.RedisCache"
    assert values["BROKER"] == REDIS_URL
    assert values["EAGER"] is False


# --- Production ----------------------------------------------------------------------
def test_production_profile_with_every_variable(tmp_path):
    variables = production_env()

    values = loaded(run(tmp_path, variables))

    assert values["DEBUG"] is False
    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["CACHE"] == "credit_portal.cache.RedisCache"
    assert values["EAGER"] is False
    assert values["SESSIONS"] == "credit_portal.sessions"
    assert values["BROKER"] == REDIS_URL
    assert values["SECRET_KEY"] == variables["DJANGO_SECRET_KEY"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["STATICFILES"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # Production never generates or reads the embedded profile's key file.
    assert not (tmp_path / "local" / "keys.json").exists()


def test_production_check_deploy_is_clean(tmp_path):
    result = run(tmp_path, production_env(), "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_check_deploy_fails_when_a_protection_is_turned_off(tmp_path):
    # Guards the test above: the deploy checks are live, not silenced.
    variables = {**production_env(), "SECURE_HSTS_SECONDS": "0"}

    result = run(tmp_path, variables, "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W004" in result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "DJANGO_SECRET_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
        "PLATFORM_SIGNING_KEY",
        "AUDIT_HMAC_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "DJANGO_ALLOWED_HOSTS",
        "SMS_GATEWAY_URL",
        "SMS_GATEWAY_SECRET",
    ],
)
def test_production_refuses_to_start_without_a_required_variable(tmp_path, name):
    variables = production_env()
    del variables[name]

    message = refused(run(tmp_path, variables))

    assert name in message
    # No other secret is echoed in the failure.
    for other in ("DJANGO_SECRET_KEY", "BLIND_INDEX_KEY", "PLATFORM_SIGNING_KEY", "AUDIT_HMAC_KEY"):
        if other != name:
            assert variables[other] not in message


def test_production_refuses_an_empty_secret(tmp_path):
    message = refused(run(tmp_path, {**production_env(), "DJANGO_SECRET_KEY": ""}))

    assert "DJANGO_SECRET_KEY" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "sqlite:////tmp/portal.sqlite3"),
        ("DJANGO_DEBUG", "true"),
        # The development SMS stand-ins: production sends through a real gateway.
        ("SMS_BACKEND", "credit_portal.notify.FileSMSBackend"),
        ("SMS_BACKEND", "credit_portal.notify.MemorySMSBackend"),
        ("SMS_GATEWAY_URL", "http://sms-gateway.example.gov.cn/api/send"),
    ],
)
def test_production_refuses_development_choices(tmp_path, name, value):
    message = refused(run(tmp_path, {**production_env(), name: value}))

    assert name in message


# --- Malformed values ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_ENV", "staging"),
        ("DJANGO_DEBUG", "maybe"),
        ("STAFF_OTP_REQUIRED", "sometimes"),
        ("CELERY_TASK_TIME_LIMIT", "ten"),
        ("SESSION_IDLE_MINUTES", "0"),
        ("CELERY_TASK_SOFT_TIME_LIMIT", "600"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "postgres://portal@db:port/credit"),
        ("DATABASE_URL", "mysql://portal@db/credit"),
        ("DATABASE_URL", "postgres://portal@db:5432/"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
        ("PORTAL_LEVEL", "town"),
    ],
)
def test_malformed_value_stops_start_up_naming_the_variable(tmp_path, name, value):
    message = refused(run(tmp_path, {name: value}))

    assert name in message


def test_database_password_is_not_echoed_in_the_error(tmp_path):
    message = refused(run(tmp_path, {"DATABASE_URL": "mysql://portal:Pw-9f3kq1z@db/credit"}))

    assert "DATABASE_URL" in message
    assert "Pw-9f3kq1z" not in message


# --- NAME_FILE secrets -----------------------------------------------------------------
def test_production_reads_secrets_from_files(tmp_path):
    variables = production_env()
    for name in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL"):
        secret_file = tmp_path / name.lower()
        # Files written by editors and `echo` end with a newline; it is not part of the value.
        secret_file.write_text(variables.pop(name) + "\n", encoding="utf-8")
        variables[f"{name}_FILE"] = str(secret_file)

    values = loaded(run(tmp_path, variables))

    assert values["SECRET_KEY"] == (tmp_path / "django_secret_key").read_text(encoding="utf-8").strip()
    assert values["FIELD_ENCRYPTION_KEYS"] == (tmp_path / "field_encryption_keys").read_text(encoding="utf-8").strip()
    assert values["ENGINE"] == "django.db.backends.postgresql"


def test_unreadable_secret_file_is_named(tmp_path):
    variables = production_env()
    del variables["BLIND_INDEX_KEY"]
    variables["BLIND_INDEX_KEY_FILE"] = str(tmp_path / "missing" / "blind_index_key")

    message = refused(run(tmp_path, variables))

    assert "BLIND_INDEX_KEY_FILE" in message
    assert "missing/blind_index_key" in message


def test_empty_secret_file_counts_as_missing_in_production(tmp_path):
    empty = tmp_path / "secret_key"
    empty.write_text("\n", encoding="utf-8")
    variables = production_env()
    del variables["DJANGO_SECRET_KEY"]
    variables["DJANGO_SECRET_KEY_FILE"] = str(empty)

    message = refused(run(tmp_path, variables))

    assert "DJANGO_SECRET_KEY" in message


# --- The helpers themselves (in this process) ------------------------------------------
def test_env_bool_accepts_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("PORTAL_TEST_FLAG", raw)
        assert env.env_bool("PORTAL_TEST_FLAG", default=not expected) is expected
    monkeypatch.delenv("PORTAL_TEST_FLAG")
    assert env.env_bool("PORTAL_TEST_FLAG", default=True) is True


def test_env_int_names_the_variable_and_keeps_the_minimum(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_INT", "12")
    assert env.env_int("PORTAL_TEST_INT", 3, minimum=1) == 12
    monkeypatch.setenv("PORTAL_TEST_INT", "")
    assert env.env_int("PORTAL_TEST_INT", 3) == 3
    monkeypatch.setenv("PORTAL_TEST_INT", "1.5")
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_INT must be an integer"):
        env.env_int("PORTAL_TEST_INT", 3)
    monkeypatch.setenv("PORTAL_TEST_INT", "-1")
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_INT must be at least 0"):
        env.env_int("PORTAL_TEST_INT", 3, minimum=0)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_LIST", " a.example , ,b.example,")
    assert env.env_list("PORTAL_TEST_LIST") == ["a.example", "b.example"]
    monkeypatch.delenv("PORTAL_TEST_LIST")
    assert env.env_list("PORTAL_TEST_LIST", ["x"]) == ["x"]


def test_env_secret_refuses_both_the_value_and_the_file(monkeypatch, tmp_path):
    secret_file = tmp_path / "s"
    secret_file.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("PORTAL_TEST_SECRET_FILE", str(secret_file))
    assert env.env_secret("PORTAL_TEST_SECRET") == "from-file"

    monkeypatch.setenv("PORTAL_TEST_SECRET", "from-env")
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_SECRET or PORTAL_TEST_SECRET_FILE, not both"):
        env.env_secret("PORTAL_TEST_SECRET")

    monkeypatch.delenv("PORTAL_TEST_SECRET_FILE")
    assert env.env_secret("PORTAL_TEST_SECRET") == "from-env"
    monkeypatch.delenv("PORTAL_TEST_SECRET")
    assert env.env_secret("PORTAL_TEST_SECRET", "fallback") == "fallback"
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TEST_SECRET .or PORTAL_TEST_SECRET_FILE. is required"):
        env.require_secret("PORTAL_TEST_SECRET")


# --- The image build -----------------------------------------------------------------------
def test_image_build_collects_static_files_without_any_secret(tmp_path):
    # What the Dockerfile runs: no production variable at all, production's storage.
    static_root = tmp_path / "staticfiles"
    result = run(
        tmp_path,
        {"DJANGO_SETTINGS_MODULE": "credit_portal.settings_build", "STATIC_ROOT": str(static_root)},
        "manage.py", "collectstatic", "--no-input", "--verbosity", "0",
    )

    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text(encoding="utf-8"))
    assert manifest["paths"], "no static file was hashed"
    assert any(path.endswith(".gz") for path in map(str, static_root.rglob("*"))), "no compressed copies"
