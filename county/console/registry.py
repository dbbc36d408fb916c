"""The one place that collects the console's pages: each role's module
(``county/console/<role>.py``) exports ``ROUTES`` (its pages, made with
:func:`county.console.web.page`) and ``MENU`` (its entries in the menu,
each shown to the accounts with that role); add a module to
:func:`page_modules` and its pages are served."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from starlette.routing import BaseRoute

from county.console.accounts import Account


@dataclass(frozen=True)
class MenuEntry:
    role: str
    label: str  # short, in Chinese
    path: str  # under /console


def page_modules() -> tuple[ModuleType, ...]:
    """Every module that serves console pages, in menu order (imported
    here, not at the top: the role modules import this one)."""
    from county.console import (
        approver,
        clerk,
        clerk_disclosures,
        complaints,
        home,
        photos,
        supervisor,
        technician,
    )

    return (home, approver, supervisor, photos, complaints, clerk, clerk_disclosures, technician)


def routes() -> list[BaseRoute]:
    return [route for module in page_modules() for route in module.ROUTES]


def menu(viewer: Account | None) -> list[MenuEntry]:
    """The menu entries *viewer* may use."""
    if viewer is None:
        return []
    return [entry for module in page_modules() for entry in getattr(module, "MENU", ())
            if viewer.has(entry.role)]
