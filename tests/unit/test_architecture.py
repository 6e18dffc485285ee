"""The design's boundaries, checked on the source: the core never imports plugins or workers,
and plugins use only the public plugin API."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_platform_core_never_imports_plugins_or_workers() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path)
                                            if m.split(".")[0] in {"plugins", "workers"})
        for path in (ROOT / "platform_core").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_plugins_use_only_the_public_plugin_api() -> None:
    offenders = {}
    for path in (ROOT / "plugins").rglob("*.py"):
        core = sorted(m for m in imported_modules(path)
                      if (m.startswith("platform_core") and m != "platform_core.api")
                      or m.split(".")[0] == "workers")
        if core:
            offenders[str(path.relative_to(ROOT))] = core
    assert offenders == {}
