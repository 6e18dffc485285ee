"""The domain model. Every table hangs off `Base.metadata`; Alembic owns the schema."""

from platform_core.models.base import Base, utcnow
from platform_core.models.jobs import AnnualStatusRow, Job, JobChunk  # noqa: F401
from platform_core.models.learning import HourRecord, PublicSubjectPass, PublicTopic, Training
from platform_core.models.numbering import NumberApplication, NumberApplicationRow, NumberCounter  # noqa: F401
from platform_core.models.people import CECertificate, Person
from platform_core.models.security import ApiToken, AuditStamp, CasbinRule, PolicyVersion, User
from platform_core.models.tenancy import Organisation, OrgKind, Tenant, TenantKind

__all__ = [
    "ApiToken",
    "AuditStamp",
    "Base",
    "CECertificate",
    "CasbinRule",
    "HourRecord",
    "OrgKind",
    "Organisation",
    "Person",
    "PolicyVersion",
    "PublicSubjectPass",
    "PublicTopic",
    "Tenant",
    "TenantKind",
    "Training",
    "User",
    "utcnow",
]
