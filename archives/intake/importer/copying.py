"""COPY statements of an import on a thread of their own (PostgreSQL).

The import's rows are written chunk by chunk while the importing process reads, checks
and matches the next chunk: the thread sends each chunk's COPY text over the import's
own connection (so it is the import's one transaction) and waits for the server, which
parses the rows, maintains the indexes and, with the constraints set immediate, checks
the foreign keys meanwhile. psycopg2 releases the interpreter lock while it waits on the
server, so the importing process keeps computing. The importing process sends its own
statements (look-ups, ids) only when the thread is idle (``wait``): psycopg2 does not
hold the connection's lock through a COPY, and a statement sent in the middle of one
would end it.

The thread never outlives the import's transaction: ``close`` stops it (anything still
queued is dropped) and joins it before the transaction ends, whether it commits or
rolls back, so no statement can reach the connection after a rollback.
"""

from __future__ import annotations

import io
import queue
import threading
from typing import Any

from django.db import connection

COPY_BLOCK = 1 << 20  # characters sent per write: fewer round trips through the interpreter lock

Statement = tuple[str, tuple[str, ...], str]  # table, columns, COPY text


class CopyThread:
    def __init__(self) -> None:
        connection.ensure_connection()
        self._raw = connection.connection  # the import's psycopg2 connection, inside its transaction
        self._queue: queue.Queue[list[Statement] | None] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="intake-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cursor = self._raw.cursor()
        try:
            while (item := self._queue.get()) is not None:
                try:
                    if self.error is None and not self._stop.is_set():
                        for table, columns, text in item:
                            cursor.copy_expert(
                                f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text), size=COPY_BLOCK
                            )
                except BaseException as exc:  # handed to the importing process by ``check``
                    self.error = exc
                finally:
                    self._queue.task_done()
            self._queue.task_done()
        finally:
            cursor.close()

    def put(self, statements: list[Statement]) -> None:
        """Queue one chunk's statements (in order); waits while one is queued."""
        self.check()
        self._queue.put(statements)

    def wait(self) -> None:
        """Wait until every queued statement ran; raise the first one's error."""
        self._queue.join()
        self.check()

    def check(self) -> None:
        if self.error is not None:
            with connection.wrap_database_errors:  # psycopg2's errors as Django's (IntegrityError …)
                raise self.error

    def close(self) -> None:
        """Stop and join the thread; statements still queued are dropped."""
        self._stop.set()
        self._queue.put(None)
        self._thread.join()

    def __enter__(self) -> CopyThread:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
