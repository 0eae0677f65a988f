"""UnleashX ``Campaign`` and ``CampaignAudience`` lifecycles: check, diff, create, read, update, delete (no Pulumi).

What the UnleashX API does not offer shapes both resources (https://docs.unleashx.ai/api-reference/):
- no endpoint lists, gets or deletes campaigns: a campaign is probed through its audience stats, refresh can't see
  field drift, and destroy pauses the campaign instead of deleting it;
- no endpoint adds audience records (they are uploaded as xlsx in the UnleashX UI): ``CampaignAudience`` adopts
  existing records by phone number and fails at preview when one is missing; imported by the campaign id, it takes
  over every record the campaign holds (read through audience-list).
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from .._core import progress, siblings
from .._core.errors import ApiError, Conflict, InputError, NotFound, ProviderError, ServerError, TransportFailure
from .._core.forms import ProgramForm, iso_text
from .._core.lifecycle import Failure, Lifecycle, contains_unknown, create_or_adopt, set_paths
from .client import is_delete_all_refused
from .config import UnleashXConfig
from .models import (
    MAX_NAME,
    MAX_RETRY,
    PHONE,
    AudienceRecord,
    CampaignObject,
    CampaignResponse,
    CampaignStatus,
    ConditionGroup,
    MaxDelay,
    RecordState,
    Whole,
    canonical_phone,
    iso_date,
)

# Record ids per delete-audience call; no maximum is documented.
DELETE_CHUNK = 200


# -- the resource's inputs and outputs ------------------------------------------------------------------------
class CampaignArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_name: str = Field(min_length=1, max_length=MAX_NAME,
                               description="Unique within the workspace (case-insensitively, to be safe).")
    agent_id: Whole = Field(ge=1, description="Voice agent that places the calls.")
    description: str = Field(min_length=1, description="Required by UnleashX; an empty string is refused.")
    start_date: str
    end_date: str
    max_retry: Whole = Field(ge=1, le=MAX_RETRY)
    max_delay: MaxDelay | None = Field(default=None, validate_default=True, description="Required when max_retry > 1.")
    status: CampaignStatus = "draft"
    conditions: list[ConditionGroup] | None = None
    adopt_id: Whole | None = Field(default=None, ge=1,
                                 description="Manage the existing campaign with this id instead of creating one.")
    delete_records_on_destroy: bool = Field(
        default=False, description="At destroy, also delete every audience record of the campaign (draft "
                                   "campaigns only; records can't be re-added through the API). Off: records stay.")

    @field_validator("campaign_name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        if value != value.strip() or not value.strip():
            raise ValueError("must not be blank or start/end with whitespace (UnleashX trims names)")
        return value

    @field_validator("start_date")
    @classmethod
    def _start(cls, value: str) -> str:
        return iso_date(value, "start_date")

    @field_validator("end_date")
    @classmethod
    def _end(cls, value: str, info: ValidationInfo) -> str:
        value = iso_date(value, "end_date")
        start = info.data.get("start_date")
        if isinstance(start, str) and value < start:  # ISO dates order as strings
            raise ValueError(f"end_date {value} is before start_date {start}")
        return value

    @field_validator("max_delay")
    @classmethod
    def _delay(cls, value: MaxDelay | None, info: ValidationInfo) -> MaxDelay | None:
        # Documented: "max_delay is required when max_retry is greater than 1".
        retry = info.data.get("max_retry")
        if value is None and isinstance(retry, int) and retry > 1:
            raise ValueError("required when max_retry > 1, e.g. {'d': 0, 'h': 1, 'm': 0}")
        return value

    def wire(self) -> dict[str, Any]:
        """Body fields shared by create-campaign and update-campaign."""
        body: dict[str, Any] = {
            "agent_id": self.agent_id,
            "campaign_name": self.campaign_name,
            "description": self.description,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "max_retry": self.max_retry,
        }
        if self.max_delay is not None:
            body["max_delay"] = self.max_delay.wire()
        return body


class CampaignAudienceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign_id: Whole = Field(ge=1, description="Campaign whose records these are; changing it replaces.")
    phone_numbers: list[str] = Field(description="Numbers whose records this stack owns (natural key).")

    @field_validator("phone_numbers")
    @classmethod
    def _phones(cls, values: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for value in values:
            digits = canonical_phone(value)
            if not PHONE.match(value) or not 4 <= len(digits) <= 20:
                raise ValueError(f"{value!r} is not a phone number (digits, optional leading +, spaces or dashes)")
            if digits in seen:
                raise ValueError(f"{value!r} is listed twice (same digits as {seen[digits]!r})")
            seen[digits] = value
        return values


# -- outputs: what the provider returns for each resource (inputs included) ---------------------------------
# The Resource classes' placeholders come from these, and tests/unit/test_unleashx_provider.py keeps their
# `pulumi.Output[...]` annotations equal to the fields, so the output shape is written down once.
class CampaignState(BaseModel):
    campaign_name: str
    agent_id: int
    description: str
    start_date: str
    end_date: str
    max_retry: int
    max_delay: MaxDelay | None = None
    status: str  # the vendor's status when setting ours after create failed (the next `up` applies it)
    conditions: list[ConditionGroup] | None = None
    adopt_id: int | None = None
    delete_records_on_destroy: bool = False
    campaign_id: int
    on_destroy: str  # also recorded among the inputs (see campaign.py `on_destroy`)
    # Not kept: the timestamps some answers carry (undocumented; updated_at moves with every write).

    @classmethod
    def of(cls, args: CampaignArgs, campaign_id: int, *, on_destroy: str) -> CampaignState:
        return cls(**dict(args), campaign_id=campaign_id, on_destroy=on_destroy)


class CampaignAudienceState(BaseModel):
    campaign_id: int
    phone_numbers: list[str]
    records: list[RecordState]
    record_ids: list[int]

    @classmethod
    def of(cls, args: CampaignAudienceArgs, records: list[AudienceRecord]) -> CampaignAudienceState:
        return cls(campaign_id=args.campaign_id, phone_numbers=args.phone_numbers,
                   records=[RecordState.from_wire(r) for r in records], record_ids=[r.id for r in records])



# -- its lifecycle --------------------------------------------------------------------------------------------
def _missing_message(label: str, campaign_id: int, phones: Sequence[str]) -> str:
    return (f"{label}: campaign {campaign_id} has no audience record for {', '.join(phones)}. UnleashX offers no API "
            "to add audience records: download the campaign's template (GET /audience-format?campaign_id="
            f"{campaign_id}, or the campaign's Audience page in the UnleashX UI), add these numbers, upload it in "
            "the UnleashX UI, then rerun. Or remove them from phone_numbers.")


def _int(value: Any) -> int:
    # Numbers come back from the engine as floats (protobuf Struct).
    return int(value)


# -- Campaign ------------------------------------------------------------------------------------------------
ON_DESTROY = "on_destroy"


def on_destroy(delete_records: bool, adopted: bool = False) -> str:
    """What `pulumi destroy` does to a campaign. The engine asks no provider anything when it previews a delete and
    shows the resource's recorded inputs, so ``check`` records this among them: `pulumi destroy --diff` (and
    `preview --diff` of a removed campaign) then say it on the resource before anything runs."""
    # Short: the state holds it twice per campaign (inputs and outputs); docs/unleashx/campaign.md says the rest.
    return (f"pause{'' if adopted else ' and rename'} (no campaign delete), "
            f"{'delete' if delete_records else 'keep'} audience records")


def retired_name(name: str, campaign_id: int) -> str:
    """The name a destroyed campaign gets, freeing the one it had (names are unique in a workspace and UnleashX has
    no campaign delete): the old name and the id, which no other campaign has, within the name's length limit."""
    suffix = f" [destroyed #{campaign_id}]"
    return name[:MAX_NAME - len(suffix)].rstrip() + suffix


