"""The authorization matrix: every role × every action × own / other / district / city tenant,
asked of the real policy (policy.csv) through the real enforcer, against the expected answers
written down in docs/authz-matrix.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from platform_core.authz.actions import ACTIONS, ROLES, Role
from platform_core.authz.actors import Actor, subject_of
from platform_core.authz.adapter import default_rules
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.service import is_allowed
from platform_core.users import role_domains

MATRIX = Path(__file__).resolve().parents[2] / "docs" / "authz-matrix.md"
TENANTS = {"340800": "city", "340822": "county", "340881": "county", "340802": "district",
           "340803": "district", "340871": "zone"}
CITY_LEVEL = {Role.CITY_ADMIN, Role.CITY_VERIFIER, Role.INDUSTRY_REVIEWER, Role.AUDITOR}
COLUMNS = ("own", "other", "district", "city")


def column_tenant(role: str, column: str) -> str:
    own = "340800" if role in CITY_LEVEL else "340822"
    return {"own": own, "other": "340881", "district": "340802", "city": "340800"}[column]


def parse_matrix(text: str) -> dict[tuple[str, str], dict[str, str]]:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or cells[0] not in ROLES:
            continue
        role, action, *answers = cells[:6]
        assert (role, action) not in rows, f"duplicate row {role} {action}"
        assert all(a in {"allow", "deny"} for a in answers), line
        rows[(role, action)] = dict(zip(COLUMNS, answers, strict=True))
    return rows


EXPECTED = parse_matrix(MATRIX.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def enforcer() -> PlatformEnforcer:
    links = []
    for role in ROLES:
        home = column_tenant(role, "own")
        links += [("g", subject_of(f"u_{role}"), role, d) for d in role_domains(role, TENANTS[home], home)]
    return PlatformEnforcer.from_rules(default_rules() + links, TENANTS)


def test_matrix_covers_every_role_and_action() -> None:
    missing = [(r, a) for r in ROLES for a in ACTIONS if (r, a) not in EXPECTED]
    unknown = [k for k in EXPECTED if k[1] not in ACTIONS]
    assert not missing, f"docs/authz-matrix.md lacks rows: {missing}"
    assert not unknown, f"docs/authz-matrix.md names unknown actions: {unknown}"


@pytest.mark.parametrize("role", ROLES)
def test_matrix(enforcer: PlatformEnforcer, role: str) -> None:
    actor = Actor(user_id=1, username=f"u_{role}", role=role, tenant_code=column_tenant(role, "own"))
    wrong = []
    for action in ACTIONS:
        for column in COLUMNS:
            tenant = column_tenant(role, column)
            got = "allow" if is_allowed(enforcer, actor, action, tenant) else "deny"
            if got != EXPECTED[(role, action)][column]:
                wrong.append(f"{role} {action} {column}({tenant}): expected "
                             f"{EXPECTED[(role, action)][column]}, policy says {got}")
    assert not wrong, "\n".join(wrong)


def test_r14_only_bases_submit_verification_batches() -> None:
    submitters = {r for (r, a), cols in EXPECTED.items()
                  if a == "batch.submit" and "allow" in cols.values()}
    assert submitters == {"base_operator"}


def test_r18_only_city_admin_allocates_numbers() -> None:
    allocators = {r for (r, a), cols in EXPECTED.items()
                  if a == "number.allocate" and "allow" in cols.values()}
    assert allocators == {"city_admin"}


def test_city_roles_are_not_copied_per_tenant() -> None:
    """City roles reach every tenant through domain patterns: no policy line names a tenant."""
    concrete = [r for r in default_rules() if r[0] == "p" and not re.fullmatch(r"\*|[a-z]+:\*", r[2])]
    assert concrete == []
