"""Whose address the console audits and counts logins by: the
connection's own, unless ``[console] trusted_proxies`` names the reverse
proxy in front of it (atk13 finding 8: uvicorn believed X-Forwarded-For
from any local process by default)."""

from __future__ import annotations

from pathlib import Path

import requests

from county.console.sample_data import sample_county
from county.server import CountyServer
from tests.county.conftest import county_sql

FORGED = "203.0.113.9"


def failed_login_from(data_dir: Path, forwarded: str = FORGED) -> str:
    """Log in with a wrong password, sending *forwarded* as X-Forwarded-For;
    the address the audit trail names."""
    with CountyServer(data_dir) as server:
        answer = requests.post(server.url + "/console/login",
                               data={"name": "wang", "password": "not-the-password"},
                               headers={"Origin": server.url, "X-Forwarded-For": forwarded},
                               timeout=30, allow_redirects=False)
        assert answer.status_code == 401
    [row] = county_sql(data_dir, "SELECT address FROM console_audit WHERE action = "
                                 "'login_failed' ORDER BY seq DESC LIMIT 1")
    return str(row["address"])


def test_a_forwarded_address_is_not_believed_by_default(tmp_path: Path) -> None:
    sample_county(tmp_path / "county")
    assert failed_login_from(tmp_path / "county") == "127.0.0.1"


def behind_a_proxy(tmp_path: Path) -> Path:
    data_dir = tmp_path / "county"
    sample_county(data_dir)
    settings = data_dir / "county.toml"
    settings.write_text('[console]\ntrusted_proxies = ["127.0.0.1"]\n\n'
                        + settings.read_text(encoding="utf-8"), encoding="utf-8")
    return data_dir


def test_the_configured_proxys_forwarded_address_is_believed(tmp_path: Path) -> None:
    assert failed_login_from(behind_a_proxy(tmp_path)) == FORGED


def test_a_forwarded_value_that_is_no_address_leaves_the_proxys(tmp_path: Path) -> None:
    """atk13b finding 10: any text was stored as the audit's address."""
    data_dir = behind_a_proxy(tmp_path)
    for forged in ("<script>x", "x" * 5000, "203.0.113.9.1"):
        assert failed_login_from(data_dir, forged) == "127.0.0.1"
    assert failed_login_from(data_dir, "2001:db8::7") == "2001:db8::7"