class CampaignLifecycle(Lifecycle[CampaignArgs, UnleashXConfig]):
    """An UnleashX calling campaign. Destroy pauses it (UnleashX has no campaign delete)."""

    resource_label = "unleashx:Campaign"
    # Rechecked for issue #19: the API reference has no campaign list or get; the only answers that carry a
    # campaign are those of create-/update-campaign (writes, and their body is not even documented), and the
    # read endpoints (audience-list, campaign-audience-stats, audience-format) say only that the campaign exists.
    read_by_id_unsupported = ("UnleashX documents no endpoint that reads a campaign's fields back (no campaign list "
                              "or get; only create-/update-campaign, which write, answer with a campaign)")
    args_model = CampaignArgs
    state_model = CampaignState
    # Every field is accepted by update-campaign, so nothing forces a replacement (which would also be
    # impossible: the old campaign can't be deleted and keeps its unique name).
    replace_fields = frozenset()
    create_only_fields = frozenset({"adopt_id"})
    # The Python class also takes dates as `datetime.date` (sent as ISO text); adopt_id is a plain value.
    program_forms: ClassVar[Mapping[str, ProgramForm]] = {
        "start_date": ProgramForm(datetime.date, iso_text, besides_input=True),
        "end_date": ProgramForm(datetime.date, iso_text, besides_input=True),
        "adopt_id": ProgramForm(int)}

    # `on_destroy` is derived from an input and recorded beside the inputs (see ``on_destroy``), so `destroy --diff`
    # shows what destroy will do.
    def derived_inputs(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        return {ON_DESTROY: on_destroy(bool(inputs.get("delete_records_on_destroy")),
                                       adopted=inputs.get("adopt_id") is not None)}

    def claims(self, inputs: Mapping[str, Any]) -> list[siblings.Claim]:
        """The campaign name (unique in the workspace; compared case-insensitively, to be safe) and the campaign an
        ``adopt_id`` names: two resources of one program must not take either."""
        out = []
        name = inputs.get("campaign_name")
        if isinstance(name, str) and name and not contains_unknown(name):
            out.append(siblings.Claim("unleashx:campaign_name", name.casefold(), "campaign_name", name,
                                      "UnleashX allows one campaign per name in a workspace (compared "
                                      "case-insensitively here, to be safe), and a campaign can't be deleted"))
        adopt_id = inputs.get("adopt_id")
        if isinstance(adopt_id, (int, float)) and not isinstance(adopt_id, bool):  # numbers come as floats too
            out.append(siblings.Claim("unleashx:campaign", int(adopt_id), "adopt_id", str(int(adopt_id)),
                                      "Two resources adopting one UnleashX campaign would each change and pause it"))
        return out

    def extra_checks(self, args: CampaignArgs, olds: Mapping[str, Any]) -> list[Failure]:
        failures = self._agent_failures(args)
        if args.adopt_id is None:
            return failures
        adopt_id = args.adopt_id
        found = self.found_or_failure("adopt_id", lambda: self.config.client.campaign_audience_stats(adopt_id),
                                      f"adopt_id={adopt_id}: UnleashX says \"Campaign not exist\" for this id in the "
                                      "token's workspace")
        return [*failures, found] if isinstance(found, Failure) else failures

    def _agent_failures(self, args: CampaignArgs) -> list[Failure]:
        """agent_id must name an agent of the workspace (agents/get), checked at preview before any write.

        Without it a typo surfaces only when create-campaign refuses it, mid-`up`. The list is read once per
        client (``Client.agents``), so a preview of many campaigns costs one request.
        """
        agents = self.config.client.agents()
        if any(a.agent_id == args.agent_id for a in agents):
            return []
        known = ", ".join(a.describe() for a in agents) or "none"
        return [Failure("agent_id", f"{self.resource_label} {args.campaign_name!r}: agent_id {args.agent_id} "
                                    f"is not an agent of this workspace (UnleashX agents/get lists: {known})")]

    @staticmethod
    def _fields(args: CampaignArgs, olds: Mapping[str, Any] | None) -> dict[str, Any]:
        """A full update-campaign body (minus id): re-sending every field also repairs drift we can't see."""
        fields = {**args.wire(), "campaign_status": args.status}
        if args.conditions is not None:
            fields["conditions"] = [c.model_dump(mode="json", exclude_none=True) for c in args.conditions]
        elif olds is not None and olds.get("conditions"):
            fields["conditions"] = None  # documented: null clears them
        return fields

    @staticmethod
    def _state(args: CampaignArgs, campaign_id: int) -> CampaignState:
        return CampaignState.of(args, campaign_id, on_destroy=on_destroy(args.delete_records_on_destroy,
                                                                         adopted=args.adopt_id is not None))

    def _outputs(self, args: CampaignArgs, campaign_id: int) -> dict[str, Any]:
        return self._state(args, campaign_id).model_dump(mode="json")

    def create_resource(self, args: CampaignArgs) -> tuple[str, dict[str, Any]]:
        client = self.config.client
        if args.adopt_id is not None:
            try:
                client.campaign_audience_stats(args.adopt_id)
            except NotFound:
                raise InputError(f"{self.resource_label}: adopt_id={args.adopt_id}: no such campaign in the "
                                 "token's workspace (\"Campaign not exist\")") from None
            client.update_campaign(args.adopt_id, self._fields(args, None))
            return str(args.adopt_id), self._outputs(args, args.adopt_id)

        unanswered: list[str] = []

        def create() -> CampaignResponse:
            try:
                return client.create_campaign(args.wire())
            except (TransportFailure, ServerError) as exc:
                unanswered.append(str(exc))
                raise
            except Conflict as exc:
                raise exc.with_hint(self._name_taken_hint(args, bool(unanswered))) from None

        # UnleashX has no endpoint to list or get campaigns, so a create whose answer was lost can't be looked
        # up: `find` never finds, the create is retried, and "name already exists" then tells what happened.
        resp = create_or_adopt(create, lambda: None)
        data = resp.data
        if data is None or data.id is None:
            raise ProviderError(
                f"{self.resource_label}: UnleashX created campaign {args.campaign_name!r} "
                f"({resp.message or 'no message'}) but its answer carries no campaign id, and UnleashX has no API "
                "to look a campaign up by name. Find the campaign's id in the UnleashX UI, set "
                "adopt_id=<that id> on this resource and rerun `pulumi up`: it will be taken over, not duplicated.")
        campaign_id = data.id
        status = data.campaign_status or "draft"  # new campaigns start in draft (inferred)
        if args.status != status or args.conditions is not None:
            # create-campaign takes neither status nor conditions. The campaign exists now, so a failure here
            # must not fail the create (the next `up` would collide with the name): record the vendor's status
            # and let the next `up` apply the rest.
            try:
                client.update_campaign(campaign_id, self._fields(args, None))
            except ApiError as exc:
                progress.warn(f"{self.resource_label} {args.campaign_name!r} (id {campaign_id}) was created but "
                              f"setting its status/conditions failed: {exc}. Rerun `pulumi up` to apply them.")
                state = self._state(args, campaign_id).model_copy(update={"status": status, "conditions": None})
                return str(campaign_id), state.model_dump(mode="json")
        return str(campaign_id), self._outputs(args, campaign_id)

    @staticmethod
    def _name_taken_hint(args: CampaignArgs, after_lost_answer: bool) -> str:
        why = ("an earlier attempt in this run got no answer, so it most likely created the campaign. "
               if after_lost_answer else "")
        return (f"campaign_name {args.campaign_name!r} is taken in this workspace (names are unique, compared "
                f"case-insensitively to be safe); {why}UnleashX has no API to look campaigns up, so its id can't be "
                "found automatically: take it over with adopt_id=<its id from the UnleashX UI>, or choose another "
                "campaign_name")

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        # No get endpoint: existence is all refresh can check ("Campaign not exist" -> gone). Field drift made
        # in the UnleashX UI is invisible; the recorded inputs are kept.
        self.config.client.campaign_audience_stats(_int(id_))
        outs = self.recorded_inputs(props)
        outs.update(campaign_id=_int(id_), on_destroy=on_destroy(bool(props.get("delete_records_on_destroy")),
                                                                 adopted=props.get("adopt_id") is not None))
        return outs

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: CampaignArgs) -> dict[str, Any]:
        try:
            self.config.client.update_campaign(_int(id_), self._fields(args, olds))
        except NotFound as exc:
            raise exc.with_hint(f"campaign {id_} was deleted in UnleashX; run `pulumi refresh` to drop it from "
                                "state, then `pulumi up` creates it again") from None
        except Conflict as exc:
            raise exc.with_hint(f"another campaign is already named {args.campaign_name!r}") from None
        return self._outputs(args, _int(id_))

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        client, campaign_id = self.config.client, _int(id_)
        name = props.get("campaign_name")
        delete_records = bool(props.get("delete_records_on_destroy"))
        # No documented campaign delete: pausing stops calls; the campaign stays in UnleashX.
        paused: CampaignObject | None = None
        try:
            if delete_records:  # records first: only a draft campaign's may be deleted wholesale
                held = client.campaign_audience_stats(campaign_id).total_audience
            else:
                # The count only tells the warning what stays: read it beside the pause, one round trip less
                # (in this call's context, so its log lines name the same resource).
                with ThreadPoolExecutor(max_workers=1) as pool:
                    counted = pool.submit(contextvars.copy_context().run, client.campaign_audience_stats,
                                          campaign_id)
                    try:
                        paused = client.update_campaign(campaign_id, {"campaign_status": "pause"})
                    finally:
                        held = counted.result().total_audience
        except NotFound:
            return  # already gone
        records = f"its {held} audience record(s) were left in place"
        if delete_records and held:
            # Asked for explicitly; only a draft campaign's records may be deleted wholesale (documented).
            try:
                client.delete_audience(campaign_id, delete_all=True)
                records = f"its {held} audience record(s) were deleted (delete_records_on_destroy=True)"
            except ApiError as exc:
                if isinstance(exc, NotFound):
                    return
                if not is_delete_all_refused(exc):
                    raise
                records += (f" because UnleashX refused to delete them: {exc.vendor_message!r} (only a draft "
                            "campaign's records can be deleted wholesale)")
        elif held:
            # The records were uploaded outside the stack (the API can't add any) and can't be re-added through
            # the API, so destroy never deletes them unless told to.
            records += " (set delete_records_on_destroy=True to delete them at destroy)"
        if delete_records:
            paused = client.update_campaign(campaign_id, {"campaign_status": "pause"})  # NotFound -> already gone
        if paused is not None and paused.campaign_name:
            name = paused.campaign_name  # its current name: it may have been renamed in the UnleashX UI
        fate = self._free_name(campaign_id, name, props)
        progress.warn(
            f"{self.resource_label} {name!r} (id {campaign_id}) remains in UnleashX with status 'pause'{fate}; "
            f"{records}. UnleashX has no API to delete campaigns. It is removed from this stack; delete it in the "
            "UnleashX UI if it is no longer needed.")

    def _free_name(self, campaign_id: int, name: Any, props: Mapping[str, Any]) -> str:
        """Rename a destroyed campaign this stack created, so that its name is free for the next `up`.

        Names are unique in a workspace and no campaign can be deleted, so a paused campaign kept the name and the
        program's `up` after a `destroy` failed on "Campaign name already exists". update-campaign renames
        (documented: "only the fields you send are updated"). An adopted campaign keeps its name (it is not the
        stack's, and the next `up` takes it back by id), as does one renamed in the UI since (its name is not the
        stack's any more). Returns what to add to the warning.
        """
        declared = props.get("campaign_name")
        if props.get("adopt_id") is not None or not isinstance(declared, str):
            return ""
        if isinstance(name, str) and name.casefold() != declared.casefold():
            return " (renamed in UnleashX since the last `up`, so the name this stack gave it is free already)"
        retired = retired_name(declared, campaign_id)
        try:
            self.config.client.update_campaign(campaign_id, {"campaign_name": retired})
        except ProviderError as exc:
            return (f"; renaming it to free its name failed ({exc}), so {declared!r} stays taken until it is renamed "
                    "or deleted in the UnleashX UI")
        return f", renamed to {retired!r} so that {declared!r} is free for a new campaign"


