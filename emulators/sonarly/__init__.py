"""Sonarly public API v1 emulator: account groups, audiences, audience folders, simulated prospecting jobs."""

from ..app import VendorSpec
from .errors import error_response
from .routes import PREFIX, add_routes, credential_of
from .state import DEMO_ACCOUNT_GROUP, DEMO_FULL_KEY, DEMO_READONLY_KEY, SonarlyState

SPEC = VendorSpec(
    name="sonarly",
    make_state=SonarlyState,
    add_routes=add_routes,
    error_response=error_response,
    credential_of=credential_of,
    demo_credentials={"apiKey": DEMO_FULL_KEY, "readonlyApiKey": DEMO_READONLY_KEY,
                      "accountGroupId": DEMO_ACCOUNT_GROUP},
    base_path=PREFIX,
    # The docs list 429 but no Retry-After header, so the limiter sends none by default.
    retry_after_on_429=False,
)
