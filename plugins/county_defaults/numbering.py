"""R20 policy choice: {city code}{series code:2}{year:4}{sequence:06}."""

from __future__ import annotations

from platform_core.api import hookimpl

DEFAULT_FORMAT = "{city}{series_code}{year:04d}{seq:06d}"


@hookimpl(trylast=True)
def ceplat_resolve_certificate_number_format(series: str, year: int) -> str:
    return DEFAULT_FORMAT
