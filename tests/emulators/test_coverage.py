"""Every vendor route an emulator serves is listed in that emulator's COVERAGE.md.

The router of each aiohttp app is read (not a hand-kept list), so a route added without a COVERAGE row fails here.
COVERAGE names a route as `METHOD /path` in backticks, with or without the vendor base path (`/2.8`, `/rest/v1`,
...), with any placeholder names (`{ag}` or `{accountGroupId}`) and optionally a query or body after it.
Not required: the admin API under `/_emulator/`, HEAD (aiohttp adds it to every GET), and `*` routes (fallbacks
that answer unknown paths and methods in the vendor's error shape).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulators.app import build_app
from emulators.server import VENDORS, load_spec

ROOT = Path(__file__).resolve().parents[2]
LISTED = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)")


def _shape(path: str) -> str:
    """Compare paths by shape: placeholders anonymous, trailing slash optional."""
    return re.sub(r"\{[^}]*\}", "{}", path).rstrip("/") or "/"


def served(vendor: str) -> set[tuple[str, str]]:
    spec = load_spec(vendor)
    app = build_app(spec)
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith("/_emulator/") or route.method in ("HEAD", "*"):
            continue
        routes.add((route.method, _shape(path)))
    return routes


def listed(vendor: str) -> set[tuple[str, str]]:
    base = load_spec(vendor).base_path
    text = (ROOT / "emulators" / vendor / "COVERAGE.md").read_text()
    out = set()
    for method, path in LISTED.findall(text):
        out.add((method, _shape(path)))
        if base and not path.startswith(base + "/"):
            out.add((method, _shape(base + path)))  # listed relative to the vendor base path
    return out


@pytest.mark.parametrize("vendor", VENDORS)
def test_coverage__every_served_route_is_listed(vendor: str) -> None:
    missing = sorted(served(vendor) - listed(vendor))
    assert not missing, (f"emulators/{vendor}/COVERAGE.md does not list these routes as `METHOD /path`: "
                         + ", ".join(f"{m} {p}" for m, p in missing))


def test_coverage__the_router_is_really_read() -> None:
    # Guards the test above against passing vacuously (e.g. if route introspection returned nothing).
    assert ("POST", "/2.8/audiences/remove") in served("batch")
    assert ("GET", "/api/v1/global/agents/get") in served("unleashx")
    assert ("PATCH", "/rest/v1/audiences/{}/members") in served("thrive")
    assert ("POST", "/oauth2/token/{}") in served("thrive")
