"""UnleashX campaign audience API emulator (https://docs.unleashx.ai/api-reference)."""

from ..app import VendorSpec
from .errors import error_response
from .routes import PREFIX, add_routes, credential_of
from .state import DEMO_TOKEN, UnleashXState

SPEC = VendorSpec(
    name="unleashx",
    make_state=UnleashXState,
    add_routes=add_routes,
    error_response=error_response,
    credential_of=credential_of,
    demo_credentials={"token": DEMO_TOKEN},
    base_path=PREFIX,
    # The docs state per-key limits that "reset every minute" but never mention a Retry-After header.
    retry_after_on_429=False,
)
