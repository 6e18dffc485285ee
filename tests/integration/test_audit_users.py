"""Users, tokens and authentication: hashed at rest, revocable, every change stamped; reading a
full ID number is itself stamped; the CLI adapters over all of it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from platform_core import audit, cli, users
from platform_core.authz.actors import Actor
from platform_core.authz.adapter import sync_policy
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.service import read_full_id
from platform_core.errors import Conflict, PermissionDenied, ValidationFailed
from platform_core.models import ApiToken, AuditStamp, User, utcnow
from platform_core.runtime import Runtime
from tests import factories as f

SYSTEM = Actor.system("test")


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
            *args: str) -> tuple[int, Any]:
    monkeypatch.setenv("CEPLAT_DATABASE_URL", url)
    capsys.readouterr()
    code = cli.main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in args and out.strip() else out


def stamps(rt: Runtime) -> list[tuple[str, str, str]]:
    with rt.read() as s:
        rows = s.scalars(select(AuditStamp).where(AuditStamp.action.not_in(["tenant.sync", "topic.sync"]))
                         .order_by(AuditStamp.id))
        return [(r.action, r.object_type, r.object_id) for r in rows]


def test_passwords_are_argon2_and_authenticate(city: Runtime) -> None:
    with city.transaction() as s:
        users.add_user(s, None, SYSTEM, username="hn", role="county_reviewer", tenant_code="340822",
                       password="s3cret-pass")
    with city.transaction() as s:
        row = s.scalars(select(User).where(User.username == "hn")).one()
        assert row.password_hash and row.password_hash.startswith("$argon2id$")
        assert "s3cret-pass" not in row.password_hash
        actor = users.authenticate_password(s, "hn", "s3cret-pass")
        assert (actor.username, actor.role, actor.tenant_code) == ("hn", "county_reviewer", "340822")
        for name, pw in [("hn", "wrong"), ("nobody", "s3cret-pass")]:
            with pytest.raises(PermissionDenied) as err:
                users.authenticate_password(s, name, pw)
            assert err.value.code == "bad_credentials"
        users.disable_user(s, None, SYSTEM, "hn", comment="离职")
    with city.transaction() as s, pytest.raises(PermissionDenied):
        users.authenticate_password(s, "hn", "s3cret-pass")
    assert stamps(city) == [("user.add", "user", "hn"), ("user.disable", "user", "hn")]


def test_tokens_are_hashed_revocable_and_expire(city: Runtime) -> None:
    with city.transaction() as s:
        base = f.base(s, "340822")
        users.add_user(s, None, SYSTEM, username="base", role="base_operator", tenant_code="340822",
                       org_code=base.code)
        issued = users.issue_token(s, None, SYSTEM, "base", days=30, label="批量提交")
        short = users.issue_token(s, None, SYSTEM, "base", days=1)
    with city.read() as s:
        dump = " ".join(str(v) for row in s.execute(text("SELECT * FROM api_tokens")) for v in row)
        assert issued.token not in dump and issued.token.split("_", 2)[2] not in dump
    with city.transaction() as s:
        actor = users.authenticate_token(s, issued.token)
        assert (actor.username, actor.org_id, actor.org_kind) == ("base", base.id, "training_base")
        with pytest.raises(PermissionDenied):
            users.authenticate_token(s, issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B"))
        with pytest.raises(PermissionDenied):
            users.authenticate_token(s, short.token, now=utcnow() + timedelta(days=2))
        users.revoke_token(s, None, SYSTEM, issued.prefix)
    with city.transaction() as s, pytest.raises(PermissionDenied):
        users.authenticate_token(s, issued.token)
    logged = stamps(city)
    assert ("token.issue", "api_token", issued.prefix) in logged
    assert ("token.revoke", "api_token", issued.prefix) in logged
    with city.read() as s:
        texts = json.dumps([audit.stamp_dict(r) for r in s.scalars(select(AuditStamp))], ensure_ascii=False)
        assert issued.token not in texts


def test_role_assignments_are_checked(city: Runtime) -> None:
    with city.transaction() as s:
        cases = [
            dict(username="x1", role="industry_reviewer", tenant_code="340800"),  # no department
            dict(username="x2", role="county_reviewer", tenant_code="340800"),  # not a county
            dict(username="x3", role="city_admin", tenant_code="340822"),  # not the city
            dict(username="x4", role="base_operator", tenant_code="340822", org_code="AQ-WJW"),
            dict(username="x5", role="superuser", tenant_code="340800"),
        ]
        for case in cases:
            with pytest.raises(ValidationFailed):
                users.add_user(s, None, SYSTEM, **case)  # type: ignore[arg-type]
        users.add_user(s, None, SYSTEM, username="ok", role="auditor", tenant_code="340800")
        with pytest.raises(Conflict):
            users.add_user(s, None, SYSTEM, username="ok", role="auditor", tenant_code="340800")


def test_only_city_admin_manages_users(city: Runtime) -> None:
    with city.transaction() as s:
        sync_policy(s)
        users.add_user(s, None, SYSTEM, username="admin", role="city_admin", tenant_code="340800")
        users.add_user(s, None, SYSTEM, username="hn", role="county_reviewer", tenant_code="340822")
    with city.transaction() as s:
        enforcer = PlatformEnforcer.load(s)
        admin = users.actor_for(s, s.scalars(select(User).where(User.username == "admin")).one())
        hn = users.actor_for(s, s.scalars(select(User).where(User.username == "hn")).one())
        with pytest.raises(PermissionDenied):
            users.add_user(s, enforcer, hn, username="mine", role="county_reviewer", tenant_code="340822")
        users.add_user(s, enforcer, admin, username="tc", role="county_reviewer", tenant_code="340881")
    with city.read() as s:
        last = s.scalars(select(AuditStamp).order_by(AuditStamp.id.desc())).first()
        assert last is not None and (last.actor, last.role, last.object_id) == ("admin", "city_admin", "tc")


def test_reading_a_full_id_number_is_stamped(city: Runtime) -> None:
    with city.transaction() as s:
        sync_policy(s)
        p = f.person(s, "340822")
        users.add_user(s, None, SYSTEM, username="hn", role="county_reviewer", tenant_code="340822")
        users.add_user(s, None, SYSTEM, username="aud", role="auditor", tenant_code="340800")
        pid, number = p.id, p.id_number
    with city.transaction() as s:
        enforcer = PlatformEnforcer.load(s)
        person = s.get(type(p), pid)
        hn = users.actor_for(s, s.scalars(select(User).where(User.username == "hn")).one())
        aud = users.actor_for(s, s.scalars(select(User).where(User.username == "aud")).one())
        assert read_full_id(s, enforcer, hn, person, comment="核对证书") == number
        with pytest.raises(PermissionDenied):
            read_full_id(s, enforcer, aud, person)
    with city.read() as s:
        row = s.scalars(select(AuditStamp).where(AuditStamp.action == "person.read_full_id")).one()
        assert (row.actor, row.object_id, row.tenant_code) == ("hn", str(pid), "340822")
        assert number not in json.dumps(row.after)


def test_cli_users_tokens_explain(city: Runtime, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    url = city.settings.database_url
    code, out = run_cli(monkeypatch, capsys, url, "authz", "sync", "--json")
    assert code == 0 and len(out["added"]) > 50
    assert run_cli(monkeypatch, capsys, url, "authz", "sync", "--json")[1]["added"] == []
    code, out = run_cli(monkeypatch, capsys, url, "users", "add", "wjw", "--role", "industry_reviewer",
                        "--tenant", "340800", "--org", "AQ-WJW", "--password", "long-enough", "--json")
    assert code == 0 and out["role"] == "industry_reviewer"
    code, out = run_cli(monkeypatch, capsys, url, "users", "list", "--json")
    assert [u["username"] for u in out["users"]] == ["wjw"]
    code, out = run_cli(monkeypatch, capsys, url, "authz", "explain", "--user", "wjw", "--action",
                        "batch.first_review", "--tenant", "340802", "--json")
    assert code == 0 and out["allowed"] is True
    assert out["decided_by"] == ["p, industry_reviewer, district:*, batch.first_review",
                                 "g, user:wjw, industry_reviewer, *"]
    code, out = run_cli(monkeypatch, capsys, url, "authz", "explain", "--user", "wjw", "--action",
                        "batch.first_review", "--tenant", "340822", "--json")
    assert out["allowed"] is False and out["code"] == "action_not_granted"
    with city.transaction() as s:
        teacher = f.person(s, "340802", "中小学教师")
        number = teacher.id_number
    code, out = run_cli(monkeypatch, capsys, url, "authz", "explain", "--user", "wjw", "--action",
                        "batch.first_review", "--tenant", "340802", "--object", f"person:{number}", "--json")
    assert out["allowed"] is False and out["code"] == "not_own_industry"
    assert number not in json.dumps(out, ensure_ascii=False)
    code, human = run_cli(monkeypatch, capsys, url, "authz", "explain", "--user", "wjw", "--action",
                          "number.allocate", "--tenant", "340800")
    assert code == 0 and "拒绝" in human and "p, city_admin, *, number.allocate" in human
    code, out = run_cli(monkeypatch, capsys, url, "tokens", "issue", "wjw", "--days", "7", "--json")
    assert code == 0 and out["token"].startswith("cep_")
    assert run_cli(monkeypatch, capsys, url, "tokens", "revoke", out["prefix"], "--json")[0] == 0
    assert run_cli(monkeypatch, capsys, url, "users", "disable", "wjw", "--json")[0] == 0
    code, out = run_cli(monkeypatch, capsys, url, "authz", "explain", "--user", "wjw", "--action",
                        "batch.first_review", "--tenant", "340802", "--json")
    assert out["allowed"] is False and out["code"] == "no_role"
    code, out = run_cli(monkeypatch, capsys, url, "users", "add", "bad", "--role", "city_admin",
                        "--tenant", "340822", "--no-password", "--json")
    assert code == 2 and out["error"]["code"] == "role_needs_city_tenant"
    code, out = run_cli(monkeypatch, capsys, url, "audit", "verify", "--json")
    # tenant sync, topic sync, policy sync, add, issue, revoke, disable
    assert code == 0 and out["ok"] and out["checked"] == 7
    with city.read() as s:
        assert s.scalar(select(ApiToken.revoked_at)) is not None
