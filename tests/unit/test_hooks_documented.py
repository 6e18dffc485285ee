"""Every hookspec is documented in docs/hooks.md with its exact signature and call style."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest

from platform_core import hookspecs
from tests.conftest import ROOT

DOC = ROOT / "docs" / "hooks.md"
SIGNATURE = re.compile(r"^def (ceplat_\w+)(\(.*\) -> .+)$", re.MULTILINE)
SECTION = re.compile(r"^### `(ceplat_\w+)`\n(.*?)(?=^#{2,3} |\Z)", re.MULTILINE | re.DOTALL)


def _specs() -> dict[str, Callable[..., Any]]:
    marker = f"{hookspecs.PROJECT}_spec"
    return {name: fn for name, fn in vars(hookspecs).items()
            if name.startswith("ceplat_") and callable(fn) and hasattr(fn, marker)}


def _annotation(ann: Any) -> str:
    # hookspecs uses postponed annotations, so these are the source strings; format others too.
    return ann if isinstance(ann, str) else inspect.formatannotation(ann)


def _signature(fn: Callable[..., Any]) -> str:
    sig = inspect.signature(fn)
    params = []
    for p in sig.parameters.values():
        text = p.name if p.annotation is p.empty else f"{p.name}: {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {p.default!r}"
        params.append(text)
    return f"({', '.join(params)}) -> {_annotation(sig.return_annotation)}"


def _documented() -> dict[str, str]:
    return dict(SIGNATURE.findall(DOC.read_text(encoding="utf-8")))


def _sections() -> dict[str, str]:
    return dict(SECTION.findall(DOC.read_text(encoding="utf-8")))


def test_the_hookspec_module_declares_hooks() -> None:
    assert len(_specs()) >= 7


@pytest.mark.parametrize("name", sorted(_specs()))
def test_hook_is_documented_with_its_exact_signature(name: str) -> None:
    documented = _documented()
    assert name in documented, f"{name} is missing from docs/hooks.md"
    assert documented[name] == _signature(_specs()[name]), (
        f"docs/hooks.md has def {name}{documented[name]}; the code has def {name}"
        f"{_signature(_specs()[name])}")


@pytest.mark.parametrize("name", sorted(_specs()))
def test_hook_documentation_says_how_it_is_called(name: str) -> None:
    section = _sections().get(name)
    assert section is not None, f"docs/hooks.md has no '### `{name}`' section"
    firstresult = getattr(_specs()[name], f"{hookspecs.PROJECT}_spec")["firstresult"]
    expected = "firstresult" if firstresult else "collected"
    assert f"**Call:** {expected}" in section
    assert "**Since:**" in section
    assert "None" in section  # what a None answer (or no implementation) means


def test_docs_do_not_describe_hooks_that_do_not_exist() -> None:
    assert set(_documented()) <= set(_specs())
    assert set(_sections()) <= set(_specs())


def test_signature_check_would_catch_a_changed_signature() -> None:
    def ceplat_resolve_public_requirement(series: str, tenant: object) -> object:  # pragma: no cover
        ...

    assert _documented()["ceplat_resolve_public_requirement"] != _signature(
        ceplat_resolve_public_requirement)
