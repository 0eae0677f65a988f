"""The credential check at `pulumi preview`: one cheap authenticated read per process and credential.

A revoked or mistyped key used to pass `pulumi preview` (nothing is read for resources the stack already holds)
and fail at `up`. So a lifecycle's first valid check asks the vendor once (the client's ``verify_credentials``),
and the answer, good or bad, is kept on the client (``once``). Like Terraform's AWS provider
(``skip_credentials_validation``), ``<vendor>:skipCredentialsValidation`` turns it off. No Pulumi here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .config import ConfigSource, skip_credentials_validation
from .errors import ApiError, ConfigurationError, CredentialsRejected, Forbidden, NotFound, ProviderError, Unauthorized

if TYPE_CHECKING:
    from .lifecycle import Lifecycle

# Called when a check is about to read its vendor's credential (only there: not for invalid inputs, refresh or
# destroy). The dynamic adapter starts the other configured vendors' reads at that moment (_core/dynamic.py).
READ_HOOKS: list[Callable[[], None]] = []


def verify(lifecycle: Lifecycle[Any, Any]) -> None:
    """Raise what the vendor says of ``lifecycle``'s configured credential (once per process and credential)."""
    skip = getattr(lifecycle, "_skip_credentials", None)
    if skip is None:
        skip = lifecycle._skip_credentials = skip_credentials_validation(ConfigSource(None), lifecycle.vendor_key)
    if skip:
        return
    client = getattr(lifecycle.config, "client", None)
    probe = getattr(client, "verify_credentials", None)
    if client is None or probe is None:
        return
    for hook in READ_HOOKS:
        hook()  # the adapter may start the other configured vendors' reads now, beside this one
    outcome = client.once("credentials accepted",
                          lambda: _outcome(probe, lambda exc: _rejected(lifecycle, exc),
                                           lambda exc: _misplaced(lifecycle, exc)))
    if outcome is not None:
        raise outcome


def _outcome(probe: Callable[[], None], rejected: Callable[[ApiError], ProviderError],
             misplaced: Callable[[NotFound], ProviderError | None]) -> ProviderError | None:
    try:
        probe()
    except Unauthorized as exc:
        return rejected(exc)
    except Forbidden:
        return None  # authenticated: the credential is good, this one read is just not allowed
    except NotFound as exc:
        return misplaced(exc)  # a base URL that is not the API's, or a read this tenant doesn't offer
    except ProviderError as exc:
        return exc  # unreachable, or the vendor failing: `up` would fail the same way
    return None


def _path_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def _misplaced(lifecycle: Lifecycle[Any, Any], exc: NotFound) -> ProviderError | None:
    """The credential read answered 404: a base URL without the API's path (``…/rest/v1``, ``…/2.8``) is the likely
    cause, so say which setting, what it holds and what path it needs; None when the path is right (the 404 then
    means something else, and the writes will say what)."""
    settings = getattr(getattr(lifecycle.config, "client", None), "settings", None)
    documented = getattr(settings, "documented_base_url", None)
    base = getattr(settings, "base_url", None)
    if not documented or not base or _path_of(base).endswith(_path_of(documented)):
        return None
    where = getattr(settings, "base_url_setting", None) or f"{lifecycle.vendor_key}:baseUrl"
    key = where.split(" ", 1)[0]
    parts = urlsplit(base)
    fixed = f"{parts.scheme}://{parts.netloc}{_path_of(base)}{_path_of(documented)}"
    vendor = lifecycle.vendor
    return ConfigurationError(
        f"{vendor} answered HTTP 404 to {exc.operation} (the credential check at preview) under {where} = "
        f"{base!r}: {vendor}'s API lives under a path ending in {_path_of(documented)!r} (documented base "
        f"URL {documented}). Set the full API base, e.g. `pulumi config set {key} {fixed}`. Nothing was changed.")


def _rejected(lifecycle: Lifecycle[Any, Any], exc: ApiError) -> ProviderError:
    vendor, ns = lifecycle.vendor, lifecycle.vendor_key
    return CredentialsRejected(
        f"{vendor} rejected the configured credentials ({lifecycle.credential_settings()}): {exc.vendor_message} "
        f"(HTTP {exc.status} to {exc.operation}). Nothing was changed. Fix those settings (`pulumi config set "
        f"--secret ...`), or, to let `preview` run without asking {vendor}, `pulumi config set "
        f"{ns}:skipCredentialsValidation true`.")
