"""Explicit providers for the Python classes: a second tenant (or account) of a vendor in the same stack.

Pulumi gives every dynamic resource the package ``pulumi-python``, whatever vendor it talks to, and the SDK drops an
explicit provider of another package without a word (``Resource._get_providers``): a
``pulumi.ProviderResource("thrive", ...)`` passed to ``thrive.Structure`` was ignored, and the structure went to the
default tenant. So a tenant for the Python classes is a provider of the package the engine really serves them with:
``<vendor>.Provider(...)`` registers ``pulumi:providers:pulumi-python`` with the vendor's settings as its inputs
(``thrive:tenantId``, ``thrive:apiSecret``, ...; secrets marked secret, so the state holds them encrypted). The
engine runs one dynamic-provider process per such provider and hands it exactly those inputs in ``Configure`` —
the same keys the default provider reads from the stack config — with Pulumi's own launcher
(``python -m pulumi.dynamic``) as with any other. Nothing of ours is patched into the SDK for it.

:func:`resolve` runs in every Resource constructor of ours, before the SDK sees the options: a provider that can't
serve the resource (the plugin's ``pulumi:providers:thrive``, another vendor's ``Provider``, any other
``pulumi-python`` provider, whose settings we can't see) is refused at once, naming the resource and the way that
works, instead of being ignored. A resource's own vendor's ``Provider`` given in ``providers=[...]`` (where the SDK
would keep only one ``pulumi-python`` entry of several) is picked for it by vendor.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypedDict

import pulumi

from .util import camel
from .vendors import DYNAMIC_PACKAGE


class CommonSettings(TypedDict, total=False):
    """Settings every vendor's ``Provider`` takes (providers/_core/config.py: client_settings and
    skip_credentials_validation), as ``**settings`` keyword arguments."""

    requests_per_minute: pulumi.Input[float]
    connect_timeout: pulumi.Input[float]
    read_timeout: pulumi.Input[float]
    retry_deadline: pulumi.Input[float]
    skip_credentials_validation: pulumi.Input[bool]


class TenantProvider(pulumi.ProviderResource):
    """Base of ``<vendor>.Provider``: one vendor's settings for the resources given it as ``provider=``.

    A subclass sets ``vendor`` and ``secret_settings`` and lists the settings as keyword arguments.
    """

    vendor: ClassVar[str]
    secret_settings: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, resource_name: str, settings: Mapping[str, Any],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        known = self.setting_keys()
        unknown = [name for name in settings if name not in known]
        if unknown:
            import difflib

            hints = [f"{name!r}" + (f" (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(
                name, list(known), n=1)) else "") for name in unknown]
            raise pulumi.RunError(f"{self.vendor}.Provider {resource_name!r}: unknown setting "
                                  f"{', '.join(hints)}; it takes {', '.join(known)}")
        props: dict[str, Any] = {}
        for name, value in settings.items():
            if value is None:
                continue
            props[f"{self.vendor}:{camel(name)}"] = (pulumi.Output.secret(value) if name in self.secret_settings
                                                       else value)
        super().__init__(DYNAMIC_PACKAGE, resource_name, props, opts)
        self.tenant_name = resource_name

    @classmethod
    def setting_keys(cls) -> dict[str, str]:
        """Keyword argument -> config key (``tenant_id`` -> ``thrive:tenantId``), for tests and docs."""
        import inspect

        params = inspect.signature(cls.__init__).parameters
        names = [name for name, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "opts"]
        return {name: f"{cls.vendor}:{camel(name)}" for name in [*names, *CommonSettings.__annotations__]}


def _describe(provider: pulumi.ProviderResource) -> str:
    if isinstance(provider, TenantProvider):
        return f"{provider.vendor}.Provider {provider.tenant_name!r}"
    name = getattr(provider, "_name", None)
    return f"a pulumi:providers:{provider.package} provider" + (f" {name!r}" if name else "")


def _refusal(label: str, resource_name: str, provider: pulumi.ProviderResource, how: str) -> pulumi.RunError:
    vendor, _, kind = label.partition(":")
    found = _describe(provider)
    if isinstance(provider, TenantProvider):
        why = f"it holds {provider.vendor} settings, and this is a {vendor} resource"
    elif provider.package == vendor:
        why = (f"that is the provider of the {vendor} plugin's resources ({vendor}:index:{kind}); the Python class "
               f"{vendor}.{kind} is served as a dynamic resource and would ignore it")
    else:
        why = f"the Python class {vendor}.{kind} can use only a {vendor}.Provider(...), whose settings it can check"
    return pulumi.RunError(f"{label} {resource_name!r}: {how} {found}, which can't serve it: {why}. Declare "
                           f"`{vendor}.Provider(\"<name>\", ...)` with that tenant's settings and pass it as "
                           f"`opts=pulumi.ResourceOptions(provider=...)` (docs: 'Several tenants in one stack').")


def _listed(providers: Any) -> Iterable[pulumi.ProviderResource]:
    if isinstance(providers, Mapping):
        return list(providers.values())
    return list(providers or ())


def resolve(label: str, resource_name: str, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions | None:
    """The options our resource ``label`` (``"thrive:Structure"``) registers with: its tenant settled or refused.

    The provider that serves the resource is, as in Pulumi: ``provider=``, else one in ``providers=``, else one its
    parent passes down; for our classes only a ``TenantProvider`` of the same vendor qualifies. Raises
    ``pulumi.RunError`` (one line at preview, no traceback) for one that can't serve it.
    """
    if opts is None:
        return None
    vendor = label.partition(":")[0]

    def fits(p: Any) -> bool:
        return isinstance(p, TenantProvider) and p.vendor == vendor

    def ours_to_judge(p: Any) -> bool:
        return isinstance(p, pulumi.ProviderResource) and p.package in (DYNAMIC_PACKAGE, vendor)

    explicit = opts.provider
    if explicit is not None:
        if fits(explicit):
            return opts
        if ours_to_judge(explicit):
            raise _refusal(label, resource_name, explicit, "`provider=` is")
    listed = _listed(opts.providers)
    chosen = [p for p in listed if fits(p)]
    if len(chosen) > 1:
        names = ", ".join(_describe(p) for p in chosen)
        raise pulumi.RunError(f"{label} {resource_name!r}: `providers=` lists several {vendor} providers ({names}); "
                              f"pass the one for this resource as `provider=`")
    if chosen:
        # A copy (programs share one options object between resources), with the tenant as `provider=` and no other
        # `pulumi-python` entry left in `providers=`: the SDK keys that list by package and would warn of a conflict.
        # Our resources have no children, whom the list is for.
        settled = copy.copy(opts)
        settled.provider = chosen[0]
        settled.providers = [p for p in listed if p.package != DYNAMIC_PACKAGE]
        return settled
    for p in listed:
        if ours_to_judge(p):
            raise _refusal(label, resource_name, p, "`providers=` holds")
    parent = opts.parent
    if parent is not None and explicit is None:
        inherited = getattr(parent, "_providers", None) or {}
        for key in (DYNAMIC_PACKAGE, vendor):
            handed = inherited.get(key)
            if handed is not None and not fits(handed):
                raise _refusal(label, resource_name, handed, "its parent passes down")
    return opts
