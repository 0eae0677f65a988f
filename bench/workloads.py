"""What a benchmark manages: the same objects as a Pulumi program, an OpenTofu configuration and floor requests.

:class:`ThriveWorkload` is the original comparison (1 Thrive structure + N-1 audiences). :class:`CompassWorkload`
is the mixed one of issue #20: N resources split across the four vendors (Thrive structure + audiences, Sonarly
audiences, Batch audiences with members, UnleashX campaigns).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from .tofu_hcl import compass_hcl, thrive_hcl

if TYPE_CHECKING:
    from .contenders import Emulator

# The emulators' demo credentials (emulators/<vendor>/__init__.py), not secrets.
CREDS = {
    "thrive": {"tenant": "demo-tenant", "secret": "demo-thrive-secret"},
    "sonarly": {"api_key": "sk_live_demo_full", "account_group": "ag_demo"},
    "batch": {"api_key": "demo-batch-rest-key", "project_key": "project_demo0000000000000000000000000"},
    "unleashx": {"token": "demo-unleashx-token"},
}
VENDORS = ("thrive", "sonarly", "batch", "unleashx")



def emulator_overrides(batch_indexing_seconds: float | None) -> dict[str, dict[str, Any]]:
    """Per-vendor emulator settings from the command line: the Batch emulator's indexing delay (invented, 0.2 s by
    default; Batch documents indexing as "usually done in real time"), when given."""
    return {"batch": {"indexing_seconds": batch_indexing_seconds}} if batch_indexing_seconds is not None else {}


class Send(Protocol):
    def __call__(self, vendor: str, method: str, path: str, body: dict[str, Any] | None = None,
                 params: dict[str, Any] | None = None) -> Awaitable[Any]: ...


class Workload:
    name = ""
    project = ""
    vendors: tuple[str, ...] = ()
    emulator_config: dict[str, dict[str, Any]] = {}

    def split(self, n: int) -> dict[str, int]:
        raise NotImplementedError

    def program(self, n: int) -> str:
        raise NotImplementedError

    def config(self, emu: Emulator) -> list[str]:
        """Arguments of `pulumi config set-all`."""
        raise NotImplementedError

    def hcl(self, emu: Emulator, n: int) -> str:
        raise NotImplementedError

    async def floor(self, phase: str, emu: Emulator, n: int, concurrency: int, memo: dict[str, Any]) -> None:
        raise NotImplementedError

    def live(self, emu: Emulator) -> dict[str, int]:
        """Objects per vendor that still exist as far as the workload is concerned."""
        raise NotImplementedError

    def env(self, emu: Emulator) -> dict[str, str]:
        """Environment a Pulumi contender's commands need for this workload against ``emu``."""
        return {}

    def emptied_by(self, tool: str) -> tuple[str, ...]:
        """Vendors whose objects `destroy` of this tool must leave at 0."""
        return self.vendors


def _config_args(vendor: str, emu: Emulator) -> list[str]:
    url, c = emu.base_urls[vendor], CREDS[vendor]
    plain = {
        "thrive": {"baseUrl": url, "tenantId": c.get("tenant", "")},
        "sonarly": {"baseUrl": url, "accountGroupId": c.get("account_group", "")},
        "batch": {"baseUrl": url, "projectKey": c.get("project_key", "")},
        "unleashx": {"baseUrl": url},
    }[vendor]
    secret = {"thrive": ("apiSecret", c.get("secret")), "sonarly": ("apiKey", c.get("api_key")),
              "batch": ("apiKey", c.get("api_key")), "unleashx": ("token", c.get("token"))}[vendor]
    args = [a for k, v in plain.items() for a in ("--plaintext", f"{vendor}:{k}={v}")]
    return [*args, "--secret", f"{vendor}:{secret[0]}={secret[1]}"]


def _sender(clients: dict[str, httpx.AsyncClient], concurrency: int) -> Send:
    gate = asyncio.Semaphore(concurrency)  # one budget across vendors, as tofu's -parallelism is

    async def send(vendor: str, method: str, path: str, body: dict[str, Any] | None = None,
                   params: dict[str, Any] | None = None) -> Any:
        async with gate:
            resp = await clients[vendor].request(method, path, json=body, params=params)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    return send


