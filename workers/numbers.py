"""Celery tasks for certificate numbers (filled in by its issue)."""
