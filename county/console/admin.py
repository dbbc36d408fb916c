"""Making and changing console accounts from the county's command line
(``village-edge county admin ...``); each change audited."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from county.console import audit
from county.console.accounts import (
    EVERYWHERE,
    Account,
    AccountError,
    account_count,
    all_accounts,
    check_account,
    check_display_name,
    check_password,
    check_stations,
    hash_password,
    load_account,
    save_account,
)
from county.console.sessions import close_sessions_of
from county.datadir import existing_county
from county.store import Store

COMMAND_LINE = "command-line"  # the audit's "from where" for a change made at the server


def create_account(
    data_dir: Path | str, name: str, password: str, *, roles: tuple[str, ...],
    villages: tuple[str, ...], display_name: str | None = None, level: str | None = None,
    seals: tuple[str, ...] = (EVERYWHERE,), custodian_of: tuple[str, ...] = (),
    actor: str = COMMAND_LINE, now: float | None = None,
) -> Account:
    """A new account; :class:`AccountError` if the name is taken or a field is wrong."""
    check_account(name, roles, villages, level)
    shown = check_display_name(name if display_name is None else display_name) or name
    custodian_of = check_stations(custodian_of)
    check_password(password)
    if "approver" in roles and level is None:
        level = "village"
    county = existing_county(data_dir)
    now = time.time() if now is None else now
    account = Account(name, shown, hash_password(password),
                      roles, villages, level, seals, custodian_of, None, now, now)
    with Store.open(county.database) as store, store.transaction():
        if load_account(store, name) is not None:
            raise AccountError(f"an account {name!r} exists already: choose another name, or "
                               "change its password with 'village-edge county admin password'")
        save_account(store, account)
        audit.record(store, at=now, actor=actor, action="account_created", address=COMMAND_LINE,
                     object=f"account:{name}", roles=list(roles), villages=list(villages),
                     level=level, seals=list(seals), custodian_of=list(custodian_of))
    return account


def set_password(data_dir: Path | str, name: str, password: str, *,
                 actor: str = COMMAND_LINE, now: float | None = None) -> Account:
    """A new password for *name*; every session of it ends."""
    check_password(password)
    return _change(data_dir, name, actor, now, "password", password_hash=hash_password(password))


def disable_account(data_dir: Path | str, name: str, *, actor: str = COMMAND_LINE,
                    now: float | None = None) -> Account:
    """*name* may no longer log in; every session of it ends."""
    now = time.time() if now is None else now
    return _change(data_dir, name, actor, now, "disabled", disabled=now)


def _change(data_dir: Path | str, name: str, actor: str, now: float | None, what: str,
            **fields: object) -> Account:
    county = existing_county(data_dir)
    now = time.time() if now is None else now
    with Store.open(county.database) as store, store.transaction():
        account = load_account(store, name)
        if account is None:
            raise AccountError(f"no account {name!r}: see 'village-edge county admin list'")
        changed = replace(account, changed=now, **fields)  # type: ignore[arg-type]
        save_account(store, changed)
        close_sessions_of(store, name)
        audit.record(store, at=now, actor=actor, action="account_changed", address=COMMAND_LINE,
                     object=f"account:{name}", change=what)
    return changed


def unknown_stations(data_dir: Path | str, stations: tuple[str, ...]) -> list[str]:
    """Those of *stations* that have not enrolled with the county."""
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        known = {device.device_id for device in store.devices()}
    return [station for station in stations if station not in known]


def accounts(data_dir: Path | str) -> list[Account]:
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        return all_accounts(store)


def has_accounts(data_dir: Path | str) -> bool:
    county = existing_county(data_dir)
    with Store.open(county.database) as store:
        return account_count(store) > 0
