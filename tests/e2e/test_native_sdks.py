"""Programs in TypeScript, Python and Go on the SDKs that tools/gen-sdks.sh generates from our four plugins' schemas.

The SDKs are generated once per module from `pulumi package get-schema` of the installed `pulumi-resource-<vendor>`
plugins. TypeScript and Python programs run end to end through the real CLI (nodejs and python language hosts)
against the emulators; the Go program is built and vetted only (`--full`: a cold build of the Go SDK takes minutes).
npm packages come from the registry once and are kept under ~/.cache/audience-providers-npm/<key>.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulators.admin import EmulatorProcess

from .conftest import PROGRAMS, ROOT, Stack
from .fleet import destroy_and_check

pytestmark = pytest.mark.e2e

VENDORS = ("thrive", "sonarly", "unleashx", "batch")
# One TypeScript for the SDKs and the program: the SDKs' package.json asks ^4.7 (module nodenext), 5.x compiles
# them too, and @pulumi/pulumi 3.276's declarations want 5. @pulumi/pulumi is the CLI's version.
NPM_PINS = ("typescript@5.6.3", "@pulumi/pulumi@3.276.0", "@types/node@20.17.6")
THRIVE_TENANT, THRIVE_SECRET = "demo-tenant", "demo-thrive-secret"
BATCH_PROJECT, BATCH_KEY = "project_demo0000000000000000000000000", "demo-batch-rest-key"


def _run(args: list[str], cwd: Path, timeout: float = 600, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    assert proc.returncode == 0, f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def sdks(pulumi_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdks")
    env = {**os.environ, "PATH": f"{pulumi_bin}{os.pathsep}{os.environ['PATH']}"}
    printed = _run([str(ROOT / "tools" / "gen-sdks.sh"), str(out)], ROOT, env=env)
    assert len(printed.splitlines()) == len(VENDORS) * 3, printed
    return out


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """npm packages for tsc and the programs, installed once per pin set and reused (also by CI's cache)."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node/npm not installed")
    key = hashlib.sha256(" ".join(NPM_PINS).encode()).hexdigest()[:16]
    cached = Path(os.environ.get("AUDIENCE_NPM_CACHE_DIR", Path.home() / ".cache" / "audience-providers-npm")) / key
    if not (cached / "node_modules" / ".package-lock.json").exists():
        staging = cached.with_name(f"{key}.tmp-{os.getpid()}")
        staging.mkdir(parents=True)
        (staging / "package.json").write_text('{"private": true}\n')
        try:
            _run(["npm", "install", "--no-audit", "--no-fund", *NPM_PINS], staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(cached, ignore_errors=True)
        staging.rename(cached)  # whole or not at all: an interrupted install never looks cached
    return cached / "node_modules"


def _tsc(node_modules: Path, project: Path) -> None:
    _run(["node", str(node_modules / "typescript" / "bin" / "tsc"), "-p", str(project)], project)


def _install_nodejs_sdk(sdks: Path, vendor: str, node_modules: Path, program_modules: Path) -> None:
    """Compile the generated SDK and lay it out as an installed package (its bin/ plus package.json)."""
    src = sdks / vendor / "nodejs"
    (src / "node_modules").symlink_to(node_modules)
    _tsc(node_modules, src)
    name = json.loads((src / "package.json").read_text())["name"]
    dest = program_modules / name
    shutil.copytree(src / "bin", dest)
    shutil.copy(src / "package.json", dest / "package.json")


@pytest.fixture
def emulators() -> Iterator[EmulatorProcess]:
    proc = EmulatorProcess(("thrive", "batch"), cwd=ROOT)
    proc["batch"].configure(indexing_seconds=0.02)
    yield proc
    proc.stop()


def _stack(program: str, pulumi_bin: Path, tmp_path: Path) -> Stack:
    workdir = tmp_path / program
    shutil.copytree(PROGRAMS / program, workdir)
    stack = Stack(workdir, pulumi_bin)
    stack.run("stack", "init", stack.name, "--non-interactive")
    return stack


def test_nodejs_sdks__typescript_program_up_no_change_preview_destroy(
        sdks: Path, node_modules: Path, pulumi_bin: Path, tmp_path: Path, emulators: EmulatorProcess) -> None:
    stack = _stack("native_sdk_ts", pulumi_bin, tmp_path)
    modules = stack.dir / "node_modules"
    modules.mkdir()
    for entry in node_modules.iterdir():
        if entry.name.startswith("@"):
            (modules / entry.name).mkdir()
            for pkg in entry.iterdir():
                (modules / entry.name / pkg.name).symlink_to(pkg)
        elif not entry.name.startswith("."):
            (modules / entry.name).symlink_to(entry)
    for vendor in ("thrive", "batch"):
        _install_nodejs_sdk(sdks, vendor, node_modules, modules)
    _tsc(node_modules, stack.dir)  # --strict type check of the program against the SDKs' declarations

    thrive, batch = emulators["thrive"], emulators["batch"]
    stack.config("thriveBaseUrl", thrive.base_url)
    stack.config("thriveTenantId", THRIVE_TENANT)
    stack.config("thriveApiSecret", THRIVE_SECRET, secret=True)
    stack.config("batchBaseUrl", batch.base_url)
    stack.config("batchProjectKey", BATCH_PROJECT)
    stack.config("batchApiKey", BATCH_KEY, secret=True)

    stack.up()
    audiences = {a["reference"]: a for a in thrive.objects("audiences").values()}
    assert set(audiences) == {"ts-eng", "ts-team"}
    assert audiences["ts-team"]["parent"]["id"] == audiences["ts-eng"]["id"]
    assert set(batch.objects("audiences")) == {"ts_vips"}
    outputs = stack.outputs()
    assert outputs["engId"] == audiences["ts-eng"]["id"]
    assert outputs["teamParent"] == audiences["ts-eng"]["id"]
    assert outputs["engCategory"] == "structure"
    assert (outputs["vipsName"], outputs["vipsDisplayName"]) == ("ts_vips", "VIPs from TypeScript")
    exported = stack.export()
    assert THRIVE_SECRET not in exported and BATCH_KEY not in exported
    types = {r["type"] for r in json.loads(exported)["deployment"]["resources"]}
    assert {"pulumi:providers:thrive", "pulumi:providers:batch", "thrive:index:Structure", "thrive:index:Audience",
            "batch:index:Audience"} <= types

    stack.preview("--expect-no-changes")
    destroy_and_check(stack, emulators.admins, prefixes=("ts-", "ts_"))


def test_python_sdk__thrive_program_with_explicit_provider_up_destroy(
        sdks: Path, pulumi_bin: Path, tmp_path: Path, emulators: EmulatorProcess) -> None:
    sdk = sdks / "thrive" / "python"
    version = json.loads((sdks / "thrive" / "schema.json").read_text())["version"]
    assert f'VERSION = "{version}"' in (sdk / "setup.py").read_text()  # respectSchemaVersion took effect
    # The SDK reads its version from installed metadata; these are the lines `pip install` would write (building
    # the wheel needs the `wheel` package, which the test venv lacks; see test_native_sdk_gen.py).
    dist_info = sdk / f"pulumi_audience_thrive-{version}.dist-info"
    dist_info.mkdir(exist_ok=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pulumi_audience_thrive\nVersion: {version}\n")
    stack = _stack("native_sdk_python", pulumi_bin, tmp_path)
    stack.env["PYTHONPATH"] = str(sdk)
    thrive = emulators["thrive"]
    stack.config("thriveBaseUrl", thrive.base_url)
    stack.config("thriveTenantId", THRIVE_TENANT)
    stack.config("thriveApiSecret", THRIVE_SECRET, secret=True)

    stack.up()
    audiences = {a["reference"]: a for a in thrive.objects("audiences").values()}
    assert set(audiences) == {"py-eng", "py-team"}
    outputs = stack.outputs()
    assert outputs["eng_id"] == outputs["team_parent"] == audiences["py-eng"]["id"]
    assert outputs["eng_category"] == "structure"
    assert THRIVE_SECRET not in stack.export()
    stack.preview("--expect-no-changes")
    destroy_and_check(stack, thrive, prefixes=("py-",))


@pytest.mark.full_only  # the first build of the pulumi Go SDK takes minutes
def test_go_sdks__program_on_all_four_builds_and_vets(sdks: Path, tmp_path: Path) -> None:
    if shutil.which("go") is None:
        pytest.skip("go not installed")
    program = tmp_path / "native_sdk_go"
    shutil.copytree(PROGRAMS / "native_sdk_go", program)
    sdk_version = "v3.276.0"  # the CLI's
    lines = ["module example.invalid/native-sdk-go", "", "go 1.24", "",
             f"require github.com/pulumi/pulumi/sdk/v3 {sdk_version}"]
    for vendor in VENDORS:
        pkg_dir = sdks / vendor / "go" / vendor
        module = f"example.invalid/audience-providers/sdk/go/{vendor}"
        (pkg_dir / "go.mod").write_text(f"module {module}\n\ngo 1.24\n\nrequire github.com/pulumi/pulumi/sdk/v3 "
                                        f"{sdk_version}\n")
        lines += [f"require {module} v0.0.0", f"replace {module} => {pkg_dir}"]
    (program / "go.mod").write_text("\n".join(lines) + "\n")
    _run(["go", "mod", "tidy"], program, timeout=900)
    _run(["go", "build", "-o", str(tmp_path / "program"), "."], program, timeout=1500)
    _run(["go", "vet", "."], program, timeout=900)
    assert (tmp_path / "program").stat().st_size > 0
