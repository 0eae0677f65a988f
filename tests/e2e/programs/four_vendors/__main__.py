"""One resource of each vendor (tests/e2e/test_credential_reads.py)."""

from audience_providers import batch, sonarly, thrive, unleashx

thrive.Structure("root", name="Four root", reference="four-root")
sonarly.AudienceFolder("folder", name="four-folder", audience_type="monitoring")
unleashx.Campaign("calls", campaign_name="four-calls", agent_id=101, description="calls", start_date="2026-01-05",
                  end_date="2026-03-31", max_retry=1)
batch.Audience("vip", name="four_vip", members=["c1"])
