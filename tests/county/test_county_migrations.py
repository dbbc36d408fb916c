"""The county's schema as versioned migrations, and where its database is:
``village-edge county migrate``, the refusal of a database from a newer
release, ``--database`` recorded in county.toml, and what an operator is
told when the database named cannot be used. On each engine."""

from __future__ import annotations

from pathlib import Path

from county.datadir import CountyDir, make_county_dir
from county.migrations import latest_version, migrations
from county.server import CountyServer
from county.store import Store
from tests.county.conftest import county_sql
from tests.postgres_server import PostgresCluster
from tests.village_edge.inprocess import village_edge
from village_edge.exits import DATA_ERROR, NO_INPUT, UNAVAILABLE, USAGE


def test_both_engines_have_the_same_migrations() -> None:
    assert [(m.version, m.name) for m in migrations("sqlite")] == \
        [(m.version, m.name) for m in migrations("postgresql")]


def test_migrate_applies_each_version_once_and_says_which(data_dir: Path) -> None:
    first = village_edge("county", "migrate", "--data", str(data_dir))
    assert first.status == 0 and first.err == ""
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in migrations("sqlite"))
    assert f"schema version 0 -> {latest_version('sqlite')} (applied {names})" in first.out
    again = village_edge("county", "migrate", "--data", str(data_dir))
    assert again.status == 0
    assert f"schema version {latest_version('sqlite')}, nothing to do" in again.out
    rows = county_sql(data_dir, "SELECT version FROM schema_migrations ORDER BY version")
    assert [row["version"] for row in rows] == list(range(1, latest_version("sqlite") + 1))


def test_a_database_from_a_newer_release_is_refused_and_left_alone(data_dir: Path) -> None:
    village_edge("county", "migrate", "--data", str(data_dir))
    newer = latest_version("sqlite") + 1
    county_sql(data_dir, "INSERT INTO schema_migrations (version, name, applied) "
                         "VALUES (?, 'from_the_future', 0)", (newer,))
    for command in ("migrate", "stats"):
        ran = village_edge("county", command, "--data", str(data_dir))
        assert ran.status == DATA_ERROR, ran.err
        assert f"schema version {newer}" in ran.error and "newer village-edge" in ran.error
    ran = village_edge("county", "serve", "--port", "0", "--data", str(data_dir))
    assert ran.status == DATA_ERROR and "newer village-edge" in ran.error
    with Store.open(CountyDir(data_dir).database) as store:  # as it was
        rows = store.execute("SELECT max(version) AS v FROM schema_migrations")
    assert rows[0]["v"] == newer


def test_a_database_never_migrated_is_named_with_the_command_to_run(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    data = tmp_path / "county"
    data.mkdir()
    (data / "county.toml").write_text(f'[database]\nurl = "{postgres.new_database()}"\n')
    make_county_dir(data)
    ran = village_edge("county", "enroll-code", "--device", "ve-330226100201-seal1",
                       "--role", "seal", "--data", str(data))
    assert ran.status == NO_INPUT  # as for a data directory with no county
    assert "no tables yet" in ran.error and "county migrate" in ran.error


def test_database_names_postgresql_once_for_every_command(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    data, url = tmp_path / "county", postgres.new_database()
    ran = village_edge("county", "migrate", "--data", str(data), "--database", url)
    assert ran.status == 0 and url in ran.out
    assert url in (data / "county.toml").read_text()
    assert not (data / "county.db").exists()  # nothing went to SQLite
    code = village_edge("county", "enroll-code", "--device", "ve-330226100201-seal1",
                        "--role", "seal", "--data", str(data))
    assert code.status == 0  # the same database, without naming it again
    with CountyServer(data) as county:  # and the server finds it there too
        assert county.url
    [row] = county_sql(data, "SELECT count(*) AS n FROM enroll_codes")
    assert row["n"] == 1


def test_a_database_url_with_a_password_is_refused_and_nothing_is_recorded(
    tmp_path: Path
) -> None:
    data = tmp_path / "county"
    ran = village_edge("county", "migrate", "--data", str(data), "--database",
                       "postgresql://county:secret@localhost/county")
    assert ran.status == USAGE
    assert "password" in ran.error and "secret" not in ran.error
    assert not (data / "county.toml").exists()


def test_another_database_than_the_one_recorded_is_refused(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    data = tmp_path / "county"
    first, second = postgres.new_database(), postgres.new_database()
    assert village_edge("county", "migrate", "--data", str(data), "--database", first).status == 0
    ran = village_edge("county", "migrate", "--data", str(data), "--database", second)
    assert ran.status == DATA_ERROR and "county.toml" in ran.error
    assert first in (data / "county.toml").read_text()


def test_an_unreachable_database_is_named_with_what_to_check(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    data = tmp_path / "county"
    data.mkdir()
    url = postgres.url("no_such_database")
    (data / "county.toml").write_text(f'[database]\nurl = "{url}"\n')
    ran = village_edge("county", "serve", "--port", "0", "--data", str(data))
    assert ran.status == UNAVAILABLE
    assert url in ran.error and "PostgreSQL" in ran.error


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    ran = village_edge("county", "serve", "--port", "0", "--workers", "2",
                       "--data", str(tmp_path / "county"))
    assert ran.status == USAGE and "PostgreSQL" in ran.error
