"""UnleashX ``Campaign`` (a voice-agent calling campaign) and ``CampaignAudience`` (records a stack owns in one).

What the UnleashX API does not offer shapes both resources (https://docs.unleashx.ai/api-reference/):
- no endpoint lists, gets or deletes campaigns: a campaign is probed through its audience stats, refresh can't see
  field drift, and destroy pauses the campaign instead of deleting it;
- no endpoint adds audience records (they are uploaded as xlsx in the UnleashX UI): ``CampaignAudience`` adopts
  existing records by phone number and fails at preview when one is missing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from .._core.config import ConfigSource, Setting, client_settings, missing
from .._core.dynamic import ReadableResource, VendorProvider, create_or_adopt
from .._core.errors import ApiError, Conflict, InputError, NotFound, ProviderError, ServerError, TransportFailure
from .._core.lifecycle import Checked as CheckResult
from .._core.lifecycle import Failure as CheckFailure
from .client import DEFAULT_BASE_URL, Client, is_delete_all_refused
from .models import (
    AudienceRecord,
    CampaignArgs,
    CampaignAudienceArgs,
    CampaignObject,
    CampaignResponse,
    canonical_phone,
)

TOKEN = Setting("unleashx:token", "UNLEASHX_TOKEN", secret=True, help="API token of the UnleashX workspace")
BASE_URL = Setting("unleashx:baseUrl", "UNLEASHX_BASE_URL", default=DEFAULT_BASE_URL)

# Record ids per delete-audience call; no maximum is documented.
DELETE_CHUNK = 200


@dataclass(frozen=True)
class UnleashXConfig:
    client: Client


def load_unleashx_config(source: ConfigSource) -> UnleashXConfig:
    token = source.get(TOKEN)
    if token is None:
        raise missing(TOKEN)
    settings = client_settings(source, "unleashx", "UNLEASHX", source.require(BASE_URL))
    return UnleashXConfig(Client.shared(settings, token=token))


def _missing_message(label: str, campaign_id: int, phones: Sequence[str]) -> str:
    return (f"{label}: campaign {campaign_id} has no audience record for {', '.join(phones)}. UnleashX offers no API "
            "to add audience records: download the campaign's template (GET /audience-format?campaign_id="
            f"{campaign_id}, or the campaign's Audience page in the UnleashX UI), add these numbers, upload it in "
            "the UnleashX UI, then rerun. Or remove them from phone_numbers.")


def _int(value: Any) -> int:
    # Numbers come back from the engine as floats (protobuf Struct).
    return int(value)


# -- Campaign ------------------------------------------------------------------------------------------------
class _UnleashXBase(VendorProvider[Any, UnleashXConfig]):
    vendor = "UnleashX"

    def credential_settings(self) -> str:
        return f"{TOKEN.key} ({TOKEN.env})"

    def load_config(self, source: ConfigSource) -> UnleashXConfig:
        return load_unleashx_config(source)


ON_DESTROY = "on_destroy"


def _on_destroy(delete_records: bool) -> str:
    """What `pulumi destroy` does to a campaign. The engine asks no provider anything when it previews a delete and
    shows the resource's recorded inputs, so ``check`` records this among them: `pulumi destroy --diff` (and
    `preview --diff` of a removed campaign) then say it on the resource before anything runs."""
    records = "deletes its audience records" if delete_records else "keeps its audience records"
    return (f"pause: UnleashX has no campaign delete, so destroy pauses the campaign, {records} and leaves it in "
            "UnleashX")


class CampaignProvider(_UnleashXBase):
    resource_label = "unleashx:Campaign"
    read_by_id_unsupported = "UnleashX documents no endpoint that reads a campaign's fields back"
    args_model = CampaignArgs
    def check(self, _olds: Mapping[str, Any], news: Mapping[str, Any]) -> CheckResult:  # type: ignore[override]
        result = super().check(_olds, news)
        if not result.failures:
            result.inputs[ON_DESTROY] = _on_destroy(bool(result.inputs.get("delete_records_on_destroy")))
        return result

    def parse(self, props: Mapping[str, Any]) -> CampaignArgs:
        args: CampaignArgs = super().parse({k: v for k, v in props.items() if k != ON_DESTROY})
        return args

    def inputs_from_state(self, outs: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().inputs_from_state(outs), ON_DESTROY: outs.get(ON_DESTROY)}

    # Every field is accepted by update-campaign, so nothing forces a replacement (which would also be
    # impossible: the old campaign can't be deleted and keeps its unique name).
    replace_fields = frozenset()
    create_only_fields = frozenset({"adopt_id"})

    def extra_checks(self, args: CampaignArgs, olds: Mapping[str, Any]) -> list[CheckFailure]:
        failures = self._agent_failures(args)
        if args.adopt_id is None:
            return failures
        try:
            self.config.client.campaign_audience_stats(args.adopt_id)
        except NotFound:
            failures.append(CheckFailure("adopt_id", f"{self.resource_label}: adopt_id={args.adopt_id}: UnleashX "
                                                     "says \"Campaign not exist\" for this id in the token's "
                                                     "workspace"))
        return failures

    def _agent_failures(self, args: CampaignArgs) -> list[CheckFailure]:
        """agent_id must name an agent of the workspace (agents/get), checked at preview before any write.

        Without it a typo surfaces only when create-campaign refuses it, mid-`up`. The list is read once per
        provider process (``Client.agents``), so a preview of many campaigns costs one request.
        """
        agents = self.config.client.agents()
        if any(a.agent_id == args.agent_id for a in agents):
            return []
        known = ", ".join(a.describe() for a in agents) or "none"
        return [CheckFailure("agent_id", f"{self.resource_label} {args.campaign_name!r}: agent_id {args.agent_id} "
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

    def _outputs(self, args: CampaignArgs, campaign_id: int, obj: CampaignObject | None,
                 previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        prev = previous or {}
        return {
            **args.model_dump(mode="json"),
            "campaign_id": campaign_id,
            "on_destroy": _on_destroy(args.delete_records_on_destroy),
            # Not every answer carries them (undocumented): keep the first value seen.
        "created_at": prev.get("created_at") or (obj.created_at if obj else None),
            "updated_at": (obj.updated_at if obj else None) or prev.get("updated_at"),
        }

    def create_resource(self, args: CampaignArgs) -> tuple[str, dict[str, Any]]:
        client = self.config.client
        if args.adopt_id is not None:
            try:
                client.campaign_audience_stats(args.adopt_id)
            except NotFound:
                raise InputError(f"{self.resource_label}: adopt_id={args.adopt_id}: no such campaign in the "
                                 "token's workspace (\"Campaign not exist\")") from None
            obj = client.update_campaign(args.adopt_id, self._fields(args, None))
            return str(args.adopt_id), self._outputs(args, args.adopt_id, obj)

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
        campaign_id, obj = data.id, data
        created = {"created_at": data.created_at, "updated_at": data.updated_at}
        status = data.campaign_status or "draft"  # new campaigns start in draft (inferred)
        if args.status != status or args.conditions is not None:
            # create-campaign takes neither status nor conditions. The campaign exists now, so a failure here
            # must not fail the create (the next `up` would collide with the name): record the vendor's status
            # and let the next `up` apply the rest.
            try:
                obj = client.update_campaign(campaign_id, self._fields(args, None)) or obj
            except ApiError as exc:
                pulumi.log.warn(f"{self.resource_label} {args.campaign_name!r} (id {campaign_id}) was created but "
                                f"setting its status/conditions failed: {exc}. Rerun `pulumi up` to apply them.")
                outs = self._outputs(args, campaign_id, obj)
                outs["status"], outs["conditions"] = status, None
                return str(campaign_id), outs
        return str(campaign_id), self._outputs(args, campaign_id, obj, created)

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
        outs = {k: props.get(k) for k in CampaignArgs.model_fields}
        outs.update(campaign_id=_int(id_), created_at=props.get("created_at"), updated_at=props.get("updated_at"),
                    on_destroy=_on_destroy(bool(props.get("delete_records_on_destroy"))))
        return outs

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: CampaignArgs) -> dict[str, Any]:
        try:
            obj = self.config.client.update_campaign(_int(id_), self._fields(args, olds))
        except NotFound as exc:
            raise exc.with_hint(f"campaign {id_} was deleted in UnleashX; run `pulumi refresh` to drop it from "
                                "state, then `pulumi up` creates it again") from None
        except Conflict as exc:
            raise exc.with_hint(f"another campaign is already named {args.campaign_name!r}") from None
        return self._outputs(args, _int(id_), obj, olds)

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        client, campaign_id = self.config.client, _int(id_)
        name = props.get("campaign_name")
        try:
            held = client.campaign_audience_stats(campaign_id).total_audience
        except NotFound:
            return  # already gone
        records = f"its {held} audience record(s) were left in place"
        if props.get("delete_records_on_destroy") and held:
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
        # No documented campaign delete: pausing stops calls; the campaign stays in UnleashX.
        paused = client.update_campaign(campaign_id, {"campaign_status": "pause"})  # NotFound -> already gone
        if paused is not None and paused.campaign_name:
            name = paused.campaign_name  # its current name: it may have been renamed in the UnleashX UI
        pulumi.log.warn(
            f"{self.resource_label} {name!r} (id {campaign_id}) remains in UnleashX with status 'pause'; {records}. "
            "UnleashX has no API to delete campaigns. It is removed from this stack; delete it in the UnleashX UI "
            "if it is no longer needed (its name stays taken until then).")


# -- CampaignAudience ----------------------------------------------------------------------------------------
class CampaignAudienceProvider(_UnleashXBase):
    resource_label = "unleashx:CampaignAudience"
    read_by_id_unsupported = ("it owns the records of the phone numbers the program declares, which an id can't "
                              "name; declare campaign_id and phone_numbers and the next `pulumi up` takes the "
                              "matching records over")
    args_model = CampaignAudienceArgs
    # Records belong to one campaign: another campaign means other records (adopt new, delete old).
    replace_fields = frozenset({"campaign_id"})

    def comparable(self, field: str, props: Mapping[str, Any], *, state: bool) -> Any:
        value = props.get(field)
        if field == "phone_numbers" and isinstance(value, list):
            return sorted(canonical_phone(str(p)) for p in value)  # order and formatting don't matter
        if field == "campaign_id" and isinstance(value, (int, float, str)):
            try:
                return int(float(value))  # state holds 7.0 (protobuf numbers), a program may pass "7"
            except ValueError:
                return value
        return value

    def extra_checks(self, args: CampaignAudienceArgs, olds: Mapping[str, Any]) -> list[CheckFailure]:
        # Read-only lookup at preview: a number without a record can't be created by any API, so say so now.
        try:
            found = self.config.client.find_records(args.campaign_id, args.phone_numbers)
        except NotFound:
            return [CheckFailure("campaign_id", f"{self.resource_label}: campaign {args.campaign_id} does not exist "
                                                "in the token's workspace (UnleashX: \"Campaign not exist\")")]
        absent = [p for p in args.phone_numbers if not found[canonical_phone(p)]]
        if absent:
            return [CheckFailure("phone_numbers", _missing_message(self.resource_label, args.campaign_id, absent))]
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
        return {**args.model_dump(mode="json"), "records": [r.output() for r in records],
                "record_ids": [r.id for r in records]}

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

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        args = CampaignAudienceArgs.model_validate({k: props.get(k) for k in CampaignAudienceArgs.model_fields})
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


# -- resources -----------------------------------------------------------------------------------------------
def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


class Campaign(ReadableResource, Resource, module="unleashx", name="Campaign"):
    """An UnleashX calling campaign. Destroy pauses it (no delete API). See docs/unleashx/campaign.md."""

    provider_class = CampaignProvider

    campaign_name: pulumi.Output[str]
    agent_id: pulumi.Output[int]
    description: pulumi.Output[str]
    start_date: pulumi.Output[str]
    end_date: pulumi.Output[str]
    max_retry: pulumi.Output[int]
    max_delay: pulumi.Output[dict[str, int] | None]
    status: pulumi.Output[str]
    conditions: pulumi.Output[list[dict[str, Any]] | None]
    campaign_id: pulumi.Output[int]
    on_destroy: pulumi.Output[str]
    created_at: pulumi.Output[str | None]
    updated_at: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        campaign_name: pulumi.Input[str],
        agent_id: pulumi.Input[int],
        description: pulumi.Input[str],
        start_date: pulumi.Input[str] | datetime.date,
        end_date: pulumi.Input[str] | datetime.date,
        max_retry: pulumi.Input[int],
        max_delay: pulumi.Input[Mapping[str, int]] | None = None,
        status: pulumi.Input[str] = "draft",
        conditions: pulumi.Input[Sequence[Mapping[str, Any]]] | None = None,
        adopt_id: int | None = None,
        delete_records_on_destroy: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "campaign_name": campaign_name,
            "agent_id": agent_id,
            "description": description,
            "start_date": _iso(start_date),
            "end_date": _iso(end_date),
            "max_retry": max_retry,
            "max_delay": max_delay,
            "status": status,
            "conditions": conditions,
            "adopt_id": adopt_id,
            "delete_records_on_destroy": delete_records_on_destroy,
            "campaign_id": None,
            "on_destroy": None,
            "created_at": None,
            "updated_at": None,
        }
        super().__init__(CampaignProvider(), resource_name, props, opts)


class CampaignAudience(ReadableResource, Resource, module="unleashx", name="CampaignAudience"):
    """Existing audience records of one campaign, owned by phone number. See docs/unleashx/campaign-audience.md."""

    provider_class = CampaignAudienceProvider

    campaign_id: pulumi.Output[int]
    phone_numbers: pulumi.Output[list[str]]
    records: pulumi.Output[list[dict[str, Any]]]
    record_ids: pulumi.Output[list[int]]

    def __init__(self, resource_name: str, *, campaign_id: pulumi.Input[int],
                 phone_numbers: pulumi.Input[Sequence[pulumi.Input[str]]],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"campaign_id": campaign_id, "phone_numbers": phone_numbers, "records": None, "record_ids": None}
        super().__init__(CampaignAudienceProvider(), resource_name, props, opts)
