"""ce-platform core: domain model, services, authorization, hookspecs, web app and CLI."""

__version__ = "0.1.0"
