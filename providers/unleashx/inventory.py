"""An UnleashX workspace as `audience-providers discover unleashx` sees it: the records of given campaigns.

UnleashX documents no campaign list or get, so campaigns themselves can't be discovered: the user names the
campaigns (``--under <campaign id>``, ids from the UnleashX UI) and each one's audience records are read the way
an import reads them (``audience-list``, every page; ``CampaignAudience``'s ``read_by_id``). No Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._core.discovery import Found, Inventory, Names, Progress, Skipped
from .._core.errors import InputError, NotFound
from .campaign import CampaignAudienceLifecycle
from .config import UnleashXConfig
from .models import canonical_phone

NO_CAMPAIGN_LIST = ("unleashx:Campaign: UnleashX documents no campaign list or get, so campaigns can't be "
                    "discovered or imported; declare each with adopt_id=<its id> and its fields "
                    "(docs/unleashx/campaign.md). Name campaigns with --under <campaign id> to take over their "
                    "audience records")


def discover(cfg: UnleashXConfig, progress: Progress, *, prefix: str | None = None,
             under: Sequence[str] = ()) -> Inventory:
    inv = Inventory("unleashx", unlisted=[NO_CAMPAIGN_LIST])
    records = CampaignAudienceLifecycle(cfg)
    names = Names()
    digits = canonical_phone(prefix) if prefix else ""
    for key in under:
        try:
            campaign_id = int(key)
        except ValueError:
            raise InputError(f"--under {key!r}: give a campaign id (a number, from the UnleashX "
                             "UI)") from None
        what = f"unleashx campaign {campaign_id}'s audience records"
        progress.line(f"reading the audience records of campaign {campaign_id} (GET /audience-list)")
        try:
            outs = records.read_by_id(str(campaign_id))
        except NotFound:
            outs = None
        except InputError as exc:
            inv.skipped.append(Skipped(what, str(exc)))
            continue
        if outs is None:
            inv.skipped.append(Skipped(what, "UnleashX says \"Campaign not exist\" for this id in the token's "
                                             "workspace"))
            continue
        phones = [str(p) for p in outs.get("phone_numbers") or [] if canonical_phone(str(p)).startswith(digits)]
        progress.line(f"{len(phones)} record phone numbers in campaign {campaign_id}")
        if not phones:
            inv.skipped.append(Skipped(what, "no audience records" + (f" whose number starts with {prefix!r}"
                                                                      if prefix else "")))
            continue
        inv.found.append(Found("unleashx:CampaignAudience", names.take("unleashx", str(campaign_id), "records"),
                               f"{campaign_id}/audience", {"campaign_id": campaign_id, "phone_numbers": phones},
                               None if prefix else f"{campaign_id}/audience",
                               comment="Records can't be added through the API; the ones listed are taken over "
                                       "(destroy deletes them, docs/unleashx/campaign-audience.md)."))
    if prefix and inv.found:
        inv.notes.append("with --prefix the records are a subset of each campaign's, which an import (it takes them "
                         "all) can't express: the import file leaves them out; the Python program declares them")
    return inv
