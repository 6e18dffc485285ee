"""Who is acting. Every service that reads or changes state takes an `Actor` explicitly;
there is no "current user" anywhere in the process."""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM_ROLE = "system"


def subject_of(username: str) -> str:
    """The Casbin subject of a user (prefixed so a username can never collide with a role)."""
    return f"user:{username}"


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str
    tenant_code: str
    org_id: int | None = None
    org_kind: str | None = None
    # For industry reviewers: the title series their department governs (e.g. ("卫生",)).
    series: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        return subject_of(self.username)

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE

    @property
    def label(self) -> str:
        """How stamps name the actor."""
        return self.username if not self.is_system else f"system:{self.username}"

    @classmethod
    def system(cls, name: str = "cli", tenant_code: str = "340800") -> Actor:
        """The operator at the shell or a maintenance job: not a platform user, allowed
        everything, still named in every stamp it causes. Never built from a request."""
        return cls(user_id=None, username=name, role=SYSTEM_ROLE, tenant_code=tenant_code)
