"""The vendors this package serves, stated once.

Everything that lists the vendors reads this table: the Python classes' tenants (``tenants.py``), the plugins
(``native.py``, ``plugin.py``), recovery and discovery, the code generator. Pulumi-free and import-free, so the
program process can read it at no cost. A new vendor is one row here plus its subpackage
(CONTRIBUTING.md, "Add a vendor").

The emulators keep their own list (``emulators/server.py``): they stand in for the vendors and never import this
package; ``tests/unit/test_vendors.py`` keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Vendor:
    key: str  # the subpackage, the config namespace (``thrive:tenantId``), the plugin (``pulumi-resource-thrive``)
    name: str  # as the vendor writes its own name, in messages ("Batch rejected ...")
    product: str  # the product's full name, in the plugin's schema and docs
    tenant: str  # what one configured provider reaches: a Thrive tenant, a Batch project, ...


VENDORS: tuple[Vendor, ...] = (
    Vendor("thrive", "Thrive", "Thrive Learning", "tenant"),
    Vendor("sonarly", "Sonarly", "Sonarly", "account"),
    Vendor("unleashx", "UnleashX", "UnleashX", "workspace"),
    Vendor("batch", "Batch", "Batch.com", "project"),
)
KEYS: tuple[str, ...] = tuple(v.key for v in VENDORS)
_BY_KEY = {v.key: v for v in VENDORS}


def vendor(key: str) -> Vendor:
    """The vendor whose key is ``key`` (``"thrive"``); KeyError for another."""
    return _BY_KEY[key]


# -- names the engine and our states share ---------------------------------------------------------------------
# The property of a dynamic resource that holds its pickled provider (the SDK's key), in its inputs and outputs.
PROVIDER_KEY = "__provider"
# The package of every Python dynamic resource, so of the providers that serve them; a resource's type token is
# ``pulumi-python:dynamic/<label>`` (``pulumi-python:dynamic/batch:Audience``).
DYNAMIC_PACKAGE = "pulumi-python"
DYNAMIC_TYPE_PREFIX = f"{DYNAMIC_PACKAGE}:dynamic/"


def label_of(resource_type: str) -> str | None:
    """``pulumi-python:dynamic/batch:Audience`` (dynamic) or ``batch:index:Audience`` (plugin) -> ``batch:Audience``;
    None for a type that is not one of ours."""
    if resource_type.startswith(DYNAMIC_TYPE_PREFIX):
        label = resource_type[len(DYNAMIC_TYPE_PREFIX):]
        return label if label.partition(":")[0] in _BY_KEY else None
    package, _, rest = resource_type.partition(":index:")
    return f"{package}:{rest}" if package in _BY_KEY and rest else None
