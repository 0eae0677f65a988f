"""One error tree for every vendor.

Messages always name the vendor, the operation and the vendor's own words, and never contain a credential:
clients build them only from the response body and the request path, both of which we control.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(ProviderError):
    """A required setting is missing or malformed."""


class CredentialsRejected(ConfigurationError):
    """The vendor answered 401 to the configured credential (checked once per provider process)."""


class InputError(ProviderError):
    """Resource inputs do not satisfy the vendor's documented rules; ``field`` names the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TransportFailure(ProviderError):
    """The request did not get an HTTP answer (connect error, reset, timeout)."""

    def __init__(self, vendor: str, operation: str, detail: str, *, maybe_committed: bool,
                 unreachable: bool = False) -> None:
        self.vendor = vendor
        self.operation = operation
        self.detail = detail
        # False only when the request provably never reached the server (connect failure).
        self.maybe_committed = maybe_committed
        # No connection could be opened at all (refused, unknown host, connect timeout).
        self.unreachable = unreachable
        super().__init__(f"{vendor} {operation}: no response ({detail})")


class WaitTimeout(ProviderError):
    """An asynchronous vendor state did not settle in time."""


class ApiError(ProviderError):
    """The vendor answered with an error status."""

    def __init__(
        self,
        vendor: str,
        operation: str,
        status: int,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        self.vendor = vendor
        self.operation = operation
        self.status = status
        self.vendor_message = message
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        self.hint = hint
        parts = [f"{vendor} {operation} failed: HTTP {status}"]
        if code:
            parts.append(f"[{code}]")
        parts.append(f"- {message}" if message else "")
        text = " ".join(p for p in parts if p)
        if request_id:
            text += f" (request id {request_id})"
        if hint:
            text += f". {hint}"
        super().__init__(text)

    def with_hint(self, hint: str, cls: type[ApiError] | None = None) -> ApiError:
        """The same error (or re-classified as ``cls``) with resource-level advice appended."""
        return (cls or type(self))(self.vendor, self.operation, self.status, self.vendor_message, code=self.code,
                                   request_id=self.request_id, retry_after=self.retry_after, hint=hint)


class ValidationFailed(ApiError):
    """400/422: the vendor rejected the request's content."""


class Unauthorized(ApiError):
    """401: credentials missing, wrong or expired."""


class Forbidden(ApiError):
    """403: the credential lacks a permission or scope."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: the resource's state forbids the operation."""


class RateLimited(ApiError):
    """429."""


class ServerError(ApiError):
    """5xx."""


def error_class_for(status: int) -> type[ApiError]:
    if status in (400, 422):
        return ValidationFailed
    if status == 401:
        return Unauthorized
    if status == 403:
        return Forbidden
    if status == 404:
        return NotFound
    if status == 409:
        return Conflict
    if status == 429:
        return RateLimited
    if status >= 500:
        return ServerError
    return ApiError
