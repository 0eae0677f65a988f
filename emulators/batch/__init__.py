"""Batch.com Audience API 2.8 emulator."""

from ..app import VendorSpec
from .errors import error_response
from .routes import PREFIX, add_routes, credential_of
from .state import DEMO_API_KEY, DEMO_PROJECT_KEY, BatchState

SPEC = VendorSpec(
    name="batch",
    make_state=BatchState,
    add_routes=add_routes,
    error_response=error_response,
    credential_of=credential_of,
    demo_credentials={"apiKey": DEMO_API_KEY, "projectKey": DEMO_PROJECT_KEY},
    base_path=PREFIX,
    # Every audience page lists 429 "Too Many Requests" and no header; a Retry-After is an admin option
    # (`rate_limit_retry_after`), so the providers' tested 429 path is the bare one by default.
    retry_after_on_429=False,
)
