"""The vendor table is the one list of vendors: the emulators' own list (they never import the package) and every
vendor subpackage agree with it."""

from __future__ import annotations

import importlib

import pytest

from audience_providers._core import vendors
from emulators import server


def test_vendors__the_emulators_serve_exactly_the_packages_vendors() -> None:
    assert tuple(server.VENDORS) == vendors.KEYS


@pytest.mark.parametrize("key", vendors.KEYS)
def test_vendors__each_key_is_a_subpackage(key: str) -> None:
    module = importlib.import_module(f"audience_providers.{key}")
    assert module.Provider.vendor == key


@pytest.mark.parametrize(("resource_type", "label"), [
    ("pulumi-python:dynamic/batch:Audience", "batch:Audience"),
    ("thrive:index:AudienceMembers", "thrive:AudienceMembers"),
    ("pulumi-python:dynamic/other:Thing", None),
    ("aws:index:Bucket", None),
    ("pulumi-python:dynamic:Resource", None),
])
def test_label_of__reads_both_paths_and_nothing_foreign(resource_type: str, label: str | None) -> None:
    assert vendors.label_of(resource_type) == label
