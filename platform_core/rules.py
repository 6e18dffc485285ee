"""Small helpers plugins use to write effective-dated, configurable rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from platform_core.errors import ConfigurationError


class Dated(Protocol):
    # Read-only members, so frozen dataclasses (the usual rule version) satisfy the protocol.
    @property
    def effective_from(self) -> int | None: ...
    @property
    def effective_to(self) -> int | None: ...


T = TypeVar("T", bound=Dated)


def in_force(versions: Sequence[T], year: int) -> T | None:
    """The rule version in force for ``year`` (R3: a year is judged by its own rule)."""
    for version in versions:
        lo = version.effective_from if version.effective_from is not None else -10**6
        hi = version.effective_to if version.effective_to is not None else 10**6
        if lo <= year <= hi:
            return version
    return None


def setting_decimal(settings: Mapping[str, Any], key: str, default: Decimal) -> Decimal:
    """A tenant's override of a plugin number, or ``default``; never a float."""
    if key not in settings:
        return default
    try:
        return Decimal(str(settings[key]))
    except (InvalidOperation, ValueError) as exc:
        raise ConfigurationError(f"插件设置 {key} 不是数字：{settings[key]!r}",
                                 code="bad_plugin_setting") from exc
