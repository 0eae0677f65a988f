"""A platform team's set-up: state in S3 and secrets in AWS KMS, both served by moto_server on 127.0.0.1.

Full lifecycle, secrets encrypted by KMS, and two concurrent `up` on one stack: the second is refused by the
backend's lock and the state stays intact.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .fleet import destroy_and_check

if TYPE_CHECKING:
    from tests.conftest import Emulators

    from .conftest import MakeStack

pytestmark = pytest.mark.e2e
boto3 = pytest.importorskip("boto3", reason="moto[server] (with boto3) is in requirements-dev.txt")

CANARY = "canary-team-batch-key-77aa"
PROJECT = "project_team0000000000000000000000000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto() -> Iterator[dict[str, str]]:
    port = _free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
             "AWS_DEFAULT_REGION": "us-east-1"}
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    s3.create_bucket(Bucket="team-state")
    kms = boto3.client("kms", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    key_id = kms.create_key(Description="pulumi secrets")["KeyMetadata"]["KeyId"]
    yield {**creds, "endpoint": endpoint, "port": str(port), "key_id": key_id}
    proc.terminate()
    proc.wait(10)


def test_team_backend__s3_state_kms_secrets_and_lock(make_stack: MakeStack, emulator: Emulators,
                                                     moto: dict[str, str]) -> None:
    live = emulator("batch")
    live.seed({"credentials": [{"api_key": CANARY, "project_key": PROJECT}]})
    stack = make_stack("batch_lifecycle")  # initialised on the file backend; we move to S3 below
    host = f"127.0.0.1:{moto['port']}"
    stack.env.update({k: v for k, v in moto.items() if k.startswith("AWS_")})
    stack.env["PULUMI_BACKEND_URL"] = (f"s3://team-state?endpoint={host}&disableSSL=true&s3ForcePathStyle=true"
                                       f"&region=us-east-1")
    stack.env.pop("PULUMI_CONFIG_PASSPHRASE")
    (stack.dir / "Pulumi.e2e.yaml").unlink(missing_ok=True)
    kms_url = f"awskms://{moto['key_id']}?region=us-east-1&endpoint={moto['endpoint']}"
    stack.run("stack", "init", "e2e", "--secrets-provider", kms_url, "--non-interactive")
    stack.config("batch:baseUrl", live.base_url)
    stack.config("batch:projectKey", PROJECT)
    stack.config("batch:apiKey", CANARY, secret=True)
    stack.config("name", "team_vip")
    config_text = (stack.dir / "Pulumi.e2e.yaml").read_text()
    assert "awskms://" in config_text and CANARY not in config_text  # encrypted by KMS, not a passphrase

    stack.up()
    assert "team_vip" in live.objects("audiences")

    # Two concurrent runs: slow the first down, start the second while the first holds the lock.
    live.configure(latency_ms=1500)
    stack.config("displayName", "Team VIP")
    first = subprocess.Popen(["pulumi", "up", "--yes", "--non-interactive", "--skip-preview", "--stack", "e2e"],
                             cwd=stack.dir, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(4)
    second = stack.up(check=False)
    out_first, _ = first.communicate(timeout=300)
    assert second.returncode != 0 and "locked" in (second.stdout + second.stderr)
    assert first.returncode == 0, out_first
    live.configure(latency_ms=0)

    export = stack.export()
    state = json.loads(export)
    audiences = [r for r in state["deployment"]["resources"] if r["type"].endswith("batch:Audience")]
    assert len(audiences) == 1 and audiences[0]["outputs"]["display_name"] == "Team VIP"
    assert CANARY not in export
    assert live.objects("audiences")["team_vip"]["display_name"] == "Team VIP"

    destroy_and_check(stack, live)
    assert live.objects("audiences") == {}
