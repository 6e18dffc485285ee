"""Persons: lookups and changes. The only place person rows are written."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_core.errors import NotFound, ValidationFailed
from platform_core.models import Person
from platform_core.validation import idnumber


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
