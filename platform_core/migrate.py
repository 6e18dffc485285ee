"""Schema migrations through Alembic, callable from the CLI, tests and workers."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database behind `engine` to `revision` (default: every head)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_heads() -> list[str]:
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def install(engine: Engine) -> bool:
    """Upgrade the schema, then load the versioned default policy on a first install.

    Returns True when the policy was loaded. Later policy changes go through `ceplat authz`;
    an existing policy is never overwritten here.
    """
    from sqlalchemy.orm import Session

    from platform_core.authz import adapter

    upgrade(engine)
    with Session(engine) as session, session.begin():
        if any(rule[0] == "p" for rule in adapter.load_rules(session)):
            return False
        adapter.sync_policy(session)
        return True
