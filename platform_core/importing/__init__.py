"""Importing existing records from bureau spreadsheets (.xlsx, .csv): persons, hours, passes."""

from platform_core.importing.hours import import_hours
from platform_core.importing.persons import import_persons
from platform_core.importing.public_passes import import_public_passes
from platform_core.importing.report import ImportOptions, ImportReport

__all__ = ["ImportOptions", "ImportReport", "import_hours", "import_persons", "import_public_passes"]
