"""The contract fuzzed: Schemathesis, as a real process, runs every phase of
county/openapi.yaml (explicit examples, coverage of every boundary, fuzzing,
stateful sequences along the contract's links) in positive and negative
modes with every check against the reference county, itself a real
``village-edge county serve`` process on loopback. Its requests are a test
device's requests, enrolled and signed with the project's own signing code
(tests/county/contract_hooks.py); what the schemas cannot say is set, with
reasons, in tests/county/schemathesis.toml.

The run is bounded by the number of examples per operation and a fixed
seed (the same requests every run), and must end with no failure, no error
and no answer of the county that is a 500."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from county import operator
from protocol.signing import new_private_key, private_key_bytes
from sync.client import CountyClient
from tests.conftest import REPO

DEVICE = "ve-contract-test"
VILLAGE = "330226100201"
SEED = 20240501
EXAMPLES_PER_OPERATION = 25
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]


@pytest.fixture
def county_process(
    tmp_path: Path, data_dir: Path
) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    """``village-edge county serve`` on a free loopback port, on each
    database engine: (url, log, process)."""
    data = data_dir
    log = (tmp_path / "county.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "county", "serve", "--port", "0",
         "--data", str(data)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=log, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    assert found, f"the county did not start: {line!r}"
    yield found.group(1), tmp_path / "county.log", process
    process.terminate()
    process.wait(timeout=30)
    log.close()


def test_the_county_keeps_its_contract_under_fuzzing(
    county_process: tuple[str, Path, subprocess.Popen[str]], tmp_path: Path, data_dir: Path
) -> None:
    url, county_log, _ = county_process
    data = data_dir
    key = new_private_key()
    client = CountyClient(url, DEVICE, key, operator.county_public_key(data))
    client.enroll(operator.make_enroll_code(data, DEVICE), "all", VILLAGE,
                  operator.county_public_key(data))
    client.close()
    key_file = tmp_path / "device.key"
    key_file.write_bytes(private_key_bytes(key))

    run = subprocess.run(
        [*SCHEMATHESIS, "--config-file", "tests/county/schemathesis.toml", "run",
         "county/openapi.yaml", "--url", url,
         "--phases", "examples,coverage,fuzzing,stateful", "--mode", "all", "--checks", "all",
         "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED),
         "--generation-database", "none", "--workers", "1", "--no-color"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, SCHEMATHESIS_HOOKS="tests.county.contract_hooks",
                 VE_CONTRACT_DEVICE=DEVICE, VE_CONTRACT_KEY=str(key_file),
                 PYTHONPATH=str(REPO)),
    )

    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:]
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅\s+{phase}", report), f"{phase} did not run and pass:\n{report}"
    assert "No issues found" in report or " passed" in report
    answers = county_log.read_text()
    statuses = re.findall(r" -> (\d{3})", answers)
    assert statuses.count("200") > 100, "the fuzzer's signed requests were not taken"
    assert not [s for s in statuses if s.startswith("5")], answers[-5000:]
    assert "Traceback" not in answers and "county failed" not in answers
