"""The hardware-in-the-loop harness as technicians and tests use it: every
shipped scenario plays true (the hostile ones included: a stale clock, a
damaged ledger of every kind, other seals pressed and taken, a full or
read-only card, an approval arriving while the daemon is down), a bad
scenario is refused plainly, and a real controller process killed with
SIGKILL at every transition of a session comes back offline with every lock
low, an unbroken ledger, and no approval gaining uses."""

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

SCENARIOS = ["approved-session", "offline-qr", "hostile-approvals", "hostile-hands", "power-cut",
             "stale-clock", "damaged-ledger", "cut-ledger", "guarded-seals", "full-disk",
             "approval-while-down", "county-refusal", "seal-out-power-cut"]
SHIPPED = REPO / "seal_controller" / "scenarios"


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


def test_every_shipped_scenario_is_played_by_the_tests() -> None:
    assert sorted(SCENARIOS) == sorted(p.stem for p in SHIPPED.glob("*.toml"))


@pytest.mark.parametrize("kind", ["cut", "garbage", "edit"])
def test_every_kind_of_ledger_damage_halts_the_station(home: Path, tmp_path: Path,
                                                       kind: str) -> None:
    text = (SHIPPED / "damaged-ledger.toml").read_text(encoding="utf-8")
    assert 'kind = "flip"' in text
    scenario = tmp_path / f"{kind}.toml"
    scenario.write_text(text.replace('kind = "flip"', f'kind = "{kind}"'), encoding="utf-8")
    result = simulate(home, "--scenario", str(scenario))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    halted = [s for s in json.loads(result.stdout)["trace"] if s.get("phase") == "halted"]
    assert halted and all(set(s["locks"].values()) == {0.0} for s in halted)


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
    for seq in range(1, transitions + 1):
        state = tmp_path / f"kill-{seq}"
        killed = simulate(home, "--scenario", "approved-session", "--state", str(state),
                          "--kill-after-seq", str(seq))
        assert killed.returncode == -signal.SIGKILL, (seq, killed.stderr[-1500:])
        before = read_ledger(state / "ledger" / "ledger.log").records
        assert before[-1]["seq"] == seq  # the record was on disk when the process died
        kinds_before = [r["kind"] for r in before]
        # Restarted with no network; the approval used before is shown again.
        steps = ['network = false',
                 '[[step]]\ndo = "expect"\nlocked = ["party", "committee", "coop"]']
        if "approved" in kinds_before:
            steps += ['[[step]]\ndo = "approve"\nvia = "qr"\nforge = "replay"',
                      '[[step]]\ndo = "approve"\nvia = "feed"\nforge = "replay"',
                      '[[step]]\ndo = "expect"\nlocked = ["party", "committee", "coop"]']
        recover = tmp_path / f"recover-{seq}.toml"
        recover.write_text("\n".join(steps) + "\n", encoding="utf-8")
        again = simulate(home, "--scenario", str(recover), "--state", str(state))
        assert again.returncode == 0, (seq, again.stdout[-2000:])
        trace = json.loads(again.stdout)
        assert set(trace["locks_at_boot"].values()) == {0.0}  # low before anything else
        for step in trace["trace"]:
            assert set(step["locks"].values()) == {0.0}, (seq, step)
        after = read_ledger(state / "ledger" / "ledger.log").records
        assert check_chain(after).ok, seq
        if "approved" in kinds_before and "used_up" not in kinds_before:
            assert "interrupted" in [r["kind"] for r in after[len(before):]], seq
        assert [r for r in after[len(before):] if r["kind"] == "approved"] == []
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


def _verify(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "village_edge", "seal", "ledger", "verify", str(directory)],
        cwd=REPO, capture_output=True, text=True, timeout=60)


def test_ledger_verify_never_calls_garbage_ok(tmp_path: Path) -> None:
    import random

    ledger = tmp_path / "ledger"
    ledger.mkdir()
    for seed in range(5):
        (ledger / "ledger.log").write_bytes(random.Random(seed).randbytes(500))
        result = _verify(ledger)
        assert result.returncode == 1, result.stdout
        assert "BROKEN" in result.stdout and "ledger OK" not in result.stdout


def test_ledger_verify_misses_records_cut_off_after_the_marks(home: Path, tmp_path: Path) -> None:
    from seal_controller.ledger_damage import damage_ledger

    state = tmp_path / "state"
    assert simulate(home, "--scenario", "approved-session", "--state", str(state)).returncode == 0
    ledger = state / "ledger"
    assert _verify(ledger).returncode == 0
    damage_ledger(ledger, "torn")  # a torn last write alone: harmless
    torn = _verify(ledger)
    assert torn.returncode == 0 and "torn" in torn.stdout
    damage_ledger(ledger, "cut")  # cut back at a record boundary
    cut = _verify(ledger)
    assert cut.returncode == 1
    assert "missing" in cut.stdout and "high-water mark" in cut.stdout
    (state / "ledger-mark").unlink()  # the forwarding mark still tells
    forwarded = _verify(ledger)
    assert forwarded.returncode == 1 and "forwarding mark" in forwarded.stdout
