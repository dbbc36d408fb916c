"""``village-edge county admin ...``: the console's accounts made at the
county's command line, the password never on it; and a new county telling
how to make the first account and where the console is."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import REPO
from tests.county.conftest import county_sql

PASSWORD = "correct horse battery"


def village_edge(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "village_edge", *argv], cwd=REPO, input=stdin,
                          capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL if stdin is None else None)


def test_a_new_county_says_where_its_console_is_and_how_to_make_the_first_account(
    tmp_path: Path,
) -> None:
    data = tmp_path / "county"
    process = subprocess.Popen(
        [sys.executable, "-m", "village_edge", "county", "serve", "--port", "0",
         "--data", str(data)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert process.stdout is not None
        listening = process.stdout.readline()
        console = process.stdout.readline()
        hint = process.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)", listening)
        assert url, listening
        assert console == f"web console at {url.group(1)}/console/\n"
        assert hint == ("no console account yet: make the first with 'village-edge county "
                        f"admin create --data {data} --name admin --role admin' (it asks for "
                        "the password)\n")
        made = village_edge("county", "admin", "create", "--data", str(data), "--name",
                            "admin", "--role", "admin", "--password-stdin",
                            stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
        assert "account admin made (admin; villages *)" in made.stdout
        assert "log in as admin" in made.stdout
        # the account logs in at once, on the running county
        session = requests.Session()
        answer = session.post(url.group(1) + "/console/login",
                              data={"name": "admin", "password": PASSWORD},
                              headers={"Origin": url.group(1)}, allow_redirects=False,
                              timeout=30)
        assert answer.status_code == 303 and "ve_console" in answer.cookies
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_the_password_is_kept_only_as_an_argon2_hash_and_the_change_audited(
    tmp_path: Path,
) -> None:
    data = tmp_path / "county"
    assert village_edge("county", "migrate", "--data", str(data)).returncode == 0
    made = village_edge("county", "admin", "create", "--data", str(data), "--name", "wang",
                        "--display-name", "王书记", "--role", "approver", "--village",
                        "330226100201", "--level", "township", "--custodian-of",
                        "ve-330226100201-seal1", "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    [row] = county_sql(data, "SELECT * FROM console_accounts")
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(row)
    assert (row["display_name"], row["level"]) == ("王书记", "township")
    assert row["villages"] == '["330226100201"]'
    assert row["custodian_of"] == '["ve-330226100201-seal1"]'
    [audit] = county_sql(data, "SELECT actor, action, address, object FROM console_audit")
    assert audit == {"actor": "command-line", "action": "account_created",
                     "address": "command-line", "object": "account:wang"}
    listed = village_edge("county", "admin", "list", "--data", str(data))
    assert "wang  王书记  approver level township  villages 330226100201" in listed.stdout

    changed = village_edge("county", "admin", "password", "--data", str(data), "--name",
                           "wang", "--password-stdin", stdin="another long password\n")
    assert changed.returncode == 0, changed.stderr
    [after] = county_sql(data, "SELECT password_hash FROM console_accounts")
    assert after["password_hash"] != row["password_hash"]
    disabled = village_edge("county", "admin", "disable", "--data", str(data), "--name", "wang")
    assert disabled.returncode == 0
    actions = county_sql(data, "SELECT action FROM console_audit ORDER BY seq")
    assert [a["action"] for a in actions] == ["account_created", "account_changed",
                                              "account_changed"]


def test_what_a_user_gets_wrong_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "county"
    village_edge("county", "migrate", "--data", str(data))
    base = ("county", "admin", "create", "--data", str(data), "--name", "wang", "--role",
            "approver")
    no_terminal = village_edge(*base)  # no terminal to ask on, and no --password-stdin
    assert no_terminal.returncode == 64
    assert no_terminal.stderr == ("village-edge county admin create: standard input is not a "
                                  "terminal to ask for the password: give --password-stdin "
                                  "and pipe the password in\n")
    short = village_edge(*base, "--password-stdin", stdin="short\n")
    assert short.returncode == 65
    assert short.stderr.endswith("the password must be at least 10 characters\n")
    village = village_edge(*base, "--village", "33022610", "--password-stdin",
                           stdin=PASSWORD + "\n")
    assert village.returncode == 65 and "is not a village code (12 digits)" in village.stderr
    assert county_sql(data, "SELECT name FROM console_accounts") == []
    assert village_edge(*base, "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    twice = village_edge(*base, "--password-stdin", stdin=PASSWORD + "\n")
    assert twice.returncode == 65 and "exists already" in twice.stderr
    for ran in (short, village, twice):
        assert len(ran.stderr.splitlines()) == 1 and "Traceback" not in ran.stderr


def test_each_sample_account_keeps_the_roles_its_pages_are_shown_with(tmp_path: Path) -> None:
    """The tour logs in as each page's account: two seeders making the same
    name would leave one of them refused (403) on every page of its role."""
    from county.console.accounts import ROLES, load_account
    from county.console.sample_data import sample_county
    from county.console.tour import PAGES
    from county.store import Store

    sample = sample_county(tmp_path / "county")
    with Store.open(sample.county.database) as store:
        for page in PAGES:
            role = page.path.strip("/").split("/")[0]
            if page.account is None or role not in ROLES:
                continue
            account = load_account(store, page.account)
            assert account is not None and account.has(role), page
