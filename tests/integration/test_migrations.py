"""Alembic owns the schema: the migrations produce exactly what the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from platform_core.migrate import current_heads
from platform_core.models import Base


def test_one_linear_head() -> None:
    assert len(current_heads()) == 1


def test_migrated_schema_matches_the_models(runtime) -> None:
    with runtime.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
