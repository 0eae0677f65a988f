"""Provider configuration: stack config (namespaced, e.g. ``batch:apiKey``) first, environment second.

Values are read in the provider process at ``configure()`` time and live only in memory there; they are
never put on the pickled provider or in resource outputs.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigurationError
from .http import ClientSettings
from .retry import RetryPolicy
from .util import FALSE_WORDS, TRUE_WORDS


@dataclass(frozen=True)
class Setting:
    key: str  # e.g. "batch:apiKey"
    env: str  # e.g. "BATCH_API_KEY"
    secret: bool = False
    default: str | None = None
    help: str = ""


class ConfigSource:
    """Reads settings from a mapping of namespaced stack config plus the process environment."""

    def __init__(self, stack_config: Mapping[str, Any] | Callable[[str], Any] | None,
                 environ: Mapping[str, str] | None = None) -> None:
        self._stack = stack_config
        self._env = os.environ if environ is None else environ

    def _stack_get(self, key: str) -> Any:
        if self._stack is None:
            return None
        if callable(self._stack):
            return self._stack(key)
        return self._stack.get(key)

    def keys(self) -> list[str] | None:
        """Every key of the stack config, when the source can tell (None: it only answers lookups).

        The dynamic-provider adapter hands over ``pulumi.dynamic.Config.get``: the SDK's Config keeps the whole
        stack config (the default dynamic provider receives all of it) but offers no public way to list it, so its
        mapping is read where the SDK keeps it, and a source that has none answers None.
        """
        stack = self._stack
        if stack is None:
            return []
        if isinstance(stack, Mapping):
            return [str(k) for k in stack]
        held = getattr(getattr(stack, "__self__", None), "_props", None)
        return [str(k) for k in held] if isinstance(held, Mapping) else None

    def get(self, setting: Setting) -> str | None:
        value = self._stack_get(setting.key)
        if value is None or value == "":
            value = self._env.get(setting.env) or None
        if value is None:
            value = setting.default
        return None if value is None else str(value)

    def require(self, setting: Setting) -> str:
        value = self.get(setting)
        if value is None:
            raise missing(setting)
        return value

    def number(self, setting: Setting) -> float | None:
        raw = self.get(setting)
        if raw is None:
            return None
        try:
            return float(raw)
        except ValueError:
            raise ConfigurationError(f"{setting.key} must be a number, got {raw!r}") from None


# `pulumi config set` refuses a plain value that looks random (a URL does) for a key whose name matches this
# (the CLI's own pattern, pkg/cmd/pulumi/config): such settings need --plaintext.
_SECRET_LOOKING_KEY = re.compile("passwd|pass|password|pwd|secret|token", re.IGNORECASE)


def set_flag(setting: Setting) -> str:
    """The `pulumi config set` flag a setting needs: --secret, --plaintext (secret-looking key), or none."""
    if setting.secret:
        return " --secret"
    return " --plaintext" if _SECRET_LOOKING_KEY.search(setting.key.split(":", 1)[-1]) else ""


def missing(*settings: Setting) -> ConfigurationError:
    lines = []
    for s in settings:
        flag = set_flag(s)
        example = "<value>" if s.secret else (s.default or "<value>")
        lines.append(f"  pulumi config set{flag} {s.key} {example}    (or environment variable {s.env})"
                     + (f" - {s.help}" if s.help else ""))
    names = ", ".join(s.key for s in settings)
    return ConfigurationError(f"missing configuration {names}; set it with:\n" + "\n".join(lines))


# Settings every vendor reads besides its own (``client_settings``, ``skip_credentials_validation``).
SHARED_SETTINGS = ("requestsPerMinute", "connectTimeout", "readTimeout", "retryDeadline", "skipCredentialsValidation")
# Keys the engine itself reads in a provider's namespace (`<vendor>:version` pins the default provider's plugin).
ENGINE_KEYS = ("version", "pluginDownloadURL")


def declared_settings(vendor_package: str) -> list[Setting]:
    """The ``Setting``s a vendor declares in its ``config`` module, in declaration order (none when it has none)."""
    try:
        module = importlib.import_module(f"{vendor_package}.config")
    except ModuleNotFoundError:
        return []
    return [v for v in vars(module).values() if isinstance(v, Setting)]


def known_keys(namespace: str, settings: Iterable[Setting]) -> list[str]:
    """Every setting name the ``namespace`` reads (without the namespace): its own, then the shared ones."""
    own = [s.key.split(":", 1)[1] for s in settings if s.key.startswith(namespace + ":")]
    return list(dict.fromkeys([*own, *SHARED_SETTINGS]))


def unknown_settings(source: ConfigSource, namespace: str, known: Iterable[str]) -> ConfigurationError | None:
    """A stack config key in ``namespace`` that no setting reads, named with the closest known key.

    A mistyped key (``sonarly:notReadyTimout``) used to be ignored: its default applied, or the credential it was
    meant to set was reported missing under its right name. As Pulumi's bridged providers do for a default
    provider ("Invalid or unknown key"), it fails; here the message says which key and what was probably meant.
    """
    keys = source.keys()
    if not keys:
        return None
    known = list(known)
    lowered = {k.lower(): k for k in known}
    prefix = namespace + ":"
    problems = []
    for key in keys:
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        if name in known or name in ENGINE_KEYS:
            continue
        close = lowered.get(name.lower()) or next(iter(difflib.get_close_matches(name, known, n=1, cutoff=0.6)),
                                                      None)
        hint = f" (did you mean {prefix}{close}?)" if close else ""
        problems.append(f"{key} is not a setting of this provider{hint}")
    if not problems:
        return None
    listed = ", ".join(prefix + k for k in known)
    return ConfigurationError("; ".join(problems) + f". Nothing was changed. Remove it (`pulumi config rm <key>`) or "
                                                    f"set the right key; {namespace} reads: {listed}.")


def skip_credentials_validation(source: ConfigSource, namespace: str) -> bool:
    """``<vendor>:skipCredentialsValidation`` (env ``<VENDOR>_SKIP_CREDENTIALS_VALIDATION``), default false."""
    setting = Setting(f"{namespace}:skipCredentialsValidation", f"{namespace.upper()}_SKIP_CREDENTIALS_VALIDATION")
    raw = (source.get(setting) or "").strip().lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{setting.key} must be true or false, got {raw!r}")


def client_settings(source: ConfigSource, vendor: str, env_prefix: str, base_url: str,
                    default_rpm: float | None = None, *, documented_base_url: str | None = None) -> ClientSettings:
    """The knobs every vendor shares: timeouts, retry deadline, client-side rate limit."""

    def num(name: str, env: str, default: float | None) -> float | None:
        return source.number(Setting(f"{vendor}:{name}", f"{env_prefix}_{env}",
                                     default=None if default is None else str(default)))

    rpm = num("requestsPerMinute", "REQUESTS_PER_MINUTE", default_rpm)
    return ClientSettings(
        base_url=base_url,
        base_url_setting=f"{vendor}:baseUrl ({env_prefix}_BASE_URL)",
        documented_base_url=documented_base_url,
        connect_timeout=num("connectTimeout", "CONNECT_TIMEOUT", 5.0) or 5.0,
        read_timeout=num("readTimeout", "READ_TIMEOUT", 30.0) or 30.0,
        requests_per_minute=rpm if rpm and rpm > 0 else None,
        retry=RetryPolicy(deadline=num("retryDeadline", "RETRY_DEADLINE", 60.0) or 60.0),
    )
