"""``sonarly:AudienceFolder``: a folder by name and audience type, read through navigation only. No Pulumi.

Folder names are not unique and creates are not idempotent, so a create whose answer was lost is reconciled
with ``_core/reconcile.py`` (never adopting a folder that existed before the attempt).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .._core.errors import ApiError, Conflict
from .._core.lifecycle import create_or_adopt
from .._core.reconcile import Snapshot, pick_created
from .base import SonarlyLifecycle, never_duplicate
from .client import Client
from .models import AudienceType, FolderObject, Name


# -- the resource's inputs and outputs ------------------------------------------------------------------------
class AudienceFolderArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Name
    audience_type: AudienceType = Field(description="Which audiences the folder may hold; immutable (replace).")


# -- outputs: what each resource records in the stack's state (inputs included) -------------------------------
class AudienceFolderState(BaseModel):
    """Every output of ``sonarly:AudienceFolder``; the Resource class's annotations and placeholders follow it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    audience_type: str | None
    # Not kept: isPinned and position (set in the app, never compared) and the timestamps (updatedAt moves with
    # every change, so each refresh would rewrite the state); nothing reads them from state.
    # The group the folder lives in, so later calls don't depend on what is configured or discovered then.
    account_group_id: str

    @classmethod
    def from_wire(cls, folder: FolderObject, *, name: str, audience_type: str | None,
                  account_group_id: str) -> AudienceFolderState:
        return cls(name=name, audience_type=audience_type, account_group_id=account_group_id)



# -- its lifecycle --------------------------------------------------------------------------------------------
def folder_by_id(client: Client, group: str, folder_id: str) -> FolderObject | None:
    """The folder ``folder_id`` of ``group``, from a navigation read kept on the client for preview-time checks.

    A folder this stack created after the kept read is not in it: a miss reads navigation again, once.
    """
    key = ("sonarly folders", group)
    fresh: list[bool] = []

    def load() -> dict[str, FolderObject]:
        fresh.append(True)
        return {f.id: f for f in client.get_navigation(group).folders}

    folders = client.once(key, load)
    if folder_id not in folders and not fresh:
        client.forget(key)
        folders = client.once(key, load)
    return folders.get(folder_id)


class AudienceFolderLifecycle(SonarlyLifecycle[AudienceFolderArgs]):
    """A Sonarly audience folder (holds audiences of one type)."""

    resource_label = "sonarly:AudienceFolder"
    args_model = AudienceFolderArgs
    state_model = AudienceFolderState
    # Rename is the only documented folder change; audienceType is fixed at create.
    replace_fields = frozenset({"audience_type"})

    @staticmethod
    def _outputs(args: AudienceFolderArgs, folder: FolderObject, group: str) -> dict[str, Any]:
        state = AudienceFolderState.from_wire(folder, name=args.name, audience_type=args.audience_type,
                                              account_group_id=group)
        return state.model_dump(mode="json")

    def create_resource(self, args: AudienceFolderArgs) -> tuple[str, dict[str, Any]]:
        client, group = self.config.client, self.config.account_group()
        nav = client.get_navigation(group)  # folders are read through navigation only
        snapshot = Snapshot.of((f.id for f in nav.folders if f.name == args.name), [nav.server_time])

        def create() -> FolderObject:
            return client.create_folder(group, args.name, args.audience_type)

        def find() -> FolderObject | None:
            folders = client.get_navigation(group).folders
            same = (f for f in folders if f.name == args.name and f.audience_type == args.audience_type)
            return pick_created(self.resource_label, args.name, same, snapshot, vendor=self.vendor)

        folder = create_or_adopt(create, find, is_duplicate=never_duplicate)
        return folder.id, self._outputs(args, folder, group)

    def locate(self, inputs: Mapping[str, Any], held: set[str]) -> list[tuple[str, str]] | None:
        args, group = self.parse(inputs), self.config.account_group()
        return [(f.id, f"folder {f.id} (name {f.name!r}, {f.audience_type})")
                for f in self.config.client.get_navigation(group).folders
                if f.name == args.name and f.audience_type == args.audience_type and f.id not in held]

    def _find(self, group: str, folder_id: str) -> FolderObject | None:
        return next((f for f in self.config.client.get_navigation(group).folders if f.id == folder_id), None)

    def read_resource(self, id_: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        group = self.group_of(props)
        folder = self._find(group, id_)
        if folder is None:
            return None
        state = AudienceFolderState.from_wire(folder, name=folder.name,
                                              audience_type=folder.audience_type or props.get("audience_type"),
                                              account_group_id=group)
        return state.model_dump(mode="json")

    def update_resource(self, id_: str, olds: Mapping[str, Any], args: AudienceFolderArgs) -> dict[str, Any]:
        group = self.group_of(olds)
        folder = self.config.client.rename_folder(group, id_, args.name)
        return self._outputs(args, folder, group)

    def delete_resource(self, id_: str, props: Mapping[str, Any]) -> None:
        group = self.group_of(props)
        try:
            self.config.client.delete_folder(group, id_)
        except Conflict as exc:
            if exc.code != "FOLDER_NOT_EMPTY":
                raise
            raise exc.with_hint("audiences not managed by this stack are still in the folder; move them out "
                                "(remove-from-folder) or delete them in Sonarly, then rerun `pulumi destroy`") from None
        except ApiError as exc:
            # The folder delete path is not in Sonarly's public docs: a 404/405 while the folder still exists
            # means the API lacks it, which must not pass for "already gone".
            if exc.status not in (404, 405):
                raise
            if self._find(group, id_) is None:
                return  # already gone
            raise exc.with_hint("this Sonarly API offers no folder delete; delete the folder in the Sonarly app, or "
                                "keep it by declaring the resource with `retain_on_delete=True`", ApiError) from None
