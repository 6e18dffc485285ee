"""Public-subject topics per year (R4–R7): loading the data file and syncing it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_core.authz.actors import Actor
from platform_core.models import PublicTopic

TOPICS_FILE = Path(__file__).resolve().parent / "data" / "public_topics.toml"


@dataclass(frozen=True)
class TopicDef:
    year: int
    name: str
    hours: Decimal
    window_start: date
    window_end: date


def load_topics(path: Path = TOPICS_FILE) -> list[TopicDef]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for y in data["years"]:
        for name in y["topics"]:
            out.append(TopicDef(int(y["year"]), name, Decimal(str(y.get("hours", 30))),
                                y["window_start"], y["window_end"]))
    return out


def sync_topics(session: Session, topics: list[TopicDef], *, actor: Actor | None = None) -> int:
    """Create or update topics by (year, name); returns how many changed. Idempotent.

    Topic windows decide R6/R7, so a change is stamped (R24) as ``actor`` (default: system)."""
    existing = {(t.year, t.name): t for t in session.scalars(select(PublicTopic))}
    changed = 0
    for d in topics:
        row = existing.get((d.year, d.name))
        if row is None:
            session.add(PublicTopic(year=d.year, name=d.name, hours=d.hours,
                                    window_start=d.window_start, window_end=d.window_end))
            changed += 1
        elif (row.hours, row.window_start, row.window_end) != (d.hours, d.window_start, d.window_end):
            row.hours, row.window_start, row.window_end = d.hours, d.window_start, d.window_end
            changed += 1
    session.flush()
    if changed:
        from platform_core import audit  # audit depends on authz, which reads tenants

        audit.stamp(session, actor or Actor.system("setup"), "topic.sync", object_type="public_topics",
                    object_id="all", after={"changed": changed, "years": sorted({t.year for t in topics})})
    return changed


def find_topics(session: Session, name: str) -> list[PublicTopic]:
    """Every year's topic of this name, newest first (a name may recur across years)."""
    return list(session.scalars(select(PublicTopic).where(PublicTopic.name == name.strip())
                                .order_by(PublicTopic.year.desc())))


def topic_for_pass(topics: list[PublicTopic], passed_on: date) -> PublicTopic | None:
    """The topic a pass belongs to: the one whose window holds its date (where two windows
    overlap — January to March — the one closing first, as the catch-up period exists for it),
    else the newest one started by then (the evaluation then refuses it for lateness, R6/R7),
    else the oldest."""
    if not topics:
        return None
    for topic in sorted(topics, key=lambda t: t.window_end):
        if topic.window_start <= passed_on <= topic.window_end:
            return topic
    started = [t for t in topics if t.window_start <= passed_on]
    return started[0] if started else topics[-1]


def find_topic(session: Session, name: str, year: int | None = None) -> PublicTopic | None:
    stmt = select(PublicTopic).where(PublicTopic.name == name.strip())
    if year is not None:
        stmt = stmt.where(PublicTopic.year == year)
    return session.scalars(stmt.order_by(PublicTopic.year.desc())).first()
