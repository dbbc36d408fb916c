"""The county's systemd unit (systemd/village-edge-county.service): the
commands it runs are ones the CLI takes, and the database password stays
off every command line (a systemd credential read by libpq)."""

from __future__ import annotations

import argparse
import shlex

from tests.conftest import REPO
from village_edge.county_commands import add_county_parser

UNIT = REPO / "systemd" / "village-edge-county.service"


def values(key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in UNIT.read_text().splitlines()
            if line.startswith(f"{key}=")]


def test_the_unit_migrates_then_serves_with_commands_the_cli_takes() -> None:
    parser = argparse.ArgumentParser()
    add_county_parser(parser.add_subparsers(dest="command"))
    [before], [start] = values("ExecStartPre"), values("ExecStart")
    migrate = parser.parse_args(shlex.split(before)[1:])
    serve = parser.parse_args(shlex.split(start)[1:])
    assert (migrate.county_command, serve.county_command) == ("migrate", "serve")
    assert migrate.data == serve.data
    assert serve.host == "127.0.0.1" and serve.workers > 1  # behind the proxy, on PostgreSQL


def test_the_password_is_a_credential_never_on_a_command_line() -> None:
    commands = " ".join(values("ExecStartPre") + values("ExecStart"))
    assert "postgresql://" not in commands and "password" not in commands.lower()
    [credential] = values("LoadCredential")
    name = credential.split(":", 1)[0]
    assert f"PGPASSFILE=%d/{name}" in values("Environment")
    assert values("User") == ["village-county"]


def test_a_report_is_never_filed_before_its_kiosk_was_enrolled() -> None:
    from county.complaints import _filed_at

    enrolled, received = 1_767_000_000.0, 1_767_100_000.0
    backdated = 1_609_718_400.0  # 2021-01-04: a kiosk's clock cannot make it overdue
    assert _filed_at(backdated, received, enrolled) == enrolled
    assert _filed_at(enrolled + 60, received, enrolled) == enrolled + 60
    assert _filed_at(received + 999, received, enrolled) == received
