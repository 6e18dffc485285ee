"""One exception hierarchy with stable English codes and Chinese messages.

Adapters map it once: the CLI to exit codes (`exit_code`), the web app to HTTP statuses
(`http_status`). Codes are part of the public API: never rename one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One problem with one input: which row/field, which rule, in words for people and machines."""

    code: str
    message: str  # Chinese, for users
    field: str | None = None
    row: int | None = None
    value: str | None = None
    rule: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class CeplatError(Exception):
    code = "error"
    exit_code = 2
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, issues: list[Issue] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.issues = list(issues or [])

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.issues:
            out["issues"] = [i.as_dict() for i in self.issues]
        return out


class ValidationFailed(CeplatError):
    code = "validation_failed"
    exit_code = 2
    http_status = 422


class NotFound(CeplatError):
    code = "not_found"
    exit_code = 1
    http_status = 404


class PermissionDenied(CeplatError):
    code = "permission_denied"
    exit_code = 3
    http_status = 403


class Unauthenticated(PermissionDenied):
    code = "unauthenticated"
    http_status = 401


class Conflict(CeplatError):
    code = "conflict"
    exit_code = 2
    http_status = 409


class ConfigurationError(CeplatError):
    code = "configuration_error"
    exit_code = 2
    http_status = 500
