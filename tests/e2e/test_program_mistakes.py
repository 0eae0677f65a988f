"""Mistakes inside one program are refused at `preview`, through the real CLI, before any write (issue #32).

Each case declares what a user would mistype (tests/e2e/programs/mistakes declares whatever the `resources` config
lists), runs `pulumi preview` and reads the emulators' request logs: a refused case sends no request but reads.
Covered: a string where a list belongs (1), a natural key declared twice or an object that doesn't fit the one
declared beside it (2), settings (3), and the messages (5); the lifecycle loop (4) is in test_lifecycle_loop.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest

from tests.conftest import Emulators, LiveEmulator

from .conftest import MakeStack, Stack
from .fleet import configure_vendor, destroy_and_check

pytestmark = pytest.mark.e2e

Lives = dict[str, LiveEmulator]
CAMPAIGN: dict[str, Any] = {"agent_id": 101, "description": "Calls", "start_date": "2030-01-01",
                            "end_date": "2030-01-31", "max_retry": 1}


def res(vendor: str, kind: str, resource_name: str, /, after: tuple[str, ...] = (), **args: Any) -> dict[str, Any]:
    """One resource of the `mistakes` program; ``after`` names resources it depends on (checked before it)."""
    return {"vendor": vendor, "kind": kind, "name": resource_name, "args": args, "after": list(after)}


def ref(name: str, attr: str = "id") -> dict[str, str]:
    return {"ref": name, "attr": attr}


def _stack(make_stack: MakeStack, emulator: Emulators, *vendors: str) -> tuple[Lives, Stack]:
    stack = make_stack("mistakes")
    lives = {vendor: emulator(vendor) for vendor in vendors}
    for vendor, live in lives.items():
        configure_vendor(stack, live, vendor)
    return lives, stack


def declare(stack: Stack, *resources: dict[str, Any]) -> None:
    stack.config("resources", json.dumps(list(resources)))


def writes(lives: Lives) -> list[str]:
    return [f"{v} {r['method']} {r['path']}" for v, live in lives.items() for r in live.requests()
            if r["method"] not in ("GET", "HEAD")]


def clear(lives: Lives) -> None:
    for live in lives.values():
        live.clear_requests()


def diagnostics(text: str) -> dict[str, list[str]]:
    """The Diagnostics section: each heading (`  <type> (<name>):`) with its lines."""
    sections: dict[str, list[str]] = {}
    heading = ""
    for line in text.split("Diagnostics:", 1)[-1].split("\nResources:", 1)[0].splitlines():
        if re.match(r"^  \S.*:$", line):
            heading = line.strip()[:-1]
            sections.setdefault(heading, [])
        elif line.strip() and heading:
            sections[heading].append(line.strip())
    return sections


def twice(field: str, value: str, one: str, other: str) -> re.Pattern[str]:
    """The message naming both resources of a key declared twice, in whichever order the engine checked them (it
    checks resources that don't depend on each other in no fixed order)."""
    names = f"(?:{re.escape(one)} and by {re.escape(other)}|{re.escape(other)} and by {re.escape(one)})"
    return re.compile(f"{field} {re.escape(repr(value))} is declared twice in this program, by {names}")


def refused(stack: Stack, lives: Lives, *expected: str | re.Pattern[str]) -> str:
    """`pulumi preview` fails with every ``expected`` text, once, and the vendors saw only reads."""
    clear(lives)
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert writes(lives) == [], text
    assert "Traceback" not in text and "Unexpected <class" not in text, text
    found = diagnostics(text)
    ours = [line for lines in found.values() for line in lines if line.startswith("error:")
            and "Resource monitor has terminated" not in line]
    assert len(ours) == 1, found  # one message for the one mistake
    for part in expected:
        assert (part.search(ours[0]) if isinstance(part, re.Pattern) else part in ours[0]), (part, ours[0])
    return ours[0]


# -- 1. a string where a list belongs ---------------------------------------------------------------------------
@pytest.mark.parametrize("members", ["gold", "vip_ids.txt"])
def test_preview__batch_members_given_a_string_is_refused_not_split(make_stack: MakeStack, emulator: Emulators,
                                                                   members: str) -> None:
    lives, stack = _stack(make_stack, emulator, "batch")
    declare(stack, res("batch", "Audience", "v", name="nu_str", display_name="V", members=members))
    clear(lives)
    out = stack.preview(check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    # Refused where it is declared: the program stops before the resource is registered, so nothing is sent.
    assert [r for live in lives.values() for r in live.requests()] == []
    assert f"batch:Audience 'v': members: expected a list of ids, got the string {members!r}" in text, text
    assert f"batch.Members.from_file({members!r})" in text
    assert "id 'i' is listed twice" not in text and "Resource monitor has terminated" not in text
    assert text.count("expected a list of ids") == 2  # the row and the Diagnostics section: the engine's echo


@pytest.mark.parametrize(("resource", "field", "says"), [
    (res("thrive", "AudienceMembers", "m", audience="pc-team", members="user1"), "members",
     "Input should be a valid list"),
    (res("thrive", "AudienceMembers", "m", audience="pc-team", members=["user1", "USER1"]), "members",
     "'USER1' is listed twice (also members[0]"),
    (res("thrive", "AudienceMembers", "m", audience="pc-team", members=["user1", ""]), "members.1",
     "at least 1 character"),
    (res("thrive", "AudienceManagers", "g", audience="pc-team", managers="user1"), "managers",
     "Input should be a valid list"),
    (res("unleashx", "CampaignAudience", "r", campaign_id=7001, phone_numbers="+15550000001"), "phone_numbers",
     "Input should be a valid list"),
    (res("sonarly", "Audience", "s", name="S", type="monitoring", prospect_urls="https://www.linkedin.com/in/x"),
     "prospect_urls", "Input should be a valid list"),
    (res("unleashx", "Campaign", "c", campaign_name="C", conditions="status == active", **CAMPAIGN), "conditions",
     "Input should be a valid list"),
], ids=["thrive-members-string", "thrive-members-twice", "thrive-members-empty", "thrive-managers-string",
        "unleashx-phones-string", "sonarly-urls-string", "unleashx-conditions-string"])
def test_preview__list_input_of_the_wrong_shape_is_refused_naming_resource_and_field(
        make_stack: MakeStack, emulator: Emulators, resource: dict[str, Any], field: str, says: str) -> None:
    lives, stack = _stack(make_stack, emulator, resource["vendor"])
    declare(stack, resource)
    message = refused(stack, lives, says)
    label = f"{resource['vendor']}:{resource['kind']}"
    assert f"resource '{resource['name']}': property {field} value" in message and f"{label}: " in message, message


# -- 2. what one program declares is checked against itself -------------------------------------------------------
TWICE = {
    "thrive": ([res("thrive", "Structure", "a", name="A", reference="nu-dup"),
                res("thrive", "Audience", "b", name="B", reference="nu-dup", parent=ref("a"))],
               twice("reference", "nu-dup", "thrive:Structure 'a'", "thrive:Audience 'b'")),
    "batch": ([res("batch", "Audience", "a", name="nu_dup", display_name="A"),
               res("batch", "Audience", "b", name="nu_dup", display_name="B")],
              twice("name", "nu_dup", "batch:Audience 'a'", "batch:Audience 'b'")),
    "unleashx": ([res("unleashx", "Campaign", "a", campaign_name="Nu calls", **CAMPAIGN),
                  res("unleashx", "Campaign", "b", campaign_name="NU CALLS", **CAMPAIGN)],
                 re.compile(r"campaign_name '(Nu calls|NU CALLS)' is declared twice in this program, by "
                            r"unleashx:Campaign '[ab]' and by unleashx:Campaign '[ab]'")),
}


@pytest.mark.parametrize("vendor", list(TWICE))
def test_preview__natural_key_declared_twice_is_refused_naming_both(make_stack: MakeStack, emulator: Emulators,
                                                                    vendor: str) -> None:
    lives, stack = _stack(make_stack, emulator, vendor)
    resources, says = TWICE[vendor]
    declare(stack, *resources)
    refused(stack, lives, says, "Nothing was changed")
    # `pulumi up` previews first: it stops there too, with nothing created.
    clear(lives)
    out = stack.run("up", "--yes", "--non-interactive", "--stack", stack.name, check=False)
    assert out.returncode != 0 and writes(lives) == [], out.stdout


def test_up__after_a_partial_failure_a_key_held_by_the_stack_is_refused_for_a_second_resource(
        make_stack: MakeStack, emulator: Emulators) -> None:
    lives, stack = _stack(make_stack, emulator, "thrive")
    a = res("thrive", "Structure", "a", name="A", reference="nu-held")
    declare(stack, a)
    stack.up()  # what a run that failed on `b` had left: `a` created, in the state
    declare(stack, a, res("thrive", "Structure", "b", name="B", reference="nu-held", after=("a",)))
    refused(stack, lives, twice("reference", "nu-held", "thrive:Structure 'a'", "thrive:Structure 'b'"))
    # Checked the other way round, `b` meets the object `a` made: the message says a resource of the program may
    # hold it (nothing but the order of the checks tells the two cases apart).
    declare(stack, res("thrive", "Structure", "b", name="B", reference="nu-held"),
            res("thrive", "Structure", "a", name="A", reference="nu-held", after=("b",)))
    refused(stack, lives, "reference 'nu-held' is already taken in Thrive by structure",
            "If another resource of this program declares reference 'nu-held' too, that one holds it")
    # The key moving from `a` to `b` in one update (a renamed, b takes its old reference) races: refused too.
    declare(stack, res("thrive", "Structure", "a", name="A", reference="nu-moved"),
            res("thrive", "Structure", "b", name="B", reference="nu-held", after=("a",)))
    refused(stack, lives, "reference 'nu-held' moves from one resource of this stack to another in one update "
                          "(thrive:Structure 'a' and thrive:Structure 'b')")
    declare(stack, a)
    stack.preview("--expect-no-changes")
    destroy_and_check(stack, lives)


def test_preview__sonarly_audience_in_a_folder_declared_beside_it_must_fit_its_type(make_stack: MakeStack,
                                                                                    emulator: Emulators) -> None:
    lives, stack = _stack(make_stack, emulator, "sonarly")
    folder = res("sonarly", "AudienceFolder", "f", name="Nu folder", audience_type="on_demand")
    declare(stack, folder, res("sonarly", "Audience", "x", name="Nu CFOs", type="monitoring", folder_id=ref("f")))
    refused(stack, lives, "type 'monitoring' does not match its folder", "sonarly:AudienceFolder 'f', which holds "
                                                                         "on_demand audiences")
    declare(stack, folder, res("sonarly", "Audience", "x", name="Nu CFOs", type="on_demand", folder_id=ref("f")))
    stack.preview()
    stack.up()
    (audience,) = lives["sonarly"].objects("audiences").values()
    assert audience["type"] == "on_demand" and audience.get("folderId") in lives["sonarly"].objects("folders")
    destroy_and_check(stack, lives)


def test_preview__thrive_parent_declared_beside_holds_whether_named_by_id_or_reference(make_stack: MakeStack,
                                                                                      emulator: Emulators) -> None:
    lives, stack = _stack(make_stack, emulator, "thrive")
    root = res("thrive", "Structure", "root", name="Root", reference="nu-root")
    team = res("thrive", "Audience", "team", name="Team", reference="nu-team", parent=ref("root"))
    # Under a child audience this program creates, by its id (not known at preview), where the program creates no
    # structure that id could be: named.
    lives["thrive"].seed({"audiences": [{"name": "Existing", "reference": "nu-existing", "apiControlled": True}]})
    declare(stack, res("thrive", "Audience", "team", name="Team", reference="nu-team", parent="nu-existing"),
            res("thrive", "Audience", "sub", name="Sub", reference="nu-sub", parent=ref("team")))
    refused(stack, lives, "parent is the id of an object this program creates", "thrive:Audience 'team'")
    # ... by its reference: Thrive has no such object yet, and nothing orders the creates.
    declare(stack, root, team, res("thrive", "Audience", "sub", name="Sub", reference="nu-sub", parent="nu-team",
                                   after=("team",)))
    refused(stack, lives, "parent 'nu-team' is the reference of thrive:Audience 'team', a child audience")
    # Under a structure declared beside it by reference: refused with the fix (a reference orders nothing).
    declare(stack, root, res("thrive", "Audience", "t2", name="T2", reference="nu-t2", parent="nu-root",
                             after=("root",)))
    refused(stack, lives, "parent 'nu-root' is the reference of thrive:Structure 'root', which this program "
                          "creates", "Pass its id instead (parent=root.id)")
    # By its id: fine, although Thrive has no such structure yet.
    declare(stack, root, team)
    stack.preview()
    stack.up()
    audiences = {a["reference"]: a for a in lives["thrive"].objects("audiences").values()}
    assert audiences["nu-team"]["parent"]["reference"] == "nu-root"
    destroy_and_check(stack, lives)


def test_preview__unleashx_records_of_a_campaign_this_program_creates_are_refused(make_stack: MakeStack,
                                                                                  emulator: Emulators) -> None:
    lives, stack = _stack(make_stack, emulator, "unleashx")
    declare(stack, res("unleashx", "Campaign", "c", campaign_name="Nu fresh", **CAMPAIGN),
            res("unleashx", "CampaignAudience", "r", campaign_id=ref("c", "campaign_id"),
                phone_numbers=["+15550000001"]))
    refused(stack, lives, "campaign_id is the id of a campaign this program creates (unleashx:Campaign 'c'")
    assert lives["unleashx"].objects("campaigns") == {}  # no campaign (it could never be deleted)


# -- 3. settings are checked like inputs ------------------------------------------------------------------------
@pytest.mark.parametrize(("vendor", "key", "meant"), [
    ("sonarly", "sonarly:notReadyTimout", "sonarly:notReadyTimeout"),
    ("sonarly", "sonarly:requestPerMinute", "sonarly:requestsPerMinute"),
    ("thrive", "thrive:tennantId", "thrive:tenantId"),
])
def test_preview__unknown_setting_is_refused_naming_the_closest_known_one(make_stack: MakeStack,
                                                                          emulator: Emulators, vendor: str, key: str,
                                                                          meant: str) -> None:
    lives, stack = _stack(make_stack, emulator, vendor)
    declare(stack, res("thrive", "Structure", "a", name="A", reference="nu-a") if vendor == "thrive"
            else res("sonarly", "AudienceFolder", "f", name="F", audience_type="monitoring"))
    if key == "thrive:tennantId":  # the mistyped key instead of the right one
        stack.run("config", "rm", "thrive:tenantId", "--stack", stack.name)
    stack.config(key, "5")
    message = refused(stack, lives, f"{key} is not a setting of this provider (did you mean {meant}?)")
    assert "missing configuration" not in message


@pytest.mark.parametrize(("vendor", "wrong", "path"), [("thrive", "/rest/v1", "/rest/v1"), ("batch", "/2.8", "/2.8")])
def test_preview__base_url_without_the_api_path_names_the_setting_and_the_path(make_stack: MakeStack,
                                                                               emulator: Emulators, vendor: str,
                                                                               wrong: str, path: str) -> None:
    lives, stack = _stack(make_stack, emulator, vendor)
    declare(stack, res("thrive", "Structure", "a", name="A", reference="nu-a") if vendor == "thrive"
            else res("batch", "Audience", "v", name="nu_v"))
    root = lives[vendor].base_url.removesuffix(wrong)
    stack.config(f"{vendor}:baseUrl", root)
    refused(stack, lives, "answered HTTP 404", f"{vendor}:baseUrl ({vendor.upper()}_BASE_URL) = {root!r}",
            f"a path ending in {path!r}", f"pulumi config set {vendor}:baseUrl {root}{path}")


# -- 5. one message per failure; lists diff as the vendor holds them ------------------------------------------
def test_preview__a_refused_check_is_said_once_under_its_resource(make_stack: MakeStack, emulator: Emulators) -> None:
    lives, stack = _stack(make_stack, emulator, "thrive")
    declare(stack, res("thrive", "Structure", "a", name="A", reference="x" * 101))
    clear(lives)
    out = stack.preview(check=False)
    found = diagnostics(out.stdout)
    ours = {heading: lines for heading, lines in found.items() if any("at most 100 characters" in x for x in lines)}
    assert list(ours) == ["pulumi-python:dynamic/thrive:Structure (a)"] and len(ours[next(iter(ours))]) == 1, found
    # What else the Stack says is the Python SDK's own line for the run the engine cancelled (see the module doc).
    stack_lines = [x for heading, lines in found.items() if heading.startswith("pulumi:pulumi:Stack") for x in lines]
    assert stack_lines in ([], ["error: Resource monitor has terminated, shutting down"]), found
    assert writes(lives) == []


def test_destroy__the_unleashx_warning_is_said_once_and_the_name_is_freed(make_stack: MakeStack,
                                                                          emulator: Emulators) -> None:
    lives, stack = _stack(make_stack, emulator, "unleashx")
    declare(stack, res("unleashx", "Campaign", "c", campaign_name="Nu once", **CAMPAIGN))
    stack.up()
    out = destroy_and_check(stack, lives)
    found = diagnostics(out.stdout)
    warned = [x for lines in found.values() for x in lines if "remains in UnleashX" in x]
    assert len(warned) == 1 and list(found) == ["pulumi-python:dynamic/unleashx:Campaign (c)"], found
    # Besides the Diagnostics section, only the resource's own rows repeat it (the engine's echo of its status).
    rows = [x for x in out.stdout.splitlines() if "remains in UnleashX" in x and "unleashx:Campaign c " in x]
    assert out.stdout.count("remains in UnleashX") == 1 + len(rows) and len(rows) <= 2, out.stdout
    assert "renamed to 'Nu once [destroyed #" in warned[0]
    (campaign,) = lives["unleashx"].objects("campaigns").values()
    assert campaign["campaign_status"] == "pause" and campaign["campaign_name"].startswith("Nu once [destroyed #")


def test_preview__reordered_thrive_members_are_no_change_and_a_change_shows_only_who_comes_and_goes(
        make_stack: MakeStack, emulator: Emulators) -> None:
    lives, stack = _stack(make_stack, emulator, "thrive")
    root = res("thrive", "Structure", "root", name="Root", reference="nu-mroot")
    team = res("thrive", "Audience", "team", name="Team", reference="nu-mteam", parent=ref("root"))

    def members(*users: str) -> dict[str, Any]:
        return res("thrive", "AudienceMembers", "m", audience=ref("team"), members=list(users))

    declare(stack, root, team, members("user1", "user2@example.com"))
    stack.up()
    declare(stack, root, team, members("User2@example.com", "user1"))  # other order, other case: the same set
    stack.preview("--expect-no-changes")
    clear(lives)
    stack.up("--expect-no-changes")
    assert writes(lives) == []
    declare(stack, root, team, members("user2@example.com", "user3"))
    text = stack.preview("--diff").stdout
    assert re.search(r'^\s*- \[0\]: "user1"', text, re.M) and re.search(r'^\s*\+ \[1\]: "user3"', text, re.M), text
    assert "user2@example.com" not in text.split("members", 1)[-1].split("Resources:")[0], text
    destroy_and_check(stack, lives)


def _ids_file(stack: Stack, ids: Iterable[str]) -> None:
    (stack.dir / "ids.txt").write_text("\n".join(ids) + "\n")


def test_preview_diff__batch_membership_change_shows_the_ids_added_and_removed(make_stack: MakeStack,
                                                                               emulator: Emulators) -> None:
    lives, stack = _stack(make_stack, emulator, "batch")
    declare(stack, res("batch", "Audience", "v", name="nu_file", display_name="V", members={"file": "ids.txt"}))
    _ids_file(stack, ["a", "b", "c"])
    stack.up()
    _ids_file(stack, ["b", "c", *(f"n{i}" for i in range(7))])
    text = stack.preview("--diff").stdout
    assert 'changes: "+7 ids (n0, n1, n2, n3, n4, ...); -1 id (a)"' in text, text
    assert re.search(r"count\s*: 3 => 9", text), text
    clear(lives)
    stack.up()
    assert sorted(lives["batch"].objects("audiences")["nu_file"]["ids"]) == ["b", "c", *(f"n{i}" for i in range(7))]
    stack.preview("--expect-no-changes")  # what the last change was is no change now
    # On a machine without the list last applied (a fresh CI runner), only the counts are known, and said so.
    for snapshot in (stack.dir / ".snapshots").rglob("*.json.gz"):
        snapshot.unlink()
    _ids_file(stack, ["b"])
    text = stack.preview("--diff").stdout
    assert "now 1 id(s), was 9; which ids come and go is not known on this machine" in text, text
    destroy_and_check(stack, lives)


# -- the same checks on the plugin path (Pulumi YAML through pulumi-resource-thrive) ------------------------------
def test_preview__yaml_program_declaring_a_reference_twice_or_a_mistyped_setting_is_refused(
        make_stack: MakeStack, emulator: Emulators) -> None:
    stack = make_stack("mistakes_yaml")
    lives = {"thrive": emulator("thrive")}
    configure_vendor(stack, lives["thrive"], "thrive")
    stack.config("refB", "ny-a")
    refused(stack, lives, twice("reference", "ny-a", "thrive:Structure 'first'", "thrive:Structure 'second'"))
    stack.config("refB", "ny-b")
    stack.config("thrive:tennantId", "demo-tenant")
    refused(stack, lives, "thrive:tennantId is not a setting of this provider (did you mean thrive:tenantId?)")
    stack.run("config", "rm", "thrive:tennantId", "--stack", stack.name)
    stack.up()
    destroy_and_check(stack, lives)
