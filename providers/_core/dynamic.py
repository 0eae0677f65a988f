"""The Pulumi dynamic-provider adapter: a :class:`~._core.lifecycle.Lifecycle` served as ``pulumi.dynamic``.

A vendor declares, in its ``resource.py``, one :class:`DynamicProvider` subclass per lifecycle (``lifecycle =
StructureLifecycle``) and one Resource class. This module is everything Pulumi-specific about that: the provider
object the engine pickles into each resource's state (as a stable key, see ``_core/registry.py``), the SDK's
value types in and out (unknown values at preview become :data:`~._core.lifecycle.UNKNOWN`), the engine's
configuration, short errors, and progress lines delivered to the engine. Nothing here is vendor-specific.
"""

from __future__ import annotations

import base64
import importlib
import os
import pickle
import pickletools
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime import settings

from . import program_gc, program_wait, progress, registry, source_positions
from .util import wrap_once

if TYPE_CHECKING:
    from .lifecycle import Lifecycle

# What the program process needs of this module is the provider's pickled reference, the Resource mixin and
# placeholders: pulumi, and nothing of ours that pulls in pydantic or httpx. The lifecycle (and with it the
# models, the client and the HTTP stack) is imported when a provider first serves a call, which happens only in
# the provider process (issue #20: the fixed cost of every `pulumi` command starts with these imports).
PROVIDER_KEY = "__provider"  # the SDK's key; lifecycle.PROVIDER_KEY is the same string (tests/unit check it)

__all__ = ["PROVIDER_KEY", "DynamicProvider", "LifecycleRef", "ReadableResource", "output_names", "placeholders",
           "provider_for_type"]

_COMPACT_MARK = "_audience_compact_reference"


def compact_reference(provider: DynamicProvider) -> str:
    """``__provider`` as recorded in state: the pickled call ``audience_provider_ref.provider("<key>")``.

    The same call the SDK's `serialize_provider` pickles (``__reduce__``), encoded at pickle protocol 0 without
    memo opcodes: 72 base64 characters instead of the SDK's 96 (protocol 4 frames it, and memoizes each name).
    The state holds it twice per resource (inputs and outputs), and every checkpoint rewrites it. Any pickle
    protocol loads the same way (`dill.loads` in the SDK's provider process), so states written before read
    as they did; the next `up` records the short form among the inputs with no diff (a "same" step keeps the
    outputs until the resource next changes).
    """
    return base64.b64encode(pickletools.optimize(pickle.dumps(provider, protocol=0))).decode("ascii")


def _install_compact_reference() -> None:
    """Have the SDK's `Resource` record our providers with :func:`compact_reference` (idempotent); any other
    dynamic provider keeps the SDK's own serialization."""
    from pulumi.dynamic import dynamic as sdk_dynamic

    def make(current: Callable[[Any], str]) -> Callable[[Any], str]:
        def serialize_provider(provider: Any) -> str:
            return compact_reference(provider) if isinstance(provider, DynamicProvider) else current(provider)

        return serialize_provider

    # Resource.__init__ looks the name up in its module when it runs.
    wrap_once(sdk_dynamic, "serialize_provider", _COMPACT_MARK, make)

_logging_ready = threading.Lock()
_logging_done = False


def _engine_sink(level: progress.Level, text: str, *, ephemeral: bool) -> bool:
    """progress lines through the SDK's log calls, which our launcher attributes to the resource being served."""
    if settings.get_engine() is None:
        return False
    if level == "warning":
        pulumi.log.warn(text)
    else:
        pulumi.log.info(text, ephemeral=ephemeral)
    return True


progress.install(_engine_sink)

_provider_side_ready = False


def _ready_to_serve() -> None:
    """Once per process, before the first call is served: what only the provider process needs."""
    global _provider_side_ready
    if _provider_side_ready:
        return
    from pulumi.output import Unknown

    from .lifecycle import register_unknown_type

    register_unknown_type(Unknown)  # how the SDK hands us values not known at preview
    _provider_side_ready = True


