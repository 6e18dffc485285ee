"""Slicing work into batches: IN lists and bulk writes stay well below every driver's limits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
IN_LIST = 1000  # ids per `IN (...)`: far below SQLite's and psycopg's parameter limits


def chunked(items: Sequence[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
