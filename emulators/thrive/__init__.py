"""Thrive Learning public API v1 (audiences) emulator."""

from ..app import VendorSpec
from .errors import error_response
from .routes import PREFIX, add_routes, credential_of
from .state import DEMO_API_SECRET, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, ThriveState

SPEC = VendorSpec(
    name="thrive",
    make_state=ThriveState,
    add_routes=add_routes,
    error_response=error_response,
    credential_of=credential_of,
    demo_credentials={"tenantId": DEMO_TENANT_ID, "apiSecret": DEMO_API_SECRET, "clientId": DEMO_CLIENT_ID,
                      "clientSecret": DEMO_CLIENT_SECRET},
    base_path=PREFIX,
    # Thrive documents 429 but no Retry-After header (our notes, section 6).
    retry_after_on_429=False,
)
