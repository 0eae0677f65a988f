"""bench.check_path reads the engine's verbose log: each provider Check/Diff from `executing` to `success`."""

from __future__ import annotations

import json

from bench.check_path import parse_engine_log

URN = "urn:pulumi:bench::compass-bench::pulumi-python:dynamic/{}::{}"


def _line(second: float, msg: str) -> str:
    return json.dumps({"time": f"2026-12-06T03:39:{second:012.9f}Z", "level": "INFO", "msg": msg, "v": 7})


def _call(second: float, call: str, kind: str, name: str, what: str) -> str:
    return _line(second, f"Provider[0x2f97f9e20f00].{call}({URN.format(kind, name)}) {what} (#newInputs=4)")


def test_parse__first_call_of_each_type_apart_from_the_rest_and_every_pair_summed() -> None:
    log = "\n".join([
        _line(30.0, "engine started"),
        "not a JSON line: plugin stderr",
        _line(30.5, "ProviderRegistry.Check(urn:pulumi:bench::p::pulumi:providers:pulumi-python::default) executing"),
        _line(30.6, "ProviderRegistry.Check(urn:pulumi:bench::p::pulumi:providers:pulumi-python::default) success"),
        _call(31.0, "Check", "sonarly:Audience", "s0", "executing"),
        _call(31.172, "Check", "sonarly:Audience", "s0", "success: inputs=#4 failures=#0"),
        _call(31.2, "Check", "sonarly:Audience", "s1", "executing"),
        _call(31.203, "Check", "sonarly:Audience", "s1", "success: inputs=#4 failures=#0"),
        _call(31.3, "Check", "batch:Audience", "b0", "executing"),
        _call(31.315, "Check", "batch:Audience", "b0", "success: inputs=#4 failures=#0"),
        # Diff names the id too, and its `executing` has a colon (engine 3.276's wording).
        _line(31.4, f"Provider[0x2f97f9e20f00].Diff({URN.format('batch:Audience', 'b0')},compass_0000): executing"),
        _line(31.402, f"Provider[0x2f97f9e20f00].Diff({URN.format('batch:Audience', 'b0')},compass_0000) success: "
                      "changes=1 #replaces=[]"),
        _line(31.41, "Provider[0x2f97f9e20f00].DiffConfig(urn:pulumi:bench::p::pulumi:providers:x::d): executing"),
        _call(31.5, "Check", "batch:Audience", "b1", "executing"),  # never answered: not a duration
        _line(32.0, "engine done"),
    ])
    parsed = parse_engine_log(log)
    assert parsed["span_s"] == 2.0
    assert parsed["calls"] == 4  # the registry's own Check and the unanswered one are not provider calls timed
    assert abs(parsed["sum_s"] - (0.172 + 0.003 + 0.015 + 0.002)) < 1e-3
    sonarly = parsed["by_type"]["Check pulumi-python:dynamic/sonarly:Audience"]
    assert sonarly["first_ms"] == 172.0 and sonarly["first_at_s"] == 1.0
    assert sonarly["calls"] == 2 and abs(sonarly["rest_median_ms"] - 3.0) < 0.01
    batch = parsed["by_type"]["Check pulumi-python:dynamic/batch:Audience"]
    assert batch["calls"] == 1 and batch["rest_median_ms"] is None
    assert parsed["by_type"]["Diff pulumi-python:dynamic/batch:Audience"]["first_ms"] == 2.0


def test_parse__a_log_without_json_lines_reads_as_nothing_measured() -> None:
    assert parse_engine_log("plain text\n") == {"span_s": 0.0, "calls": 0, "sum_s": 0.0, "by_type": {}}


def test_parse__each_plugin_start_timed_to_its_port_and_to_its_configured_provider() -> None:
    home = "/v/bin"
    log = "\n".join([
        _line(10.0, "engine started"),
        _line(10.5, f"newPlugin(): Launching plugin 'thrive (resource)' from '{home}/pulumi-resource-thrive'"),
        _line(10.7, f"Handshake: not supported by '{home}/pulumi-resource-thrive'"),
        _line(10.701, "Provider[0xa].GetPluginInfo() executing"),
        _line(10.73, "loaded provider urn:pulumi:bench::compass-bench::pulumi:providers:thrive::default::1234"),
        _line(11.0, f"newPlugin(): Launching plugin 'batch (resource)' from '{home}/pulumi-resource-batch'"),
        _line(11.25, "Provider[0xb].GetPluginInfo() executing"),  # an engine that doesn't log the handshake
        _line(11.4, "loaded provider urn:pulumi:bench::compass-bench::pulumi:providers:batch::default::5678"),
        _line(12.0, "newPlugin(): Launching plugin 'python' from '/opt/pulumi-language-python' with args: x"),
    ])
    plugins = parse_engine_log(log)["plugins"]
    assert plugins == [{"plugin": "thrive", "at_s": 0.5, "port_ms": 200.0, "configured_ms": 230.0},
                       {"plugin": "batch", "at_s": 1.0, "port_ms": 250.0, "configured_ms": 400.0}]
