"""Bulk writes for the generator: Core executemany in chunks, COPY on PostgreSQL.

Never one ORM object per row: at 200,000 persons the generator writes ~2 million hour
records, and per-object flushes would take minutes instead of seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, select

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
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), list(rows[start:start + CHUNK]))


def insert_returning_ids(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new ids in the order given."""
    ids: list[int] = []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), CHUNK):
        ids.extend(conn.execute(stmt, list(rows[start:start + CHUNK])).scalars())
    return ids


def insert_keyed(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], key: str, *,
                 copy: bool = False) -> list[int]:
    """Insert ``rows`` and return their ids in the order given, found again by the unique
    column ``key``: COPY and plain executemany return no ids, and RETURNING over
    executemany is several times slower than both."""
    insert_rows(conn, table, rows, copy=copy)
    found: dict[Any, int] = {}
    values = [row[key] for row in rows]
    for start in range(0, len(values), 1000):
        chunk = values[start:start + 1000]
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
