"""Reference vocabularies: title series and qualifications, education levels.

Loaded from ``platform_core/data/series.csv`` (sources in shared/reference/title_series.md).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Series:
    key: str  # the short name the bureau uses: 卫生, 工程, 中小学教师 …
    name: str  # full name: 卫生技术人员
    code: str  # two digits, used in certificate numbers (R20)
    code_source: str
    qualifications: tuple[str, ...]
    aliases: tuple[str, ...]


class SeriesCatalogue:
    def __init__(self, series: list[Series]):
        self._by_key = {s.key: s for s in series}
        self._lookup: dict[str, Series] = {}
        for s in series:
            for name in (s.key, s.name, *s.aliases):
                self._lookup[name] = s
                self._lookup[name + "系列"] = s

    def find(self, text: str) -> Series | None:
        """The series named by ``text`` (short name, full name or alias), or None."""
        text = (text or "").strip()
        return self._lookup.get(text) or self._lookup.get(text.removesuffix("系列"))

    def get(self, key: str) -> Series:
        return self._by_key[key]

    def all(self) -> list[Series]:
        return list(self._by_key.values())

    def knows_qualification(self, series_key: str, qualification: str) -> bool:
        return qualification.strip() in self._by_key[series_key].qualifications


@lru_cache(maxsize=1)
def series_catalogue() -> SeriesCatalogue:
    with (DATA_DIR / "series.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return SeriesCatalogue([
        Series(
            key=r["key"], name=r["name"], code=r["code"], code_source=r["code_source"],
            qualifications=tuple(q for q in r["qualifications"].split("|") if q),
            aliases=tuple(a for a in r["aliases"].split("|") if a),
        )
        for r in rows
    ])


# 学历, GB/T 4658-2006 groups, with the synonyms seen in bureau spreadsheets.
EDUCATION_LEVELS: dict[str, str] = {
    "博士研究生": "博士研究生", "博士": "博士研究生",
    "硕士研究生": "硕士研究生", "硕士": "硕士研究生", "研究生": "硕士研究生",
    "大学本科": "大学本科", "本科": "大学本科",
    "大学专科": "大学专科", "大专": "大学专科", "专科": "大学专科", "高职": "大学专科",
    "中专": "中专", "中技": "中专", "技校": "中专", "职高": "中专",
    "高中及以下": "高中及以下", "高中": "高中及以下", "初中": "高中及以下", "小学": "高中及以下",
}


def normalise_education(text: str) -> str | None:
    return EDUCATION_LEVELS.get((text or "").strip())
