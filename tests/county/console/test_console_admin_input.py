"""What ``county admin create`` is given is checked and normalised (atk13b
findings 5 and 9): a station id written in capitals or with spaces still
keeps its custodian from approving, an id that cannot be a station's is
refused, a station the county does not know is warned about; a display
name with control or invisible characters, or too long, is refused, and
``admin list`` never prints a raw control character."""

from __future__ import annotations

import pytest

from county.console import sample_data as sample
from county.console.accounts import AccountError, check_display_name
from county.store import Store
from tests.county.conftest import county_sql
from tests.county.console.conftest import Console
from tests.county.console.test_console_admin import PASSWORD, village_edge

REQUEST = f"/approver/requests/{sample.STATION}/{sample.OPEN_REQUEST}"


def create(data: str, name: str, *extra: str) -> tuple[int, str, str]:
    made = village_edge("county", "admin", "create", "--data", data, "--name", name,
                        "--role", "approver", "--village", sample.VILLAGE, *extra,
                        "--password-stdin", stdin=PASSWORD + "\n")
    return made.returncode, made.stdout, made.stderr


@pytest.mark.parametrize("written", [sample.STATION.upper(), f" {sample.STATION}",
                                     f"{sample.STATION.upper()} "])
def test_a_custodian_written_otherwise_still_cannot_approve_their_station(
    sqlite_console: Console, written: str,
) -> None:
    console = sqlite_console
    data = str(console.sample.root)
    status, _, stderr = create(data, "kong", "--custodian-of", written)
    assert status == 0 and stderr == ""
    [row] = county_sql(console.sample.root,
                       "SELECT custodian_of FROM console_accounts WHERE name = 'kong'")
    assert row["custodian_of"] == f'["{sample.STATION}"]'
    kong = console.person()
    kong.log_in("kong", PASSWORD)
    assert "你不能自己审批" in kong.get(REQUEST).text
    own = kong.post(REQUEST + "/approve", {"uses": "1", "minutes": "10"})
    assert own.status_code == 403
    with Store.open(console.sample.county.database) as store:
        assert store.execute("SELECT count(*) AS n FROM seal_answers WHERE req = ?",
                             (sample.OPEN_REQUEST,)) == [{"n": 0}]
    listed = village_edge("county", "admin", "list", "--data", data)
    assert f"kong  kong  approver level village  villages {sample.VILLAGE}  custodian of " \
           f"{sample.STATION}\n" in listed.stdout


def test_a_station_id_that_cannot_be_one_is_refused(sqlite_console: Console) -> None:
    data = str(sqlite_console.sample.root)
    for bad in ("ve 330226100201 seal1", "ve-330226100201-seal1\u200b", "", "x" * 41):
        status, stdout, stderr = create(data, "kong", "--custodian-of", bad)
        assert status == 65 and stdout == ""
        assert len(stderr.splitlines()) == 1 and "is not a seal station's id" in stderr
    assert county_sql(sqlite_console.sample.root,
                      "SELECT name FROM console_accounts WHERE name = 'kong'") == []


def test_a_station_the_county_does_not_know_is_warned_about(sqlite_console: Console) -> None:
    status, _, stderr = create(str(sqlite_console.sample.root), "kong", "--custodian-of",
                               "ve-330226100201-seal9")
    assert status == 0
    assert stderr == ("warning: no seal station ve-330226100201-seal9 has enrolled with this "
                      "county yet; check the id if it should have (the account keeps it)\n")


@pytest.mark.parametrize("name", ["a\x1b[2Jb", "王\u202e书记", "王\u200b书记", "王\u3164书记",
                                  "王\t书记", "a\u0301\u0301\u0301"])
def test_a_display_name_with_what_shows_nothing_is_refused(name: str) -> None:
    with pytest.raises(AccountError, match="not shown as a letter"):
        check_display_name(name)


def test_a_display_name_too_long_is_refused_not_cut(sqlite_console: Console) -> None:
    data = str(sqlite_console.sample.root)
    status, stdout, stderr = create(data, "kong", "--display-name", "王" * 41)
    assert status == 65 and stdout == ""
    assert stderr.endswith("the display name has 41 characters: at most 40\n")
    escape = create(data, "kong", "--display-name", "a\x1b[2Jb")
    assert escape[0] == 65 and "U+001B" in escape[2] and "\x1b" not in escape[2]
    assert create(data, "kong", "--display-name", " 孔 会计 ")[0] == 0
    [row] = county_sql(sqlite_console.sample.root,
                       "SELECT display_name FROM console_accounts WHERE name = 'kong'")
    assert row["display_name"] == "孔 会计"


def test_admin_list_escapes_control_characters_already_stored(
    sqlite_console: Console,
) -> None:
    """A name stored before names were checked is listed escaped."""
    root = sqlite_console.sample.root
    county_sql(root, "UPDATE console_accounts SET display_name = ? WHERE name = 'wang'",
               ("a\x1b[2Jb\u202e",))
    listed = village_edge("county", "admin", "list", "--data", str(root))
    assert listed.returncode == 0
    assert "\x1b" not in listed.stdout and "\u202e" not in listed.stdout
    assert "wang  a\\x1b[2Jb\\u202e  approver" in listed.stdout