def _short_provider_errors() -> None:
    """Our errors reach the user as their message, not as a Python traceback.

    The SDK's dynamic-provider server (3.272) answers every failed call with ``traceback.format_exc()``, so the
    user read 30-100 lines of frames (the servicer, tenacity, httpx) before the one line that says what happened.
    A :class:`ProviderError` already names the vendor, the operation, the status, the vendor's message and what
    to do, so for those the message is the answer; any other exception keeps its traceback, and
    ``AUDIENCE_PROVIDERS_LOG=debug`` brings ours back too. Installed only in the provider process (configure()).
    """
    from .errors import ProviderError

    original = traceback.format_exc

    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        exc = sys.exc_info()[1]
        if isinstance(exc, ProviderError) and os.environ.get("AUDIENCE_PROVIDERS_LOG", "").lower() != "debug":
            return str(exc)
        return original(limit, chain)

    traceback.format_exc = format_exc


def _setup_logging() -> None:
    """Send our request logs to stderr (the engine's plugin log) when AUDIENCE_PROVIDERS_LOG is set."""
    global _logging_done
    with _logging_ready:
        if _logging_done:
            return
        _logging_done = True
        _short_provider_errors()
        # Inside a resource's call a line goes to the engine, listed under that resource.
        progress.log_requests_if_asked()


def _check_result(checked: Any, news: Mapping[str, Any]) -> CheckResult:
    inputs = dict(checked.inputs)
    inputs[PROVIDER_KEY] = news.get(PROVIDER_KEY)
    return CheckResult(inputs, [CheckFailure(f.property, f.reason) for f in checked.failures])


def _diff_result(diffed: Any) -> DiffResult:
    result = DiffResult(changes=diffed.changes, replaces=diffed.replaces, stables=diffed.stables,
                        delete_before_replace=diffed.delete_before_replace)
    # Read by tools/python-runtime/pulumi-dynamic-wide-server.py (the SDK's DiffResult has no such field).
    result.detailed_diff = diffed.detailed_diff  # type: ignore[attr-defined]
    return result


def _reference(label: str) -> tuple[Callable[[str], Any], tuple[str]]:
    # Pickled as the call audience_provider_ref.provider("<vendor>:<Resource>"): a stable key instead of the
    # module path, so states survive moved modules and a renamed package (see _core/registry.py). Nothing
    # of the instance goes in: configuration and clients are rebuilt in the provider process.
    import audience_provider_ref

    return audience_provider_ref.provider, (label,)


class LifecycleRef:
    """A provider class's lifecycle, named rather than imported: ``LifecycleRef("thrive:Structure", ".structure",
    "StructureLifecycle")``.

    The label is the provider's registry key and is known at once; the class (relative module, from the vendor
    package that declares the provider) is imported on first access, in the provider process.
    """

    def __init__(self, label: str, module: str, name: str) -> None:
        self.label, self.module, self.name = label, module, name
        self._package = ""
        self._resolved: type[Lifecycle[Any, Any]] | None = None

    def __set_name__(self, owner: type, attr: str) -> None:
        self._package = owner.__module__.rpartition(".")[0]

    def __get__(self, obj: object, owner: type | None = None) -> type[Lifecycle[Any, Any]]:
        resolved = self._resolved
        if resolved is None:
            resolved = getattr(importlib.import_module(self.module, self._package), self.name)
            if resolved.resource_label != self.label:
                raise TypeError(f"{self.module}.{self.name} serves {resolved.resource_label!r}, "
                                f"not {self.label!r} as its provider class says")
            self._resolved = resolved
        return resolved



