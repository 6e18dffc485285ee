"""Celery workers: the app and thin tasks over platform_core services."""
