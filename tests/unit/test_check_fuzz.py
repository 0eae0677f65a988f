"""Hypothesis fuzz of every resource's `check`: never crashes, every rejection names a field.

Fields whose validation reads the vendor API (adoption lookups) are held at their no-network value and the
ownership lookup (is the natural key taken?) is switched off, so the fuzz stays offline; that lookup has tests
of its own. Everything else is random JSON, including unknown keys and the preview marker.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audience_providers._core.lifecycle import UNKNOWN, Lifecycle
from audience_providers.batch.audience import AudienceLifecycle as BatchAudience
from audience_providers.sonarly.audience import AudienceLifecycle as SonarlyAudience
from audience_providers.sonarly.folder import AudienceFolderLifecycle as SonarlyFolder
from audience_providers.thrive import members as thrive_members
from audience_providers.thrive.members import AudienceManagersLifecycle as ThriveManagers
from audience_providers.thrive.members import AudienceMembersLifecycle as ThriveMembers
from audience_providers.thrive.structure import AudienceLifecycle as ThriveAudience
from audience_providers.thrive.structure import StructureLifecycle as ThriveStructure
from audience_providers.unleashx.campaign import CampaignLifecycle as UnleashxCampaign

EXAMPLES = 1000
# provider -> inputs that must stay fixed because checking them reads the API
PROVIDERS: list[tuple[Lifecycle[Any, Any], dict[str, Any]]] = [
    (BatchAudience(), {"adopt": False}),
    (ThriveStructure(), {"adopt": False}),
    (ThriveAudience(), {"adopt": False}),
    (ThriveMembers(), {}),
    (ThriveManagers(), {}),
    (SonarlyAudience(), {"adopt_id": None}),
    (SonarlyFolder(), {}),
    (UnleashxCampaign(), {"adopt_id": None}),
    # unleashx:CampaignAudience is left out: every valid input is checked against the vendor (record lookup).
]

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                      st.text(max_size=300), st.just(UNKNOWN), st.just(""))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                             st.dictionaries(st.text(max_size=10), inner, max_size=5)),
                          max_leaves=20)


@pytest.fixture(autouse=True)
def _offline_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"BATCH_API_KEY": "fuzz-key-000000", "BATCH_PROJECT_KEY": "p", "THRIVE_TENANT_ID": "t",
                       "THRIVE_API_SECRET": "fuzz-secret-000", "THRIVE_BASE_URL": "http://127.0.0.1:9",
                       "UNLEASHX_TOKEN": "fuzz-token-0000", "UNLEASHX_BASE_URL": "http://127.0.0.1:9",
                       "SONARLY_API_KEY": "sk_live_fuzz_000", "SONARLY_BASE_URL": "http://127.0.0.1:9",
                       "SONARLY_ACCOUNT_GROUP_ID": "ag_fuzz"}.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("provider,fixed", PROVIDERS, ids=lambda p: getattr(p, "resource_label", ""))
def test_check__fuzz_never_crashes_and_names_fields(provider: Lifecycle[Any, Any], fixed: dict[str, Any],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider, "ownership_failures", lambda *_args: [])
    # The cross-resource lookups (parent, folder, users exist) read the API too; they have tests of their own.
    monkeypatch.setattr(thrive_members, "_unknown_users_failure", lambda *_args: None)
    for cls, name in ((ThriveAudience, "parent_problem"), (SonarlyAudience, "_folder_problem")):
        if isinstance(provider, cls):
            monkeypatch.setattr(provider, name, lambda *_args: None)
    fields = list(provider.args_model.model_fields)
    keys = st.sampled_from([*fields, "unexpected", "__x"])

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(keys, json_value, max_size=len(fields) + 2))
    def run(news: dict[str, Any]) -> None:
        news = {**news, **fixed, "__provider": "serialized"}
        result = provider.check({}, news)
        sent = set(news)
        for failure in result.failures:
            top = failure.property.split(".")[0]
            assert top in sent or top in fields, failure.property
            assert provider.resource_label in failure.reason and top in failure.reason

    run()
