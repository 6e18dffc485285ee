"""The policy in our own table: a small Casbin adapter plus the functions that change it.

Every change bumps `policy_version` in the same transaction, which is how other processes
learn that they must reload (`platform_core.authz.sync`). The casbin-sqlalchemy-adapter
package is not used: it depends on the old `casbin` distribution (shared/STACK.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casbin import persist
from sqlalchemy import CursorResult, delete, event, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from platform_core.authz.actors import Actor
from platform_core.errors import ConfigurationError
from platform_core.models import CasbinRule, PolicyVersion, utcnow

POLICY_CSV = Path(__file__).resolve().parent / "policy.csv"
Rule = tuple[str, ...]  # ("p", sub, dom, act) or ("g", user, role, dom)
COLUMNS = ("v0", "v1", "v2", "v3", "v4", "v5")

# Listeners told after a policy change commits (sync.py adds the Redis announcer here).
# A session whose `info` holds a callable under this key calls it with the committed policy
# version (the Runtime's sessions carry one when a Redis URL is configured). Per session, so
# there is no process-wide registry of listeners.
ANNOUNCE_KEY = "ceplat.policy_announce"


def parse_policy_text(text: str) -> list[Rule]:
    """CSV policy lines (`p, a, b, c`), skipping blanks and `#` comments."""
    rules: list[Rule] = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text), skipinitialspace=True), start=1):
        if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
            continue
        cells = tuple(c.strip() for c in row)
        if cells[0] not in {"p", "g"} or len(cells) < 4:
            raise ConfigurationError(f"策略第{lineno}行格式不正确：{', '.join(cells)}",
                                     code="bad_policy_line")
        rules.append(cells)
    return rules


def default_rules(path: Path = POLICY_CSV) -> list[Rule]:
    return parse_policy_text(path.read_text(encoding="utf-8"))


def _row(rule: Sequence[str]) -> CasbinRule:
    ptype, *vals = rule
    return CasbinRule(ptype=ptype, **dict(zip(COLUMNS, vals, strict=False)))


def load_rules(session: Session) -> list[Rule]:
    # Plain rows, not ORM objects: a city's ~1e5 role links load several times faster.
    c = CasbinRule
    rows = session.execute(select(c.ptype, c.v0, c.v1, c.v2, c.v3, c.v4, c.v5).order_by(c.id))
    out: list[Rule] = []
    for row in rows:
        vals = list(row)
        while vals and vals[-1] == "":
            vals.pop()
        out.append(tuple(vals))
    return out


def current_version(session: Session) -> int:
    return session.scalar(select(PolicyVersion.version).where(PolicyVersion.id == 1)) or 0


def bump_version(session: Session) -> int:
    """Increment the policy version in this transaction; announce it once the transaction commits."""
    row = session.get(PolicyVersion, 1, with_for_update=True)
    if row is None:
        row = PolicyVersion(id=1, version=0)
        session.add(row)
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    version = row.version
    session.info["ceplat.policy_version"] = version
    if not session.info.get("ceplat.policy_listener"):
        session.info["ceplat.policy_listener"] = True

        @event.listens_for(session, "after_commit", once=True)
        def _announce(sess: Session) -> None:
            sess.info.pop("ceplat.policy_listener", None)
            committed = sess.info.pop("ceplat.policy_version", None)
            announce = sess.info.get(ANNOUNCE_KEY)
            if committed is not None and announce is not None:
                announce(committed)

    return version


def add_rules(session: Session, rules: Iterable[Sequence[str]]) -> int:
    """Add rules that are not there yet; returns how many were added."""
    wanted = {tuple(r) for r in rules}
    if not wanted:
        return 0
    # Only the rows that could be duplicates: same type and first value (a city has ~1e5 links).
    keys = {(r[0], r[1]) for r in wanted}
    same_key = tuple_(CasbinRule.ptype, CasbinRule.v0).in_(sorted(keys))
    rows = session.scalars(select(CasbinRule).where(same_key))
    new = wanted - {(r.ptype, *r.values()) for r in rows}
    for rule in sorted(new):
        session.add(_row(rule))
    if new:
        bump_version(session)
    return len(new)


def remove_rules(session: Session, rules: Iterable[Sequence[str]]) -> int:
    gone = 0
    for rule in {tuple(r) for r in rules}:
        ptype, *vals = rule
        cond = [CasbinRule.ptype == ptype]
        cond += [getattr(CasbinRule, c) == v for c, v in zip(COLUMNS, vals, strict=False)]
        cond += [getattr(CasbinRule, c) == "" for c in COLUMNS[len(vals):]]
        result: CursorResult[Any] = session.execute(delete(CasbinRule).where(*cond))  # type: ignore[assignment]
        gone += result.rowcount or 0
    if gone:
        bump_version(session)
    return gone


def remove_user_links(session: Session, subject: str) -> int:
    """Remove every role link of a user (`g, subject, *, *`)."""
    stmt = delete(CasbinRule).where(CasbinRule.ptype == "g", CasbinRule.v0 == subject)
    result: CursorResult[Any] = session.execute(stmt)  # type: ignore[assignment]
    gone = result.rowcount
    if gone:
        bump_version(session)
    return gone or 0


@dataclass
class SyncResult:
    added: list[Rule] = field(default_factory=list)
    removed: list[Rule] = field(default_factory=list)
    version: int = 0


def sync_policy(session: Session, rules: Iterable[Sequence[str]] | None = None, *,
                actor: Actor | None = None) -> SyncResult:
    """Make the database's `p` lines equal to `rules` (default: policy.csv). Role links stay.
    A change is stamped (as `actor`, default the system actor) in the same transaction."""
    target = {tuple(r) for r in (default_rules() if rules is None else rules) if r[0] == "p"}
    have = {r for r in load_rules(session) if r[0] == "p"}
    result = SyncResult(added=sorted(target - have), removed=sorted(have - target))
    if result.removed:
        keys = [tuple(r[1:4]) for r in result.removed]
        session.execute(delete(CasbinRule).where(
            CasbinRule.ptype == "p", tuple_(CasbinRule.v0, CasbinRule.v1, CasbinRule.v2).in_(keys)))
    for rule in result.added:
        session.add(_row(rule))
    if not (result.added or result.removed):
        result.version = current_version(session)
        return result
    result.version = bump_version(session)
    from platform_core import audit  # audit imports authz; import here to keep the cycle out

    audit.stamp(session, actor or Actor.system(), "policy.sync", object_type="policy",
                object_id=str(result.version),
                after={"added": [", ".join(r) for r in result.added][:200],
                       "removed": [", ".join(r) for r in result.removed][:200],
                       "added_count": len(result.added), "removed_count": len(result.removed)})
    return result


class SqlAdapter(persist.Adapter):
    """Read-only Casbin adapter over `casbin_rule`. Changes go through the functions above so
    they join the caller's transaction and bump the version."""

    def __init__(self, sessions: sessionmaker[Session] | Callable[[], Session]):
        self._sessions = sessions

    def load_policy(self, model: object) -> None:
        with self._sessions() as session:
            RulesAdapter(load_rules(session)).load_policy(model)


class RulesAdapter(persist.Adapter):
    """Casbin adapter over rules already in memory (a snapshot read in one transaction)."""

    def __init__(self, rules: Iterable[Sequence[str]]):
        self._rules = [tuple(r) for r in rules]

    def load_policy(self, model: object) -> None:
        sections = model.model  # type: ignore[attr-defined]
        for ptype, *vals in self._rules:
            sec = ptype[0]
            if sec in sections and ptype in sections[sec]:
                sections[sec][ptype].policy.append(list(vals))
