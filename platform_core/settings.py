"""Settings, read from the environment in one place (no other module reads os.environ)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_database_url() -> str:
    var = Path(os.environ.get("CEPLAT_VAR_DIR", PROJECT_ROOT / "var"))
    return f"sqlite:///{var / 'ceplat.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Runtime settings. Every field has a safe default for the embedded demo."""

    database_url: str = field(default_factory=_default_database_url)
    # None means Celery runs tasks eagerly in-process (the embedded default).
    broker_url: str | None = None
    result_backend: str | None = None
    tenants_dir: Path = PROJECT_ROOT / "tenants"
    # The city whose code starts certificate numbers (R20) and owns the platform.
    city_code: str = "340800"
    log_level: str = "WARNING"

    @property
    def eager(self) -> bool:
        return not self.broker_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    kwargs: dict[str, object] = {}
    if env.get("CEPLAT_DATABASE_URL"):
        kwargs["database_url"] = env["CEPLAT_DATABASE_URL"]
    if env.get("CEPLAT_BROKER_URL"):
        kwargs["broker_url"] = env["CEPLAT_BROKER_URL"]
        kwargs["result_backend"] = env.get("CEPLAT_RESULT_BACKEND") or env["CEPLAT_BROKER_URL"]
    if env.get("CEPLAT_TENANTS_DIR"):
        kwargs["tenants_dir"] = Path(env["CEPLAT_TENANTS_DIR"])
    if env.get("CEPLAT_CITY_CODE"):
        kwargs["city_code"] = env["CEPLAT_CITY_CODE"]
    if env.get("CEPLAT_LOG_LEVEL"):
        kwargs["log_level"] = env["CEPLAT_LOG_LEVEL"]
    return Settings(**kwargs)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return settings_from_env()
