"""A person's profile as staff see it: details, certificate, first-review authority (R15)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from platform_core.models import CECertificate, HourRecord, Organisation, Person, Tenant
from platform_core.plugins import PluginHost
from platform_core.review import authority_for


def person_view(session: Session, host: PluginHost, person: Person, city_code: str) -> dict[str, Any]:
    tenant = session.get_one(Tenant, person.tenant_id)
    employer = session.get(Organisation, person.employer_id) if person.employer_id else None
    number = session.scalar(select(CECertificate.number).where(CECertificate.person_id == person.id))
    authority = authority_for(session, host, person, city_code)
    by_year = dict(session.execute(
        select(HourRecord.year, func.count()).where(HourRecord.person_id == person.id)
        .group_by(HourRecord.year).order_by(HourRecord.year)).all())
    return {
        "id_number": person.id_number, "name": person.name, "gender": person.gender,
        "birth_date": person.birth_date, "tenant": tenant.code, "tenant_name": tenant.display_name,
        "series": person.series, "qualification": person.qualification,
        "qualification_date": person.qualification_date, "education": person.education,
        "major": person.major, "mobile": person.mobile,
        "employer": employer.name if employer else None, "certificate_number": number,
        "first_review": {"kind": authority.kind, "tenant": authority.tenant_code,
                         "org_code": authority.org_code, "name": authority.name,
                         "decided_by": authority.decided_by},
        "records_by_year": {str(y): n for y, n in by_year.items()},
    }
