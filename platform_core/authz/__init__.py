"""Authorization: Casbin RBAC with tenant domains, object checks, scoped sessions.

Services take an explicit `Actor` and call `authorize(enforcer, actor, action, tenant_code,
obj)`; lists run in a session scoped with `scoped(session, enforcer, actor)`.
"""

from platform_core.authz.actions import ACTIONS, ROLES, Action, Role
from platform_core.authz.actors import Actor, subject_of
from platform_core.authz.enforcer import PlatformEnforcer
from platform_core.authz.scoping import scoped, scoped_session
from platform_core.authz.service import ObjectRef, authorize, is_allowed, mask_for, read_full_id

__all__ = [
    "ACTIONS",
    "ROLES",
    "Action",
    "Actor",
    "ObjectRef",
    "PlatformEnforcer",
    "Role",
    "authorize",
    "is_allowed",
    "mask_for",
    "read_full_id",
    "scoped",
    "scoped_session",
    "subject_of",
]