# -- CampaignAudience ----------------------------------------------------------------------------------------
class CampaignAudienceLifecycle(Lifecycle[CampaignAudienceArgs, UnleashXConfig]):
    """Existing audience records of one UnleashX campaign, owned by phone number (the API can't add records)."""

    resource_label = "unleashx:CampaignAudience"
    args_model = CampaignAudienceArgs
    state_model = CampaignAudienceState
    # Records belong to one campaign: another campaign means other records (adopt new, delete old).
    replace_fields = frozenset({"campaign_id"})

    def comparable(self, field_name: str, props: Mapping[str, Any], *, state: bool) -> Any:
        value = props.get(field_name)
        if field_name == "phone_numbers" and isinstance(value, list):
            return sorted(canonical_phone(str(p)) for p in value)  # order and formatting don't matter
        if field_name == "campaign_id" and isinstance(value, (int, float, str)):
            try:
                return int(float(value))  # state holds 7.0 (protobuf numbers), a program may pass "7"
            except ValueError:
                return value
        return value

    def detailed_paths(self, field_name: str, olds: Mapping[str, Any],
                       news: Mapping[str, Any]) -> dict[str, str] | None:
        if field_name != "phone_numbers":
            return None
        return set_paths(field_name, olds.get(field_name), news.get(field_name), key=lambda p: canonical_phone(str(p)))

    def claims(self, inputs: Mapping[str, Any]) -> list[siblings.Claim]:
        # A record belongs to one resource: each deletes the records it owns when it is destroyed or drops them.
        campaign, phones = inputs.get("campaign_id"), inputs.get("phone_numbers")
        if not isinstance(campaign, (int, float)) or isinstance(campaign, bool) or not isinstance(phones, list) \
                or contains_unknown(phones):
            return []
        return [siblings.Claim("unleashx:record", (int(campaign), canonical_phone(str(p))), "phone_numbers", str(p),
                               f"Campaign {int(campaign)}'s record for a number belongs to one CampaignAudience (each "
                               "deletes the records it owns when destroyed)")
                for p in phones if canonical_phone(str(p))]

    def lookup_failures(self, inputs: Mapping[str, Any], olds: Mapping[str, Any]) -> list[Failure]:
        """At preview, a campaign id not known yet is the id of a campaign this program creates (the ids of those
        the stack holds are known). A campaign it creates (not adopts) has no records, and the API can add none:
        `up` would create the campaign, which can't be deleted, and then fail here."""
        if not contains_unknown(inputs.get("campaign_id")):
            return []
        made = [d for d in self.declared(CampaignLifecycle.resource_label) if d.new]
        if not made or any(d.inputs.get("adopt_id") is not None for d in made):
            return []
        shown = ", ".join(d.describe() for d in made)
        return [self.failure("campaign_id", f"campaign_id is the id of a campaign this program creates ({shown}; not "
                                            "known before `up`). A new campaign has no audience records and UnleashX "
                                            "offers no API to add any, so this resource would fail after the "
                                            "campaign (which can't be deleted) was created. Create the campaign "
                                            "first, upload its records in the UnleashX UI, then declare this "
                                            "resource. Nothing was changed.")]

    def extra_checks(self, args: CampaignAudienceArgs, olds: Mapping[str, Any]) -> list[Failure]:
        # Read-only lookup at preview: a number without a record can't be created by any API, so say so now.
        try:
            found = self.config.client.find_records(args.campaign_id, args.phone_numbers)
        except NotFound:
            return [self.failure("campaign_id", f"campaign_id {args.campaign_id}: no such campaign in the token's "
                                                "workspace (UnleashX: \"Campaign not exist\")")]
        absent = [p for p in args.phone_numbers if not found[canonical_phone(p)]]
        if absent:
            return [Failure("phone_numbers", _missing_message(self.resource_label, args.campaign_id, absent))]
        return []

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        return []  # its create writes nothing (it looks records up): clearing the pending create loses nothing

    def _lookup(self, args: CampaignAudienceArgs) -> list[AudienceRecord]:
        found = self.config.client.find_records(args.campaign_id, args.phone_numbers)
        absent = [p for p in args.phone_numbers if not found[canonical_phone(p)]]
        if absent:
            raise InputError(_missing_message(self.resource_label, args.campaign_id, absent))
        return [r for p in args.phone_numbers for r in sorted(found[canonical_phone(p)], key=lambda r: r.id)]

    @staticmethod
    def _outputs(args: CampaignAudienceArgs, records: list[AudienceRecord]) -> dict[str, Any]:
        return CampaignAudienceState.of(args, records).model_dump(mode="json")

    def _delete_ids(self, campaign_id: int, ids: list[int]) -> None:
        for start in range(0, len(ids), DELETE_CHUNK):
            self.config.client.delete_audience(campaign_id, ids[start:start + DELETE_CHUNK])

    def create_resource(self, args: CampaignAudienceArgs) -> tuple[str, dict[str, Any]]:
        try:
            records = self._lookup(args)
        except NotFound as exc:
            raise InputError(f"{self.resource_label}: campaign {args.campaign_id} does not exist "
                             f"({exc.vendor_message})") from None
        return f"{args.campaign_id}/audience", self._outputs(args, records)

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: CampaignAudienceArgs) -> dict[str, Any]:
        # Look the kept and added numbers up first: if one is missing nothing is deleted.
        try:
            records = self._lookup(args)
        except NotFound as exc:
            raise exc.with_hint(f"campaign {args.campaign_id} was deleted in UnleashX; run `pulumi refresh` to drop "
                                "this audience from state") from None
        wanted = {canonical_phone(p) for p in args.phone_numbers}
        dropped = [_int(r["id"]) for r in olds.get("records") or []
                   if isinstance(r, Mapping) and canonical_phone(str(r.get("mobile_no", ""))) not in wanted]
        if dropped:
            self._delete_ids(args.campaign_id, dropped)
        return self._outputs(args, records)

    def by_import_id(self, id_: str) -> tuple[str, dict[str, Any]]:
        # `pulumi import` / `import_=` by the campaign id (or the `<campaign id>/audience` id a create records).
        head = id_[:-len("/audience")] if id_.endswith("/audience") else id_
        try:
            campaign_id = int(head)
        except ValueError:
            raise InputError(f"{self.resource_label} {id_!r}: import it by its campaign id (e.g. `7001`, or "
                             "`7001/audience`)") from None
        return f"{campaign_id}/audience", {"campaign_id": campaign_id}

    def _read_all(self, campaign_id: int) -> dict[str, Any]:
        """An import: every record of the campaign, owned by its phone number (the user's instruction to take the
        campaign's records over). Read-only: audience-list, page by page."""
        by_phone: dict[str, list[AudienceRecord]] = {}
        spelled: dict[str, str] = {}
        for rec in self.config.client.iter_records(campaign_id):
            digits = canonical_phone(rec.mobile_no)
            spelled.setdefault(digits, rec.mobile_no)  # the first record's spelling, as the program declares it
            by_phone.setdefault(digits, []).append(rec)
        try:
            args = CampaignAudienceArgs(campaign_id=campaign_id, phone_numbers=list(spelled.values()))
        except ValidationError as exc:
            raise InputError(f"{self.resource_label}: campaign {campaign_id} holds a record whose mobile_no this "
                             f"provider can't declare ({exc.errors()[0]['msg']}); it can't be imported as is") from None
        records = [r for digits in spelled for r in sorted(by_phone[digits], key=lambda r: r.id)]
        return self._outputs(args, records)

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        if props.get("phone_numbers") is None and props.get("campaign_id") is not None:
            return self._read_all(_int(props["campaign_id"]))  # NotFound -> gone
        args = CampaignAudienceArgs.model_validate(self.recorded_inputs(props))
        found = self.config.client.find_records(args.campaign_id, args.phone_numbers)  # NotFound -> gone
        # Numbers whose records were deleted outside the stack drop out of inputs too, so the next preview
        # shows them as additions (and says they can't be added by API).
        present = [p for p in args.phone_numbers if found[canonical_phone(p)]]
        kept = CampaignAudienceArgs(campaign_id=args.campaign_id, phone_numbers=present)
        records = [r for p in present for r in sorted(found[canonical_phone(p)], key=lambda r: r.id)]
        return self._outputs(kept, records)

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        campaign_id = _int(props.get("campaign_id") or id_.split("/")[0])
        ids = sorted({_int(i) for i in props.get("record_ids") or []})
        if not ids:
            return
        # Always by id, even when the stack owns every record: `delete_all` would also take a record uploaded
        # between our read and the delete, and records can't be re-added through the API.
        self._delete_ids(campaign_id, ids)
