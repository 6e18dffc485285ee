"""User accounts and API tokens: add, list, disable, issue, revoke, authenticate → Actor.

Passwords are argon2id hashes; tokens are stored as SHA-256 of the whole token with a short
public prefix for lookup. A user's role link (`g, user:<name>, <role>, <domain>`) is written
to the policy in the same transaction as the account, and every change is stamped.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_core import audit
from platform_core.authz import adapter
from platform_core.authz.actions import ROLES, Action, Role
from platform_core.authz.actors import Actor, subject_of
from platform_core.authz.enforcer import PlatformEnforcer, domain_for
from platform_core.authz.service import authorize
from platform_core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from platform_core.models import ApiToken, Organisation, OrgKind, Tenant, TenantKind, User, utcnow

TOKEN_SCHEME = "cep"
CITY_WIDE_ROLES = frozenset({Role.CITY_ADMIN, Role.CITY_VERIFIER, Role.AUDITOR, Role.INDUSTRY_REVIEWER})
# Which organisation kind a role's account must belong to (None: the tenant's bureau or none).
ROLE_ORG_KIND: dict[str, str | None] = {
    Role.CITY_ADMIN: None, Role.CITY_VERIFIER: None, Role.AUDITOR: None,
    Role.COUNTY_REVIEWER: None,
    Role.INDUSTRY_REVIEWER: OrgKind.INDUSTRY_DEPARTMENT,
    Role.BASE_OPERATOR: OrgKind.TRAINING_BASE,
    Role.EMPLOYER_HR: OrgKind.EMPLOYER,
}


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def role_domains(role: str, tenant_kind: str, tenant_code: str) -> list[str]:
    """Where a new account holds its role: city-wide roles everywhere (the policy lines then
    say how far each action reaches, e.g. industry reviewers never in counties), every other
    role only in its own tenant."""
    return ["*"] if role in CITY_WIDE_ROLES else [domain_for(tenant_kind, tenant_code)]


def _check_assignment(role: str, tenant: Tenant, org: Organisation | None) -> None:
    if role not in ROLES:
        raise ValidationFailed(f"未知的角色 {role}（可用：{', '.join(ROLES)}）", code="unknown_role")
    if role in CITY_WIDE_ROLES and tenant.kind != TenantKind.CITY:
        raise ValidationFailed(f"角色 {role} 只能属于市级租户", code="role_needs_city_tenant")
    if role == Role.COUNTY_REVIEWER and tenant.kind != TenantKind.COUNTY:
        raise ValidationFailed("县（市）初审人员必须属于县（市）租户", code="role_needs_county_tenant")
    need = ROLE_ORG_KIND.get(role)
    if need is not None and (org is None or org.kind != need):
        raise ValidationFailed(f"角色 {role} 必须绑定一个 {need} 类型的单位（--org）", code="role_needs_org")
    if org is not None and org.tenant_id != tenant.id:
        raise ValidationFailed("单位不属于该租户", code="org_tenant_mismatch")


def _tenant(session: Session, code: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.code == code))
    if tenant is None:
        raise NotFound(f"找不到租户「{code}」", code="tenant_not_found")
    return tenant


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"找不到用户「{username}」", code="user_not_found")
    return user


def add_user(session: Session, enforcer: PlatformEnforcer | None, actor: Actor, *, username: str,
             role: str, tenant_code: str, org_code: str | None = None, display_name: str = "",
             password: str | None = None, comment: str = "") -> User:
    username = username.strip()
    if not username or len(username) > 64 or ":" in username:
        raise ValidationFailed("用户名不能为空、不超过64个字符、不含冒号", code="bad_username")
    authorize(enforcer, actor, Action.USER_MANAGE, tenant_code)
    tenant = _tenant(session, tenant_code)
    org = None
    if org_code:
        org = session.scalar(select(Organisation).where(Organisation.code == org_code))
        if org is None:
            raise NotFound(f"找不到单位「{org_code}」", code="org_not_found")
    _check_assignment(role, tenant, org)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名「{username}」已存在", code="username_taken")
    user = User(username=username, display_name=display_name or username, role=role, tenant_id=tenant.id,
                org_id=org.id if org else None,
                password_hash=_hasher().hash(password) if password else None)
    session.add(user)
    session.flush()
    domains = role_domains(role, tenant.kind, tenant.code)
    adapter.add_rules(session, [("g", subject_of(username), role, d) for d in domains])
    audit.stamp(session, actor, "user.add", tenant_code=tenant.code, object_type="user", object_id=username,
                after={"role": role, "tenant": tenant.code, "org": org.code if org else None,
                       "domains": domains, "password": bool(password)}, comment=comment)
    return user


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    role: str
    tenant: str
    org: str | None
    disabled: bool
    created_at: datetime


def list_users(session: Session, tenant_code: str | None = None) -> list[UserView]:
    stmt = (select(User, Tenant.code, Organisation.code)
            .join(Tenant, Tenant.id == User.tenant_id)
            .outerjoin(Organisation, Organisation.id == User.org_id).order_by(User.id))
    if tenant_code:
        stmt = stmt.where(Tenant.code == tenant_code)
    return [UserView(u.username, u.display_name, u.role, t, o, u.disabled, u.created_at)
            for u, t, o in session.execute(stmt)]


def disable_user(session: Session, enforcer: PlatformEnforcer | None, actor: Actor, username: str,
                 comment: str = "") -> User:
    user = _user(session, username)
    tenant = session.get(Tenant, user.tenant_id)
    assert tenant is not None
    authorize(enforcer, actor, Action.USER_MANAGE, tenant.code)
    if user.disabled:
        return user
    user.disabled = True
    user.disabled_at = utcnow()
    adapter.remove_user_links(session, subject_of(username))
    audit.stamp(session, actor, "user.disable", tenant_code=tenant.code, object_type="user",
                object_id=username, before={"disabled": False}, after={"disabled": True}, comment=comment)
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its hash is stored
    prefix: str
    username: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, enforcer: PlatformEnforcer | None, actor: Actor, username: str, *,
                days: int = 90, label: str = "", now: datetime | None = None) -> IssuedToken:
    if not 1 <= days <= 366:
        raise ValidationFailed("令牌有效期应为 1 至 366 天", code="bad_token_days")
    user = _user(session, username)
    tenant = session.get(Tenant, user.tenant_id)
    assert tenant is not None
    authorize(enforcer, actor, Action.USER_MANAGE, tenant.code)
    if user.disabled:
        raise ValidationFailed(f"用户「{username}」已停用", code="user_disabled")
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    expires = (now or utcnow()) + timedelta(days=days)
    session.add(ApiToken(user_id=user.id, prefix=prefix, token_hash=_token_hash(token), label=label,
                         expires_at=expires))
    audit.stamp(session, actor, "token.issue", tenant_code=tenant.code, object_type="api_token",
                object_id=prefix, after={"user": username, "expires_at": expires, "label": label})
    return IssuedToken(token, prefix, username, expires)


def revoke_token(session: Session, enforcer: PlatformEnforcer | None, actor: Actor, prefix: str,
                 comment: str = "") -> ApiToken:
    row = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if row is None:
        raise NotFound(f"找不到令牌「{prefix}」", code="token_not_found")
    user = session.get(User, row.user_id)
    assert user is not None
    tenant = session.get(Tenant, user.tenant_id)
    assert tenant is not None
    authorize(enforcer, actor, Action.USER_MANAGE, tenant.code)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.stamp(session, actor, "token.revoke", tenant_code=tenant.code, object_type="api_token",
                    object_id=prefix, before={"revoked": False}, after={"revoked": True}, comment=comment)
    return row


def actor_for(session: Session, user: User) -> Actor:
    tenant = session.get(Tenant, user.tenant_id)
    assert tenant is not None
    org = session.get(Organisation, user.org_id) if user.org_id else None
    return Actor(user_id=user.id, username=user.username, role=user.role, tenant_code=tenant.code,
                 org_id=org.id if org else None, org_kind=org.kind if org else None,
                 series=tuple(org.series or ()) if org else ())


def resolve_actor(session: Session, user: int | str) -> Actor:
    """The actor of an active user, by id or username (a task or CLI acting on their behalf)."""
    column = User.id if isinstance(user, int) else User.username
    row = session.scalar(select(User).where(column == user))
    if row is None or row.disabled:
        raise NotFound(f"找不到用户「{user}」或账户已停用", code="user_not_found")
    return actor_for(session, row)


def _refused() -> PermissionDenied:
    # One message for every failure: an attacker learns nothing about which part was wrong.
    return PermissionDenied("用户名、密码或令牌无效，或账户已停用", code="bad_credentials")


def authenticate_password(session: Session, username: str, password: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    hasher = _hasher()
    if user is None or not user.password_hash:
        # Spend the same time as a real check so absent users cannot be told apart.
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(), password)
        raise _refused()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise _refused() from None
    if user.disabled:
        raise _refused()
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return actor_for(session, user)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_hex(8))


def authenticate_token(session: Session, token: str, now: datetime | None = None) -> Actor:
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_SCHEME:
        raise _refused()
    row = session.scalar(select(ApiToken).where(ApiToken.prefix == parts[1]))
    if row is None or not hmac.compare_digest(row.token_hash, _token_hash(token.strip())):
        raise _refused()
    moment = now or utcnow()
    if row.revoked_at is not None or row.expires_at <= moment:
        raise _refused()
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        raise _refused()
    row.last_used_at = moment
    return actor_for(session, user)
