"""Validate docker-compose.yml offline: no Docker engine runs in CI.

1. The file against the compose-spec JSON schema that check-jsonschema ships
   (``--builtin-schema vendor.compose-spec``; nothing is downloaded).
2. What the schema cannot see: the five services of DESIGN §11 exist with the images
   and commands they need, health checks where a service can answer one, every
   ``depends_on`` and secret points at something defined, the secrets live in the
   ignored ./secrets/ folder.
3. Documentation: every variable the settings read and every ``${VAR}`` the compose
   file interpolates is listed in .env.example, and the settings' ones in README.md.

Usage: ``python .ci/check_compose.py [path/to/docker-compose.yml]``; exits non-zero
with one line per problem.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML  # check-jsonschema's own parser, so both read the file alike

ROOT = Path(__file__).resolve().parent.parent
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_list", "env_secret", "require_secret"}
REQUIRED_SERVICES = {
    "web": "gunicorn",
    "worker": "worker",
    "beat": "beat",
}
HEALTHCHECKED = {"web", "worker", "db", "redis"}


def schema_errors(path: Path) -> list[str]:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return []
    return [f"compose-spec: {line}" for line in (result.stdout + result.stderr).strip().splitlines()]


def settings_variables() -> set[str]:
    """Environment variables credit_portal/settings.py reads through the env helpers."""
    tree = ast.parse((ROOT / "credit_portal" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ENV_HELPERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def command_text(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def structure_errors(compose: dict, text: str) -> list[str]:
    errors: list[str] = []
    services = compose.get("services") or {}
    for name, needle in REQUIRED_SERVICES.items():
        if name not in services:
            errors.append(f"service {name!r} is missing")
        elif needle not in command_text(services[name]):
            errors.append(f"service {name!r} does not run {needle!r}: {command_text(services[name])!r}")
    for name, image in {"db": "postgres:16", "redis": "redis:7"}.items():
        if name not in services:
            errors.append(f"service {name!r} is missing")
        elif services[name].get("image") != image:
            errors.append(f"service {name!r} must use image {image}, not {services[name].get('image')!r}")
    for name in sorted(HEALTHCHECKED & set(services)):
        check = services[name].get("healthcheck") or {}
        if not check.get("test") or check.get("disable"):
            errors.append(f"service {name!r} has no healthcheck")
    declared_secrets = compose.get("secrets") or {}
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        for target in depends if isinstance(depends, (list, dict)) else []:
            if target not in services:
                errors.append(f"service {name!r} depends on undefined service {target!r}")
        for secret in service.get("secrets") or []:
            secret_name = secret if isinstance(secret, str) else secret.get("source")
            if secret_name not in declared_secrets:
                errors.append(f"service {name!r} uses undefined secret {secret_name!r}")
        environment = service.get("environment") or {}
        if isinstance(environment, dict):
            for key in environment:
                if key.endswith("_FILE") and key[: -len("_FILE")] in environment:
                    errors.append(f"service {name!r} sets both {key[:-5]} and {key} (the settings refuse that)")
        if "build" in service and service.get("user") in {"root", "0"}:
            errors.append(f"service {name!r} runs the portal as root")
    for name, secret in declared_secrets.items():
        path = str((secret or {}).get("file", ""))
        if not path.startswith("./secrets/"):
            errors.append(f"secret {name!r} must be a file under ./secrets/ (ignored by git), not {path!r}")
    # The keys must reach the portal as files, never through .env or the image.
    for key in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "PLATFORM_SIGNING_KEY"):
        if f"{key}_FILE:" not in text:
            errors.append(f"{key} is not passed as {key}_FILE from a secret")
    return errors


def documentation_errors(text: str) -> list[str]:
    errors: list[str] = []
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else ""
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    for name in sorted(settings_variables() | interpolated):
        if name not in documented:
            errors.append(f".env.example does not document {name}")
    for name in sorted(settings_variables()):
        if f"`{name}`" not in readme:
            errors.append(f"README.md does not document `{name}`")
    return errors


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else ROOT / "docker-compose.yml"
    text = path.read_text(encoding="utf-8")
    errors = schema_errors(path)
    if not errors:
        compose = YAML(typ="safe").load(text)
        errors = structure_errors(compose, text) + documentation_errors(text)
    for error in errors:
        print(f"{path.name}: {error}", file=sys.stderr)
    if errors:
        return 1
    print(f"{path.name}: valid against the compose-spec schema; services, secrets and variables checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
