"""The least a Python dynamic provider can cost through this engine and SDK: the `sdkfloor` contender.

The compass workload's objects, declared as `pulumi.dynamic.Resource`s whose provider sends exactly the HTTP
floor's requests for each object (`workloads.CompassWorkload.floor`) and nothing else: no input validation, no
ownership checks, no credential check, no waiting for Batch's indexing, no drift read-back, two or three inputs per
object. It runs through the same `pulumi` CLI, language host and dynamic-provider launcher as ours, at the same
`--parallel`, and, like a user's program of ours (issue #31 point 4), on the SDK's defaults: the SDK's whole stack
trace per resource, the SDK's own end-of-program wait, no garbage-collector tuning. So `sdkfloor` / tofu is what the
engine and the Python SDK alone leave for a phase, and us / sdkfloor (state bytes included, issue #34 decision 3)
is what our providers add on top of that.

The program imports only this module and `pulumi.dynamic`, nothing of ours; httpx is imported in the provider
process on its first call. Endpoints and the bench's demo credentials come from ``BENCH_SDK_FLOOR`` (JSON,
set by the contender), so none of them is in the state.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from typing import Any

from pulumi import Input, Output, ResourceOptions
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

ENV = "BENCH_SDK_FLOOR"
_clients: dict[str, Any] = {}
_lock = threading.Lock()


@functools.cache
def _endpoints() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(os.environ[ENV])
    return parsed


def _client(vendor: str) -> Any:
    with _lock:
        client = _clients.get(vendor)
        if client is None:
            import httpx

            spec = _endpoints()[vendor]
            auth = httpx.BasicAuth(*spec["basic"]) if spec.get("basic") else None
            client = _clients[vendor] = httpx.Client(base_url=spec["url"], headers=spec.get("headers", {}),
                                                     auth=auth, timeout=60)
        return client


def _send(vendor: str, method: str, path: str, body: dict[str, Any] | None = None,
          params: dict[str, Any] | None = None) -> Any:
    resp = _client(vendor).request(method, path, json=body, params=params)
    resp.raise_for_status()
    return resp.json() if resp.content else None


def _sonarly_path() -> str:
    return f"/accounts/{_endpoints()['sonarly']['account_group']}/audiences"


class FloorProvider(ResourceProvider):
    """One provider for every kind; ``props["kind"]`` says which requests an object takes."""

    serialize_as_secret_always = False  # as ours: it captures no secret, so the state needs no ciphertext

    def create(self, props: dict[str, Any]) -> CreateResult:
        # Pulumi carries numbers as floats: 101 arrives as 101.0, which UnleashX doesn't take for an agent id.
        kind = props["kind"]
        body: dict[str, Any] = {k: int(v) if isinstance(v, float) and v.is_integer() else v
                                for k, v in props["body"].items()}
        if kind in ("thrive-structure", "thrive-audience"):
            if props.get("parent"):
                body["parentId"] = props["parent"]
            made = _send("thrive", "POST", "/audiences", body)
            return CreateResult(str(made["id"]), props)
        if kind == "sonarly":
            return CreateResult(str(_send("sonarly", "POST", _sonarly_path(), body)["data"]["id"]), props)
        if kind == "batch":
            ids = body.pop("ids")
            _send("batch", "POST", "/audiences/create", {**body, "type": "custom_ids"})
            _send("batch", "POST", "/audiences/update",
                  {"name": body["name"], "ids": [{"id": i, "action": "add"} for i in ids]})
            return CreateResult(body["name"], props)
        if kind == "unleashx":
            return CreateResult(str(_send("unleashx", "POST", "/create-campaign", body)["data"]["id"]), props)
        raise ValueError(f"unknown kind {kind!r}")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        _send(*_request("read", props["kind"], id_))
        return ReadResult(id_, props)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _send(*_request("delete", props["kind"], id_))


def _request(operation: str, kind: str, id_: str) -> tuple[str, str, str, dict[str, Any] | None,
                                                           dict[str, Any] | None]:
    """(vendor, method, path, body, params) of the floor's read or delete of one object."""
    vendor = "thrive" if kind.startswith("thrive") else kind
    if vendor == "thrive":
        return vendor, "GET" if operation == "read" else "DELETE", f"/audiences/{id_}", None, None
    if vendor == "sonarly":
        return vendor, "GET" if operation == "read" else "DELETE", f"{_sonarly_path()}/{id_}", None, None
    if vendor == "batch":
        if operation == "read":
            return vendor, "GET", "/audiences/view", None, {"name": id_}
        return vendor, "POST", "/audiences/remove", {"name": id_}, None
    if operation == "read":
        return vendor, "GET", "/campaign-audience-stats", None, {"campaign_id": id_}
    return vendor, "POST", "/update-campaign", {"id": int(id_), "campaign_status": "pause"}, None


PROVIDER = FloorProvider()


# No adjustment of the SDK's program side here (stack traces, end-of-program wait, gc): a user's program of ours
# runs on the SDK's defaults (audience_providers.tuning.install() is the user's own choice), so the floor does too.


class Thing(Resource):
    """One vendor object: ``kind`` (which requests), ``body`` (the create's JSON), ``parent`` (a Thrive parent id)."""

    def __init__(self, name: str, kind: str, body: dict[str, Any], parent: Input[str] | None = None,
                 opts: ResourceOptions | None = None) -> None:
        super().__init__(PROVIDER, name, {"kind": kind, "body": body, "parent": parent}, opts)

    kind: Output[str]


def endpoints(base_urls: dict[str, str], creds: dict[str, dict[str, str]]) -> str:
    """The value of ``BENCH_SDK_FLOOR`` for emulators at ``base_urls`` (the same headers as the HTTP floor)."""
    spec: dict[str, Any] = {
        "thrive": {"basic": [creds["thrive"]["tenant"], creds["thrive"]["secret"]]},
        "sonarly": {"headers": {"Authorization": f"Bearer {creds['sonarly']['api_key']}"},
                    "account_group": creds["sonarly"]["account_group"]},
        "batch": {"headers": {"Authorization": f"Bearer {creds['batch']['api_key']}",
                              "X-Batch-Project": creds["batch"]["project_key"]}},
        "unleashx": {"headers": {"token": creds["unleashx"]["token"]}},
    }
    return json.dumps({v: {**s, "url": base_urls[v]} for v, s in spec.items() if v in base_urls})
