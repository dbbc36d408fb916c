"""The hardware-in-the-loop harness as technicians and tests use it: every
shipped scenario plays true, a bad scenario is refused plainly, and a real
controller process killed with SIGKILL at every transition of a session comes
back with every lock low, an unbroken ledger, and no approval gaining uses."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from protocol.ledger_chain import check_chain
from seal_controller.ledger import read_ledger
from tests.conftest import REPO

SCENARIOS = ["approved-session", "offline-qr", "hostile-approvals", "hostile-hands", "power-cut"]


def simulate(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "village_edge", "seal", "simulate", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120, env={"HOME": str(home),
                                                                     "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_shipped_scenario_plays_true(home: Path, scenario: str) -> None:
    result = simulate(home, "--scenario", scenario)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    trace = json.loads(result.stdout)
    assert trace["ok"] is True
    assert set(trace["locks_at_boot"].values()) == {0.0}
    expectations = [s for s in trace["trace"] if "expect_ok" in s]
    assert expectations and all(s["expect_ok"] for s in expectations)
    for step in trace["trace"]:  # a lock is energised only while a session is open
        if any(level > 0 for level in step["locks"].values()):
            assert step["phase"] == "unlocked", step


def test_a_failed_expectation_fails_the_run(home: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "wrong.toml"
    scenario.write_text('[[step]]\ndo = "press"\nslot = "party"\n'
                        '[[step]]\ndo = "expect"\nphase = "unlocked"\n', encoding="utf-8")
    result = simulate(home, "--scenario", str(scenario))
    assert result.returncode == 1
    assert json.loads(result.stdout)["ok"] is False


@pytest.mark.parametrize("text", ['[[step]]\ndo = "fly"\n', '[[step]]\ndo = "press"\nslott = 1\n',
                                  "title = 1\n", '[[step]]\ndo = "approve"\nforge = "magic"\n'])
def test_a_bad_scenario_is_refused_plainly(home: Path, tmp_path: Path, text: str) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text, encoding="utf-8")
    result = simulate(home, "--scenario", str(scenario))
    assert result.returncode == 65  # bad input data
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"village-edge seal simulate: {scenario}")


def _stamps_within_approvals(records: list[dict]) -> None:  # type: ignore[type-arg]
    approved = {r["aid"]: r["uses"] for r in records if r["kind"] == "approved"}
    assert all(count == 1 for count in Counter(
        r["aid"] for r in records if r["kind"] == "approved").values())
    stamps = Counter(r["aid"] for r in records if r["kind"] == "stamp")
    for aid, count in stamps.items():
        assert count <= approved[aid]


def test_a_controller_killed_at_every_transition_recovers_safely(
    home: Path, tmp_path: Path
) -> None:
    full = tmp_path / "full"
    assert simulate(home, "--scenario", "approved-session", "--state", str(full)).returncode == 0
    transitions = len(read_ledger(full / "ledger" / "ledger.log").records)
    assert transitions >= 6
    recover = tmp_path / "recover.toml"
    recover.write_text('[[step]]\ndo = "expect"\nlocked = ["party", "committee", "coop"]\n',
                       encoding="utf-8")
    for seq in range(1, transitions + 1):
        state = tmp_path / f"kill-{seq}"
        killed = simulate(home, "--scenario", "approved-session", "--state", str(state),
                          "--kill-after-seq", str(seq))
        assert killed.returncode == -signal.SIGKILL, (seq, killed.stderr[-1500:])
        before = read_ledger(state / "ledger" / "ledger.log").records
        assert before[-1]["seq"] == seq  # the record was on disk when the process died
        again = simulate(home, "--scenario", str(recover), "--state", str(state))
        assert again.returncode == 0, (seq, again.stdout[-2000:])
        trace = json.loads(again.stdout)
        assert set(trace["locks_at_boot"].values()) == {0.0}  # low before anything else
        after = read_ledger(state / "ledger" / "ledger.log").records
        assert check_chain(after).ok, seq
        kinds_before = [r["kind"] for r in before]
        if "approved" in kinds_before and "used_up" not in kinds_before:
            assert "interrupted" in [r["kind"] for r in after[len(before):]], seq
        _stamps_within_approvals(after)


def test_ledger_verify_reports_the_first_bad_record(home: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    simulate(home, "--scenario", "approved-session", "--state", str(state))
    ledger = state / "ledger"
    verify = [sys.executable, "-m", "village_edge", "seal", "ledger", "verify", str(ledger)]
    good = subprocess.run(verify, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0 and "ledger OK" in good.stdout
    data = (ledger / "ledger.log").read_bytes()
    # rewrite record 3 as a forger would: same framing, a valid CRC, an edited field
    from durable.records import frame, scan

    records = [json.loads(r.body) for r in scan(data)]
    records[2]["kind"] = "cancelled"
    (ledger / "ledger.log").write_bytes(
        b"".join(frame(json.dumps(r, ensure_ascii=False).encode()) for r in records))
    bad = subprocess.run(verify, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "BROKEN at record 3" in bad.stdout and "altered" in bad.stdout
