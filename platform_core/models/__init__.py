"""The domain model. Every table hangs off `Base.metadata`; Alembic owns the schema."""

from platform_core.models.base import Base, utcnow
from platform_core.models.learning import HourRecord, PublicSubjectPass, PublicTopic, Training
from platform_core.models.people import CECertificate, Person
from platform_core.models.tenancy import Organisation, OrgKind, Tenant, TenantKind

__all__ = [
    "Base",
    "CECertificate",
    "HourRecord",
    "OrgKind",
    "Organisation",
    "Person",
    "PublicSubjectPass",
    "PublicTopic",
    "Tenant",
    "TenantKind",
    "Training",
    "utcnow",
]
