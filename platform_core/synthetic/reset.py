"""Starting the demo over: is there data already, and how to discard it.

A SQLite demo database is a file, so starting over deletes the file (and its WAL/SHM
companions) before anything opens it. Any other database keeps its schema; only rows go.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, MetaData, inspect, text
from sqlalchemy.engine import make_url

from platform_core.db import make_engine

SYNTHETIC_ORG_PREFIX = "SYN-"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None (another backend or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def has_persons(engine: Engine) -> bool:
    if not inspect(engine).has_table("persons"):
        return False
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM persons LIMIT 1")).first() is not None


def has_real_persons(engine: Engine) -> bool:
    """Whether any person is not synthetic: the generator's employers all carry codes
    starting with ``SYN-``, imported or entered persons do not."""
    if not inspect(engine).has_table("persons"):
        return False
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT 1 FROM persons p LEFT JOIN organisations o ON o.id = p.employer_id "
            "WHERE o.code IS NULL OR o.code NOT LIKE :prefix LIMIT 1"),
            {"prefix": SYNTHETIC_ORG_PREFIX + "%"}).first() is not None


def sqlite_file_contents(path: Path) -> tuple[bool, bool]:
    """(has persons, has persons that are not synthetic) of a SQLite file, without keeping
    it open."""
    if not path.exists():
        return False, False
    engine = make_engine(f"sqlite:///{path}")
    try:
        return has_persons(engine), has_real_persons(engine)
    finally:
        engine.dispose()


def delete_sqlite_file(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        candidate.unlink(missing_ok=True)


def wipe_rows(engine: Engine) -> None:
    """Delete every row except Alembic's version, children first; ids restart on PostgreSQL."""
    meta = MetaData()
    meta.reflect(engine)
    tables = [t for t in reversed(meta.sorted_tables) if t.name != "alembic_version"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            if tables:
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(t.delete())
