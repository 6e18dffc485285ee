"""Mainland China mobile numbers (手机号码).

We check the loose, future-proof pattern ``^1[3-9]\\d{9}$`` after normalisation, never a list of
operator segments: new segments (162, 165, 19x …) keep appearing and allow-lists go stale
(shared/reference/mobile_and_misc.md §1).
"""

from __future__ import annotations

import re

from platform_core.errors import Issue

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_FULLWIDTH = {ord("０") + i: ord("0") + i for i in range(10)} | {ord("＋"): ord("+"), ord("－"): ord("-")}
_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalise_mobile(raw: object) -> str:
    """Digits only: full-width folded, spaces/hyphens dropped, a +86/0086/86 prefix removed."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a spreadsheet cell typed as a number
    text = _SEPARATORS.sub("", str(raw or "").translate(_FULLWIDTH))
    for prefix in ("+86", "0086", "86"):
        # Only a prefix when what follows is a whole mobile number: 86 alone could be digits.
        if text.startswith(prefix) and len(text) - len(prefix) == 11:
            return text[len(prefix):]
    return text


def is_mobile(raw: object) -> bool:
    return MOBILE_RE.fullmatch(normalise_mobile(raw)) is not None


def parse_mobile(raw: object, *, field: str = "手机号码", row: int | None = None) -> str | Issue:
    """The normalised 11-digit number, or a `bad_mobile` Issue."""
    value = normalise_mobile(raw)
    if MOBILE_RE.fullmatch(value):
        return value
    return Issue("bad_mobile", "手机号码应为11位，以1开头、第二位为3至9", field=field, row=row,
                 value=str(raw))
