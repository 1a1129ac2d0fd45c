"""CPU the whole delivery pipeline of ``bench/run.py`` uses, and how many cores it keeps busy
(prints figures, asserts nothing).

Start it just before ``bench/run.py``, naming the scratch database that run uses
(``<name of DATABASE_URL's database>_bench``)::

    .venv/bin/python bench/pipeline_cpu.py credit_portal_bench & .venv/bin/python bench/run.py --events 100000

Every 50 ms it reads utime + stime (``/proc/<pid>/stat``) of the sender processes
(``run.py --sender``), the gunicorn workers serving ``credit_portal.wsgi`` and the
PostgreSQL backends of that database, from the moment the first sender appears until the
last one is gone, then prints the CPU of each group (the senders' start-up included) and
CPU ÷ wall time: the cores in use. On an idle 2-core host a figure well under 2 means the
rate is set by waiting (the senders' sequential stages, commits), not by CPU per event.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def scan(database: str) -> dict[str, tuple[str, float]]:
    """CPU seconds so far of each process of the pipeline, by pid, with its group."""
    found: dict[str, tuple[str, float]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while being read
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        if "run.py --sender" in command:
            found[proc.name] = ("senders", cpu)
        elif "gunicorn" in command and "credit_portal.wsgi" in command:
            found[proc.name] = ("gunicorn workers", cpu)
        elif command.startswith("postgres: ") and f" {database} " in command:
            found[proc.name] = ("PostgreSQL backends", cpu)
    return found


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    database = sys.argv[1]
    seen: dict[str, tuple[str, float]] = {}
    at_start: dict[str, tuple[str, float]] = {}
    began = ended = 0.0
    while True:
        snapshot = scan(database)
        now = time.time()
        seen.update(snapshot)
        senders = any(group == "senders" for group, _cpu in snapshot.values())
        if senders and not began:
            began, at_start = now, dict(seen)
        if began and not senders:
            ended = now
            break
        time.sleep(0.05)
    used: dict[str, float] = {}
    for pid, (group, cpu) in seen.items():
        used[group] = used.get(group, 0.0) + cpu - at_start.get(pid, (group, 0.0))[1]
    span, total = ended - began, sum(used.values())
    print(f"while senders ran ({span:.1f} s): "
          + "; ".join(f"{group} {cpu:.1f} s" for group, cpu in sorted(used.items()))
          + f"; in all {total:.1f} s of CPU = {total / span:.2f} cores in use")


if __name__ == "__main__":
    main()
