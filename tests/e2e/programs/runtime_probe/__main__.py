"""Reports what our runtime changes in the program and provider processes (tests/e2e/test_engine_runtime.py)."""

import gc

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

frozen_before = gc.get_freeze_count()
from audience_providers import thrive  # noqa: E402,F401  (imported after the count on purpose)

pulumi.export("frozen_before_import", frozen_before)
pulumi.export("frozen_after_import", gc.get_freeze_count())
if pulumi.Config().get_bool("tuning"):
    # The opt-in (providers/tuning.py): importing the package alone adjusts nothing.
    from audience_providers import tuning  # noqa: E402

    tuning.install()
pulumi.export("frozen_after_tuning", gc.get_freeze_count())


class FreezeCount(ResourceProvider):
    def create(self, props):  # type: ignore[no-untyped-def]
        import gc as provider_gc  # in the provider process

        return CreateResult("probe", {"frozen": provider_gc.get_freeze_count()})


class Probe(Resource):
    frozen: pulumi.Output[int]

    def __init__(self, name: str) -> None:
        super().__init__(FreezeCount(), name, {"frozen": None})


pulumi.export("provider_frozen", Probe("probe").frozen)

if pulumi.Config().get_bool("declare"):
    # Two resources for the source-position test: one declared at the top level, one through a helper.
    def team(name: str) -> thrive.Structure:
        return thrive.Structure(name, name=name.title(), reference=f"probe-{name}")  # line of the helper's frame

    team("nested")
    thrive.Structure("top", name="Top", reference="probe-top")
