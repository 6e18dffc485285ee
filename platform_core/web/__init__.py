"""The HTTP adapter (Litestar). Thin: every handler calls a platform_core service."""
