"""The scan behind the "decides no access itself" tests: which lines of views and
templates match a pattern of deciding access (a role or scope look-up, a comparison
with the signed-in user, an ORM query outside the selectors)."""

from __future__ import annotations

import re
from pathlib import Path


def violations(files: list[Path], patterns: dict[str, str]) -> list[str]:
    """``folder/file:line: what: text`` for every line that matches; comment lines and
    docstring openings are skipped (they may name what they avoid)."""
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith(("#", '"""', "{#")):
                continue
            for pattern, what in patterns.items():
                if re.search(pattern, line):
                    found.append(f"{path.parent.name}/{path.name}:{number}: {what}: {line.strip()}")
    return found


def line_violations(tmp_path: Path, line: str, patterns: dict[str, str]) -> list[str]:
    """The scan of one line, for the tests that show the scan itself can fail."""
    sample = tmp_path / "sample.txt"
    sample.write_text(line + "\n", encoding="utf-8")
    return violations([sample], patterns)