class DynamicProvider(ResourceProvider):
    """A lifecycle served as a ``pulumi.dynamic`` provider. Holds nothing when pickled (see ``__reduce__``).

    A subclass names its lifecycle with a :class:`LifecycleRef`; it registers under that reference's label.
    """

    lifecycle: ClassVar[LifecycleRef]
    # The provider object is pickled into every resource's state: it holds no secret, so don't encrypt it.
    serialize_as_secret_always = False

    # The lifecycle's label, on the class too (tests and tools read it from the class).
    resource_label: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ref = vars(cls).get("lifecycle")
        if isinstance(ref, LifecycleRef):
            cls.resource_label = ref.label
            registry.register(ref.label, cls)

    def __init__(self, impl: Lifecycle[Any, Any] | None = None) -> None:
        """``impl`` given (tests): serve that lifecycle, configured as it is."""
        if impl is not None:  # else nothing is set, so a provider loaded from state holds nothing (`__dict__ == {}`)
            _ready_to_serve()
            self._impl = impl

    @property
    def impl(self) -> Lifecycle[Any, Any]:
        impl = getattr(self, "_impl", None)  # states pickled by class never ran __init__
        if impl is None:
            _ready_to_serve()
            impl = self._impl = self.lifecycle()
        return impl

    def __reduce__(self) -> tuple[Callable[[str], Any], tuple[str]]:
        return _reference(self.resource_label)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # States written before the registry pickled the class by module path with an empty state; they still
        # load (tests/unit/test_provider_registry.py).
        self.__dict__.update(state)

    def configure(self, req: ConfigureRequest) -> None:
        from .config import ConfigSource

        _setup_logging()
        self.impl.configure(ConfigSource(req.config.get))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return _check_result(self.impl.check(_olds, news), news)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff_result(self.impl.diff(_id, olds, news))

    def create(self, props: dict[str, Any]) -> CreateResult:
        created = self.impl.create(props)
        return CreateResult(created.id, created.outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        read = self.impl.read(id_, props)
        return ReadResult(read.id, read.outs, read.inputs)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self.impl.update(_id, _olds, _news).outs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        self.impl.delete(_id, _props)


_ROOT_PACKAGE = __name__.split(".")[0]
_outputs_of: dict[type, tuple[str, ...]] = {}


def output_names(resource_class: type) -> tuple[str, ...]:
    """The outputs a Resource class of this package declares: its annotations (``name: pulumi.Output[str]``).

    They are written out for type checkers anyway, and reading them costs no import; tests/unit/
    test_pulumi_idioms.py keeps them equal to the fields of each lifecycle's State model, which the provider
    returns.
    """
    names = _outputs_of.get(resource_class)
    if names is None:
        names = tuple(dict.fromkeys(
            name for klass in reversed(resource_class.__mro__) for name in vars(klass).get("__annotations__", {})
            if klass.__module__.startswith(_ROOT_PACKAGE) and name != "provider_class"))
        _outputs_of[resource_class] = names
    return names


def placeholders(resource_class: type, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A Resource's properties: the declared ``inputs``, and None for every other output of ``resource_class``.

    The engine only resolves the outputs it was given a key for, so each output the provider returns must be
    named at registration.
    """
    return {**dict.fromkeys(output_names(resource_class)), **inputs}


RT = TypeVar("RT", bound="ReadableResource")


class ReadableResource:
    """Mixin giving our dynamic resources Pulumi's ``get`` and making ``import_=`` find their provider.

    A class sets ``provider_class``; ``provider_for_type`` (the ``pulumi.dynamic_providers`` entry point, used by
    tools/python-runtime/pulumi-dynamic-wide-server.py) maps the engine's type token back to the provider, because
    an import's Read carries no serialized provider.
    """

    provider_class: ClassVar[type[ResourceProvider]]

    @classmethod
    def get(cls: type[RT], resource_name: str, id: pulumi.Input[str],
            opts: pulumi.ResourceOptions | None = None) -> RT:
        """Look up an existing vendor object by its id, read-only: the stack never changes or deletes it."""
        resource = cls.__new__(cls)
        Resource.__init__(resource, cls.provider_class(), resource_name, placeholders(cls, {}),  # type: ignore[arg-type]
                          pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))
        return resource


DYNAMIC_TYPE_PREFIX = "pulumi-python:dynamic/"


def provider_for_type(type_token: str) -> ResourceProvider | None:
    """The provider of our resource type ``type_token`` (e.g. ``pulumi-python:dynamic/batch:Audience``), or None.

    A resource's type token is ``pulumi-python:dynamic/<resource_label>``, and the registry knows every provider
    by its label (importing just that vendor).
    """
    if not type_token.startswith(DYNAMIC_TYPE_PREFIX):
        return None
    try:
        cls = registry.provider_class(type_token[len(DYNAMIC_TYPE_PREFIX):])
    except registry.UnknownProvider:
        return None
    provider: ResourceProvider = cls()
    return provider


# Every vendor's resource module imports this one, so resources declared through the package get trimmed traces,
# the program's end-of-run wait skips the SDK's quadratic loop over pending outputs (see program_wait), the
# collector stops rescanning what the program loaded at start (see program_gc), and the provider reference in
# state is the short pickle (compact_reference).
source_positions.install()
program_wait.install()
program_gc.install()
_install_compact_reference()
