"""HTTP base shared by every vendor client: one pooled httpx.Client per credential, retries, rate limit, logs.

Vendor clients subclass :class:`BaseClient`, set ``vendor`` and implement ``parse_error`` for their error
body; each documented endpoint is one method calling :meth:`BaseClient.call`, each paged list one calling
:meth:`BaseClient.pages` with the vendor's page model (paging.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import httpx

from .. import __version__
from .errors import ApiError, TransportFailure, error_class_for
from .paging import PageT, Paginator
from .ratelimit import AdaptiveLimiter, RateLimiter, adaptive_limiter, shared_limiter
from .redact import RedactingFilter, redact, register_secret
from .retry import RetryPolicy, parse_retry_after, run_with_retries

USER_AGENT = f"pulumi-audience-providers/{__version__} (+httpx/{httpx.__version__})"

log = logging.getLogger("audience_providers.http")
log.addFilter(RedactingFilter())

C = TypeVar("C", bound="BaseClient")
T = TypeVar("T")


@dataclass(frozen=True)
class ClientSettings:
    """Everything a client needs that is not a credential (credentials are passed separately)."""

    base_url: str
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    requests_per_minute: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Where base_url came from, named in "can't connect" errors, e.g. "thrive:baseUrl (THRIVE_BASE_URL)".
    base_url_setting: str | None = None
    # The vendor's documented API base (e.g. "https://public.api.learn.link/rest/v1"): a base_url whose path is not
    # its path (`/rest/v1`) and that answers 404 is named as the mistake it is (lifecycle.verify_credentials).
    documented_base_url: str | None = None
    # Injected in unit tests (httpx.MockTransport); None means a real pooled HTTP transport.
    transport: httpx.BaseTransport | None = field(default=None, compare=False)


def credential_digest(*parts: str | None) -> str:
    """A stable, non-reversible key for caches and limiters; never log or store the parts themselves."""
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


@dataclass
class ErrorDetails:
    message: str
    code: str | None = None
    request_id: str | None = None


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's one TLS context: certificate-verifying, as httpx makes it by default (certifi's CAs, or
    SSL_CERT_FILE / SSL_CERT_DIR when set).

    httpx builds a context per client, and loading the CA bundle is ~25 ms of CPU each time; a provider process
    makes a client per vendor and credential, on the engine's one-at-a-time check path. One shared context (safe
    to share across threads and connections) costs that once.
    """
    return httpx.create_ssl_context()


