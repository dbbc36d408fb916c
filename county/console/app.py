"""The console as a Starlette application, mounted by :mod:`county.asgi`
under ``/console/`` on the county's own application: the same process and
the same database as the device API, so a decision is in the station's
feed the moment it is taken."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from county.console.config import ConsoleSettings, read_console_settings
from county.database import Database
from county.datadir import CountyDir

if TYPE_CHECKING:
    from county.app import CountyApp

CACHE_DIR = "console-cache"  # in the data directory: thumbnails, made again if removed


@dataclass
class Console:
    """What every console page needs: the county, its database, the clock."""

    county: CountyDir
    database: Database
    settings: ConsoleSettings
    clock: Callable[[], float] = time.time

    @cached_property
    def templates(self) -> jinja2.Environment:
        from county.console.format import FILTERS

        environment = jinja2.Environment(
            loader=jinja2.PackageLoader("county.console", "templates"),
            autoescape=True, trim_blocks=True, lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        environment.filters.update(FILTERS)
        return environment

    @property
    def cache(self) -> Path:
        return self.county.root / CACHE_DIR


def console_routes(app: CountyApp) -> list[BaseRoute]:
    """The console mounted under /console on the county application of
    *app* (its data directory, database and clock); none if its settings
    turn it off."""
    settings = read_console_settings(app.county.root)
    if not settings.enabled:
        return []
    console = Console(app.county, app.database, settings, app.clock)
    return [Route("/console", lambda _: RedirectResponse("/console/", status_code=308)),
            Mount("/console", app=console_app(console))]


def console_app(console: Console) -> Starlette:
    """The console's pages (:mod:`county.console.registry`) and its CSS."""
    from county.console.registry import routes

    static = StaticFiles(packages=[("county.console", "static")])
    app = Starlette(routes=[*routes(), Mount("/static", app=static, name="static")],
                    exception_handlers={404: _not_found})
    app.state.console = console
    return app


async def _not_found(request: Request, exc: Exception) -> Response:
    from county.console.web import SECURITY_HEADERS, url

    console: Console = request.app.state.console
    html = console.templates.get_template("common/message.html").render(
        title="找不到", viewer=None, csrf="", menu=[], url=url, path=request.url.path,
        now=console.clock(), message="找不到这个页面。")
    from starlette.responses import HTMLResponse

    return HTMLResponse(html, status_code=404, headers=SECURITY_HEADERS)
