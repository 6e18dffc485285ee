"""What every adapter (CLI, web, worker) builds at start-up: settings, engine, plugins.

One Runtime per process (or per test); nothing here is created at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from platform_core.authz.adapter import ANNOUNCE_KEY
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.sync import announcer
from platform_core.db import make_engine, session_factory
from platform_core.plugins import PluginHost, build_plugin_host
from platform_core.settings import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings = field(default_factory=get_settings)
    # Tests inject a host with extra plugins; production loads the entry points.
    plugin_host: PluginHost | None = None

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        # Policy changes committed through these sessions are announced to every process at
        # once over Redis when it is configured; other processes poll otherwise.
        announce = announcer(self.settings.broker_url)
        return session_factory(self.engine, info={ANNOUNCE_KEY: announce} if announce else None)

    @cached_property
    def plugins(self) -> PluginHost:
        return self.plugin_host or build_plugin_host()

    @cached_property
    def enforcer(self) -> PlatformEnforcer:
        """The policy as loaded now. Long-running processes keep it fresh with PolicySync."""
        with self.sessions() as session:
            return PlatformEnforcer.load(session)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