class BaseClient:
    vendor: ClassVar[str] = "vendor"
    # Settings keys per (class, base_url, credential): one connection pool per credential per process.
    _instances: ClassVar[dict[tuple[type, str, str], BaseClient]] = {}
    _instances_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, settings: ClientSettings, *, secrets: tuple[str | None, ...] = (),
                 identity: tuple[str | None, ...] = ()) -> None:
        for secret in secrets:
            register_secret(secret)
        self.settings = settings
        self.credential_key = credential_digest(*identity, *secrets)
        self.limiter: RateLimiter | None = (
            shared_limiter(self.vendor, self.credential_key, settings.requests_per_minute)
            if settings.requests_per_minute else None
        )
        self.pace: AdaptiveLimiter = adaptive_limiter(self.vendor, self.credential_key)
        self._memo: dict[Hashable, Any] = {}
        self._memo_locks: dict[Hashable, threading.Lock] = {}
        self._memo_lock = threading.Lock()
        self.http = httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            transport=settings.transport,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            verify=tls_context(),
        )

    @classmethod
    def shared(cls: type[C], settings: ClientSettings, **credentials: str) -> C:
        """The process-wide client for these settings and credentials (created on first use)."""
        key = (cls, settings.base_url, credential_digest(*(f"{k}={v}" for k, v in sorted(credentials.items()))))
        make: Any = cls  # vendor clients take their own keyword credentials
        if settings.transport is not None:
            return make(settings, **credentials)  # type: ignore[no-any-return]  # tests: never share mocks
        with cls._instances_lock:
            client = cls._instances.get(key)
            if client is None:
                client = cls._instances[key] = make(settings, **credentials)
            return client  # type: ignore[return-value]

    # -- reads kept for the process --------------------------------------------------------------
    # The engine calls check() one resource at a time, so a lookup per resource puts N round trips in series
    # before the creates. What a command needs to read once (a listing of keys, the users, the agents, whether
    # the credential is accepted) is read on first use and kept here. Clients are one per process and
    # credential (``shared``), so a memo on the client is exactly "once per provider process and credential".
    def once(self, key: Hashable, load: Callable[[], T]) -> T:
        """``load()``'s answer for ``key``, computed on first use (one caller loads; others wait for it)."""
        with self._memo_lock:
            if key in self._memo:
                return self._memo[key]  # type: ignore[no-any-return]
            lock = self._memo_locks.setdefault(key, threading.Lock())
        with lock:
            with self._memo_lock:
                if key in self._memo:
                    return self._memo[key]  # type: ignore[no-any-return]
            value = load()
            with self._memo_lock:
                self._memo[key] = value
            return value

    def remember(self, key: Hashable, value: Any) -> None:
        """Put ``value`` under ``key`` as if ``once`` had loaded it (e.g. an object this process just created)."""
        with self._memo_lock:
            self._memo[key] = value

    def forget(self, key: Hashable | None = None) -> None:
        """Drop one kept read (None: all of them), so the next ``once`` reads again."""
        with self._memo_lock:
            if key is None:
                self._memo.clear()
            else:
                self._memo.pop(key, None)

    @classmethod
    def forget_everywhere(cls) -> None:
        """Drop the kept reads of every shared client (tests: each case starts from a fresh process view)."""
        with cls._instances_lock:
            clients = list(BaseClient._instances.values())
        for client in clients:
            client.forget()

    # -- hooks for vendor clients ------------------------------------------------------------
    def auth_headers(self) -> Mapping[str, str]:
        """Fixed credentials sent on every authenticated request (API keys, Basic)."""
        return {}

    # Credentials that must see the answer (an OAuth token renewed on 401) are an httpx auth flow instead,
    # applied to authenticated requests only; None: auth_headers is all there is.
    auth: httpx.Auth | None = None

    def parse_error(self, response: httpx.Response) -> ErrorDetails:
        return ErrorDetails(message=response.text[:500])

    def classify_error(self, status: int, details: ErrorDetails) -> type[ApiError] | None:
        """Override when a vendor documents error messages but not statuses; None keeps the status mapping."""
        return None

    def error_hint(self, operation: str, status: int, details: ErrorDetails) -> str | None:
        """Vendor-specific advice appended to an error (e.g. which permission is missing)."""
        return None

    # -- the one request path ------------------------------------------------------------------
    def admit(self) -> None:
        """Wait until this credential's rate limit and learnt pace let one more request onto the wire."""
        if self.limiter is not None:
            self.limiter.acquire()
        self.pace.acquire()

    def call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204, 207),
        form: Mapping[str, str] | None = None,
        authenticate: bool = True,
        headers: Mapping[str, str] | None = None,
        setting: str | None = None,
    ) -> httpx.Response:
        """Send one logical request (with retries); return the response or raise an :class:`ApiError`.

        ``setting`` names where an absolute ``path`` came from (e.g. a token URL), for "could not connect" errors.
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
        attempt_box = [0]

        def attempt() -> httpx.Response:
            attempt_box[0] += 1
            self.admit()
            started = time.monotonic()
            try:
                sent = dict(self.auth_headers()) if authenticate else {}
                sent.update(headers or {})  # per-request headers, e.g. an Idempotency-Key
                if json_body is not None:
                    sent["Content-Type"] = "application/json"
                response = self.http.request(
                    method, path, params=params, headers=sent, data=form,
                    content=None if json_body is None else json.dumps(json_body).encode(),
                    auth=self.auth if authenticate else None,
                )
            except httpx.ConnectError as exc:
                self._log(method, path, "connect-error", started, attempt_box[0])
                # Refused connections and unknown hosts are wrong settings far more often than blips: name the
                # URL and the setting; the retry policy gives them only a couple of quick attempts.
                where = path if "://" in path else f"{self.settings.base_url.rstrip('/')}{path}"
                named = setting or self.settings.base_url_setting
                check = f"; check {named}" if named else ""
                raise TransportFailure(self.vendor, operation,
                                       f"could not connect to {where}: {redact(str(exc))}{check}",
                                       maybe_committed=False, unreachable=True) from None
            except httpx.TransportError as exc:
                # Reset or timeout after the request was (maybe) sent: the server may have acted on it.
                self._log(method, path, type(exc).__name__, started, attempt_box[0])
                raise TransportFailure(self.vendor, operation,
                                       f"{type(exc).__name__}: {redact(str(exc)) or 'connection lost'}",
                                       maybe_committed=True) from None
            self._log(method, path, response.status_code, started, attempt_box[0])
            if response.status_code == 429:
                self.pace.throttled()
            else:
                self.pace.succeeded()
            if response.status_code in ok:
                return response
            raise self._error(operation, response)

        def on_retry(n: int, exc: BaseException, sleep: float) -> None:
            log.info("%s %s retry %d after %.2fs: %s", self.vendor, operation, n, sleep, exc)

        return run_with_retries(attempt, idempotent=idempotent, policy=self.settings.retry, on_retry=on_retry,
                                read=method.upper() in ("GET", "HEAD"))

    def _error(self, operation: str, response: httpx.Response) -> ApiError:
        try:
            details = self.parse_error(response)
        except (ValueError, KeyError, TypeError):
            details = ErrorDetails(message=response.text[:500])
        cls = self.classify_error(response.status_code, details) or error_class_for(response.status_code)
        return cls(
            self.vendor, operation, response.status_code, redact(details.message or response.reason_phrase),
            code=details.code, request_id=details.request_id,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            hint=self.error_hint(operation, response.status_code, details),
        )

    def _log(self, method: str, path: str, status: int | str, started: float, attempt: int) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s -> %s in %.1fms (attempt %d)", self.vendor, method, path, status,
                      (time.monotonic() - started) * 1000, attempt)

    # -- paged lists -----------------------------------------------------------------------------
    def pages(self, operation: str, path: str, page: type[PageT], params: Mapping[str, Any] | None = None,
              ) -> Paginator[PageT]:
        """Every page of ``GET path``, as ``page`` models; ``params`` ask for the first (see paging.py)."""
        return Paginator(lambda asked: self.page_of(page, self.call(operation, "GET", path, params=asked or None)),
                         params, what=operation, vendor=self.vendor)

    def page_of(self, page: type[PageT], response: httpx.Response) -> PageT:
        """One list answer as its page model; a vendor with an envelope unwraps it here."""
        return page.model_validate(self.json_of(response))

    @staticmethod
    def json_of(response: httpx.Response) -> Any:
        if not response.content:
            return None
        return response.json()