def _clients(emu: Emulator, vendors: tuple[str, ...], concurrency: int) -> dict[str, httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {
        "thrive": {},
        "sonarly": {"Authorization": f"Bearer {CREDS['sonarly']['api_key']}"},
        "batch": {"Authorization": f"Bearer {CREDS['batch']['api_key']}",
                  "X-Batch-Project": CREDS["batch"]["project_key"]},
        "unleashx": {"token": CREDS["unleashx"]["token"]},
    }
    auth = httpx.BasicAuth(CREDS["thrive"]["tenant"], CREDS["thrive"]["secret"])
    return {v: httpx.AsyncClient(base_url=emu.base_urls[v], headers=headers[v], limits=limits, timeout=60,
                                 auth=auth if v == "thrive" else None) for v in vendors}


async def _thrive_floor(send: Send, phase: str, count: int, memo: dict[str, Any], prefix: str) -> None:
    if phase == "up":
        root = await send("thrive", "POST", "/audiences", {"name": f"{prefix.title()} root",
                                                             "reference": f"{prefix}-root", "category": "structure"})
        memo["thrive_root"] = root["id"]
        made = await asyncio.gather(*(
            send("thrive", "POST", "/audiences", {"name": f"{prefix.title()} {i}", "reference": f"{prefix}-{i:04d}",
                                                  "category": "audience", "parentId": root["id"]})
            for i in range(count - 1)))
        memo["thrive"] = [m["id"] for m in made]
    elif phase == "refresh":
        await asyncio.gather(*(send("thrive", "GET", f"/audiences/{i}")
                               for i in [memo["thrive_root"], *memo["thrive"]]))
    elif phase == "destroy":
        await asyncio.gather(*(send("thrive", "DELETE", f"/audiences/{i}") for i in memo["thrive"]))
        await send("thrive", "DELETE", f"/audiences/{memo['thrive_root']}")


class ThriveWorkload(Workload):
    """1 Thrive structure + N-1 audiences under it."""

    name = "thrive"
    project = "thrive-bench"
    vendors = ("thrive",)

    def split(self, n: int) -> dict[str, int]:
        return {"thrive": n}

    def program(self, n: int) -> str:
        return f'''\
"""Generated by bench/harness.py: 1 structure + {n - 1} audiences under it."""

from audience_providers import thrive

root = thrive.Structure("root", name="Bench root", reference="bench-root")
for i in range({n - 1}):
    thrive.Audience(f"a{{i}}", name=f"Bench {{i}}", reference=f"bench-{{i:04d}}", parent=root.id)
'''

    def config(self, emu: Emulator) -> list[str]:
        return _config_args("thrive", emu)

    def hcl(self, emu: Emulator, n: int) -> str:
        return thrive_hcl(emu.base_url, CREDS["thrive"]["tenant"], CREDS["thrive"]["secret"], n)

    async def floor(self, phase: str, emu: Emulator, n: int, concurrency: int, memo: dict[str, Any]) -> None:
        clients = _clients(emu, self.vendors, concurrency)
        try:
            await _thrive_floor(_sender(clients, concurrency), phase, n, memo, "bench")
        finally:
            for client in clients.values():
                await client.aclose()

    def live(self, emu: Emulator) -> dict[str, int]:
        return {"thrive": emu.audience_count()}


class CompassWorkload(Workload):
    """N resources split across the four vendors (or only ``vendors``), the same objects for every contender.

    Thrive gets the remainder and at least 2 (a structure and an audience); Batch audiences carry ``members`` ids.
    """

    name = "compass"
    project = "compass-bench"

    def __init__(self, vendors: tuple[str, ...] = VENDORS, members: int = 3,
                 emulator_config: dict[str, dict[str, Any]] | None = None, *, native: bool = False,
                 sdk_floor: bool = False) -> None:
        self.vendors = vendors
        self.members = members
        self.emulator_config = emulator_config or {}
        # The plugin path: the same objects through pulumi-resource-<vendor> (resource tokens, camelCase inputs).
        self.native = native
        # The same objects through bench/sdk_floor.py's minimal dynamic provider (the `sdkfloor` contender).
        self.sdk_floor = sdk_floor

    def split(self, n: int) -> dict[str, int]:
        share = n // len(self.vendors)
        split = {v: share for v in self.vendors}
        split[self.vendors[0]] += n - share * len(self.vendors)
        if split.get("thrive", 2) < 2:
            raise ValueError(f"N={n} leaves Thrive fewer than 2 resources (a structure and an audience)")
        return split

    def env(self, emu: Emulator) -> dict[str, str]:
        if not self.sdk_floor:
            return {}
        from .contenders import ROOT
        from .sdk_floor import ENV, endpoints

        # The program and its provider import bench.sdk_floor from the repository.
        return {ENV: endpoints(emu.base_urls, CREDS), "PYTHONPATH": str(ROOT)}

    def program(self, n: int) -> str:
        ids = f'[f"member-{{i:04d}}-{{m}}" for m in range({self.members})]'
        if self.sdk_floor:
            return self._program(n, ", through bench/sdk_floor.py", "from bench.sdk_floor import Thing", [
                'root = Thing("t-root", "thrive-structure",',
                '             {"name": "Compass root", "reference": "compass-root", "category": "structure"})',
            ], {
                "thrive": [
                    '    Thing(f"t{i}", "thrive-audience", {"name": f"Compass {i}", "reference": f"compass-{i:04d}",',
                    '          "category": "audience"}, parent=root.id)'],
                "sonarly": [
                    '    Thing(f"s{i}", "sonarly", {"name": f"Compass {i:04d}", "type": "monitoring",',
                    '          "description": "compass benchmark"})'],
                "batch": [
                    '    Thing(f"b{i}", "batch", {"name": f"compass_{i:04d}", "display_name": f"Compass {i:04d}",',
                    f'          "ids": {ids}}})'],
                "unleashx": [
                    '    Thing(f"u{i}", "unleashx", {"campaign_name": f"Compass {i:04d}", "agent_id": 101,',
                    '          "description": "compass benchmark", "start_date": "2026-01-05",',
                    '          "end_date": "2026-03-31", "max_retry": 1})'],
            })
        if self.native:
            return self._program(n, ", through the provider plugins", "from pulumi import CustomResource as R", [
                'root = R("thrive:index:Structure", "t-root",',
                '         {"name": "Compass root", "reference": "compass-root"})',
            ], {
                "thrive": [
                    '    R("thrive:index:Audience", f"t{i}",',
                    '      {"name": f"Compass {i}", "reference": f"compass-{i:04d}", "parent": root.id})'],
                "sonarly": [
                    '    R("sonarly:index:Audience", f"s{i}",',
                    '      {"name": f"Compass {i:04d}", "type": "monitoring", "description": "compass benchmark"})'],
                "batch": [
                    '    R("batch:index:Audience", f"b{i}", {"name": f"compass_{i:04d}",',
                    '      "displayName": f"Compass {i:04d}",',
                    f'      "members": {ids}}})'],
                "unleashx": [
                    '    R("unleashx:index:Campaign", f"u{i}", {"campaignName": f"Compass {i:04d}", "agentId": 101,',
                    '      "description": "compass benchmark", "startDate": "2026-01-05", "endDate": "2026-03-31",',
                    '      "maxRetry": 1})'],
            })
        return self._program(n, "", f"from audience_providers import {', '.join(sorted(self.vendors))}", [
            'root = thrive.Structure("t-root", name="Compass root", reference="compass-root")',
        ], {
            "thrive": [
                '    thrive.Audience(f"t{i}", name=f"Compass {i}", reference=f"compass-{i:04d}", parent=root.id)'],
            "sonarly": [
                '    sonarly.Audience(f"s{i}", name=f"Compass {i:04d}", type="monitoring",',
                '                     description="compass benchmark")'],
            "batch": [
                '    batch.Audience(f"b{i}", name=f"compass_{i:04d}", display_name=f"Compass {i:04d}",',
                f'                   members={ids})'],
            "unleashx": [
                '    unleashx.Campaign(f"u{i}", campaign_name=f"Compass {i:04d}", agent_id=101,',
                '                      description="compass benchmark", start_date="2026-01-05",',
                '                      end_date="2026-03-31", max_retry=1)'],
        })

    def _program(self, n: int, how: str, imports: str, thrive_root: list[str], loop_body: dict[str, list[str]]) -> str:
        """The program text: each vendor's share as one loop over ``loop_body[vendor]`` (Thrive: its root first)."""
        split = self.split(n)
        lines = [f'"""Generated by bench/compass.py: the compass workload {split}{how}."""', "", imports, ""]
        for vendor in VENDORS:
            count = split.get(vendor, 0)
            if not count:
                continue
            if vendor == "thrive":
                lines += thrive_root
                count -= 1
            lines += [f"for i in range({count}):", *loop_body[vendor]]
        return "\n".join(lines) + "\n"

    def config(self, emu: Emulator) -> list[str]:
        return [a for v in self.vendors for a in _config_args(v, emu)]

    def hcl(self, emu: Emulator, n: int) -> str:
        return compass_hcl(emu.base_urls, self.split(n), CREDS, self.members)

    async def floor(self, phase: str, emu: Emulator, n: int, concurrency: int, memo: dict[str, Any]) -> None:
        split = self.split(n)
        clients = _clients(emu, self.vendors, concurrency)
        send = _sender(clients, concurrency)
        ag = f"/accounts/{CREDS['sonarly']['account_group']}/audiences"
        jobs: list[Awaitable[Any]] = []
        try:
            if split.get("thrive"):
                jobs.append(_thrive_floor(send, phase, split["thrive"], memo, "compass"))
            s, b, u = split.get("sonarly", 0), split.get("batch", 0), split.get("unleashx", 0)
            if phase == "up":
                async def sonarly_up(i: int) -> None:
                    made = await send("sonarly", "POST", ag, {"name": f"Compass {i:04d}", "type": "monitoring",
                                                             "description": "compass benchmark"})
                    memo.setdefault("sonarly", []).append(made["data"]["id"])

                async def unleashx_up(i: int) -> None:
                    made = await send("unleashx", "POST", "/create-campaign", {
                        "campaign_name": f"Compass {i:04d}", "agent_id": 101, "description": "compass benchmark",
                        "start_date": "2026-01-05", "end_date": "2026-03-31", "max_retry": 1})
                    memo.setdefault("unleashx", []).append(made["data"]["id"])

                async def batch_up(i: int) -> None:
                    # Create takes no ids: the members follow in one update (without waiting for indexing).
                    name = f"compass_{i:04d}"
                    await send("batch", "POST", "/audiences/create", {"name": name, "display_name": f"Compass {i:04d}",
                                                                       "type": "custom_ids"})
                    ids = [{"id": f"member-{i:04d}-{m}", "action": "add"} for m in range(self.members)]
                    await send("batch", "POST", "/audiences/update", {"name": name, "ids": ids})

                jobs += [sonarly_up(i) for i in range(s)]
                jobs += [batch_up(i) for i in range(b)]
                jobs += [unleashx_up(i) for i in range(u)]
            elif phase == "refresh":
                jobs += [send("sonarly", "GET", f"{ag}/{i}") for i in memo.get("sonarly", [])]
                jobs += [send("batch", "GET", "/audiences/view", None, {"name": f"compass_{i:04d}"}) for i in range(b)]
                jobs += [send("unleashx", "GET", "/campaign-audience-stats", None, {"campaign_id": i})
                         for i in memo.get("unleashx", [])]
            elif phase == "destroy":
                jobs += [send("sonarly", "DELETE", f"{ag}/{i}") for i in memo.get("sonarly", [])]
                jobs += [send("batch", "POST", "/audiences/remove", {"name": f"compass_{i:04d}"}) for i in range(b)]
                # No campaign delete in UnleashX: pausing is what our provider's destroy does.
                jobs += [send("unleashx", "POST", "/update-campaign", {"id": i, "campaign_status": "pause"})
                         for i in memo.get("unleashx", [])]
            await asyncio.gather(*jobs)
        finally:
            for client in clients.values():
                await client.aclose()

    def live(self, emu: Emulator) -> dict[str, int]:
        out: dict[str, int] = {}
        for vendor in self.vendors:
            if vendor == "unleashx":
                # Destroy pauses a campaign (there is no delete): a paused one counts as gone.
                out[vendor] = sum(1 for c in emu[vendor].objects("campaigns").values()
                                  if c.get("campaign_status") != "pause")
            elif vendor == "batch":
                # Remove is asynchronous (it settles like any write): an accepted removal counts as gone, since
                # restapi and the floor do not wait for it.
                out[vendor] = sum(1 for a in emu[vendor].objects("audiences").values() if not a.get("removing"))
            else:
                out[vendor] = len(emu[vendor].objects("audiences"))
        return out

    def emptied_by(self, tool: str) -> tuple[str, ...]:
        # tofu cannot express UnleashX's pause-as-destroy (bench/tofu_hcl.py NOT_EXPRESSIBLE).
        return tuple(v for v in self.vendors if not (tool == "tofu" and v == "unleashx"))
