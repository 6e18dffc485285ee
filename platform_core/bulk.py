"""Bulk writes: Core executemany in chunks, COPY on PostgreSQL, in the caller's transaction.

Never one ORM object per row: at 200,000 persons the synthetic city writes ~2 million hour
records, and a number application 50,000 rows; per-object flushes would take minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, insert, select
from sqlalchemy.orm import Session

from platform_core.batching import chunked

CHUNK = 5000


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *,
                copy: bool = False) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``.

    ``copy`` uses PostgreSQL's COPY FROM STDIN on the session's own connection, so the rows
    belong to the caller's transaction; other backends always use executemany.
    """
    if not rows:
        return
    if copy and conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
        return
    for chunk in chunked(rows, CHUNK):
        conn.execute(insert(table), list(chunk))


def insert_returning_ids(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new ids in the order given."""
    ids: list[int] = []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for chunk in chunked(rows, CHUNK):
        ids.extend(conn.execute(stmt, list(chunk)).scalars())
    return ids


def insert_keyed(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], key: str, *,
                 copy: bool = False) -> list[int]:
    """Insert ``rows`` and return their ids in the order given, found again by the unique
    column ``key``: COPY and plain executemany return no ids, and RETURNING over
    executemany is several times slower than both."""
    insert_rows(conn, table, rows, copy=copy)
    found: dict[Any, int] = {}
    values = [row[key] for row in rows]
    for chunk in chunked(values):
        found.update((k, i) for i, k in conn.execute(
            select(table.c.id, table.c[key]).where(table.c[key].in_(chunk))))
    return [found[v] for v in values]


def _copy(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    columns = list(rows[0])
    raw = conn.connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


COPY_BATCH = 5000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_rows(session: Session, table: Table, columns: Sequence[str],
              rows: Iterable[Sequence[str]]) -> None:
    """COPY ``rows`` (every field already text, none NULL) into ``table`` on PostgreSQL, in the
    session's transaction. Written in batches, so the server stores one while the next is
    being formatted."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    names = ", ".join(f'"{c}"' for c in columns)
    it = iter(rows)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        while batch := list(islice(it, COPY_BATCH)):
            copy.write(copy_text(batch, len(columns)))


def copy_text(batch: Sequence[Sequence[str]], width: int) -> str:
    """Rows in COPY's text format: tab-separated, one line each; a backslash, tab, newline or
    carriage return inside a field is escaped."""
    text = "\n".join(map("\t".join, batch)) + "\n"
    # Escaping every field costs more than all the rest of the formatting, and fields holding
    # one of those characters are rare: they show in these counts, and only then is it done.
    if (text.count("\t") != len(batch) * (width - 1) or text.count("\n") != len(batch) or "\\" in text
            or "\r" in text):
        text = "".join("\t".join(f.translate(_COPY_ESCAPES) for f in row) + "\n" for row in batch)
    return text
