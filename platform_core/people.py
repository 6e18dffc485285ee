"""Persons: lookups and changes. The only place person rows are written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from platform_core.batching import chunked
from platform_core.errors import NotFound, ValidationFailed
from platform_core.models import CECertificate, Organisation, OrgKind, Person, utcnow
from platform_core.validation import idnumber

T = TypeVar("T")


def get_person(session: Session, id_number: str) -> Person:
    """The person with this ID number; ValidationFailed if malformed, NotFound if absent."""
    parsed = idnumber.parse(id_number)
    if not isinstance(parsed, idnumber.IdNumber):
        raise ValidationFailed(parsed.message, code=parsed.code, issues=[parsed])
    person = session.scalar(select(Person).where(Person.id_number == parsed.value))
    if person is None:
        raise NotFound(f"找不到身份证号码为 {idnumber.mask(parsed.value)} 的专业技术人员",
                       code="person_not_found")
    return person


# --- Bulk helpers for imports: chunked IN lookups and executemany writes, never a query per row.

PERSON_FIELDS = ("name", "gender", "birth_date", "education", "major", "series", "qualification",
                 "qualification_date", "mobile", "employer_id")


def persons_by_id_number(session: Session, id_numbers: Iterable[str]) -> dict[str, Row[Any]]:
    """Existing persons' ids, tenants and Attachment 3 fields, keyed by ID number."""
    wanted = sorted(set(id_numbers))
    cols = [Person.id, Person.tenant_id, Person.id_number, *(getattr(Person, f) for f in PERSON_FIELDS)]
    out: dict[str, Row[Any]] = {}
    for chunk in chunked(wanted):
        for row in session.execute(select(*cols).where(Person.id_number.in_(chunk))):
            out[row.id_number] = row
    return out


def insert_persons(session: Session, values: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new persons (dicts of Person columns); returns their ids by ID number."""
    if not values:
        return {}
    session.execute(insert(Person), values)
    loaded = persons_by_id_number(session, [v["id_number"] for v in values])
    return {number: row.id for number, row in loaded.items()}


def update_persons(session: Session, values: list[dict[str, Any]]) -> None:
    """Update persons by primary key; each dict holds ``id`` and the columns to set."""
    now = utcnow()
    for v in values:
        v.setdefault("updated_at", now)
    if values:
        session.execute(update(Person), values)


def upsert_employers(session: Session, tenant_id: int, names: Iterable[str], *,
                     create: bool = True) -> dict[str, int]:
    """Employer organisations of a tenant by name, creating the missing ones when `create`."""
    wanted = sorted(set(names))

    def load() -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunked(wanted):
            found.update(session.execute(
                select(Organisation.name, Organisation.id).where(
                    Organisation.tenant_id == tenant_id, Organisation.kind == OrgKind.EMPLOYER,
                    Organisation.name.in_(chunk))).all())
        return found

    found = load()
    missing = [n for n in wanted if n not in found]
    if create and missing:
        session.execute(insert(Organisation), [
            {"tenant_id": tenant_id, "kind": OrgKind.EMPLOYER.value, "name": n, "series": [],
             "status": "active"} for n in missing])
        found = load()
    return found


def _certificates_by(session: Session, column: Any, values: Iterable[Any], key: str) -> dict[Any, Any]:
    """(id, person_id, number) rows of the certificates whose ``column`` is in ``values``."""
    out: dict[Any, Any] = {}
    for chunk in chunked(sorted(set(values))):
        for row in session.execute(select(CECertificate.id, CECertificate.person_id, CECertificate.number)
                                   .where(column.in_(chunk))):
            out[getattr(row, key)] = row
    return out


def certificates_by_person(session: Session, person_ids: Iterable[int]) -> dict[int, Any]:
    """These persons' certificates, by person id."""
    return _certificates_by(session, CECertificate.person_id, person_ids, "person_id")


def certificates_by_number(session: Session, numbers: Iterable[str]) -> dict[str, Any]:
    """The certificates with these numbers, by number."""
    return _certificates_by(session, CECertificate.number, numbers, "number")


def record_imported_certificates(session: Session, new: list[dict[str, Any]],
                                 numbered: list[dict[str, Any]]) -> None:
    """Certificates a person already held before the platform (R20: they keep their number).

    `new`: dicts with person_id, tenant_id, number, series; `numbered`: existing certificates
    without a number, as dicts with id and number.
    """
    if new:
        session.execute(insert(CECertificate), [{**v, "source": "imported"} for v in new])
    if numbered:
        session.execute(update(CECertificate), [{**v, "source": "imported"} for v in numbered])
