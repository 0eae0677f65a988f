"""Docs cannot drift from code: every resource has a page naming each of its inputs; README commands run."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from audience_providers._core.dynamic import DynamicProvider
from audience_providers._core.lifecycle import Lifecycle

ROOT = Path(__file__).resolve().parent.parent
VENDORS = ["batch", "thrive", "sonarly", "unleashx"]


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _providers() -> list[type[Lifecycle[Any, Any]]]:
    found = []
    for vendor in VENDORS:
        try:
            module = importlib.import_module(f"audience_providers.{vendor}.resource")
        except ModuleNotFoundError:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DynamicProvider) and cls.__module__ == module.__name__ and "lifecycle" in vars(cls):
                found.append(cls.lifecycle)
    return found


def test_docs__every_provider_discovered() -> None:
    labels = {p.resource_label for p in _providers()}
    assert {"batch:Audience", "thrive:Structure", "thrive:Audience"} <= labels


@pytest.mark.parametrize("provider", _providers(), ids=lambda p: p.resource_label)
def test_docs__every_input_field_is_documented(provider: type[Lifecycle[Any, Any]]) -> None:
    vendor, name = provider.resource_label.split(":")
    page = ROOT / "docs" / vendor / f"{_kebab(name)}.md"
    assert page.exists(), f"missing docs page {page.relative_to(ROOT)}"
    text = page.read_text()
    missing = [f for f in provider.args_model.model_fields if f"`{f}`" not in text]
    assert not missing, f"{page.relative_to(ROOT)} does not document inputs {missing}"


def test_readme__links_to_every_docs_page() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in sorted((ROOT / "docs").glob("*/*.md")):
        assert str(page.relative_to(ROOT)) in readme, f"README does not link {page.relative_to(ROOT)}"
