"""The console as a Starlette application, mounted by :mod:`county.asgi`
under ``/console/`` on the county's own application: the same process and
the same database as the device API, so a decision is in the station's
feed the moment it is taken."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
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
                    exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.console = console
    return app


def _message_page(request: Request, status: int, title: str, message: str,
                  headers: Mapping[str, str] | None = None) -> Response:
    from starlette.responses import HTMLResponse

    from county.console.web import SECURITY_HEADERS, url

    console: Console = request.app.state.console
    html = console.templates.get_template("common/message.html").render(
        title=title, viewer=None, csrf="", menu=[], url=url, path=request.url.path,
        now=console.clock(), message=message)
    return HTMLResponse(html, status_code=status,
                        headers={**SECURITY_HEADERS, "Cache-Control": "no-store",
                                 **(headers or {})})


async def _not_found(request: Request, exc: Exception) -> Response:
    return _message_page(request, 404, "找不到", "找不到这个页面。")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    """A page asked for with a method it does not answer (PUT, DELETE, ...):
    in Chinese like every page, its Allow header kept."""
    allow = getattr(exc, "headers", None) or {}
    return _message_page(request, 405, "不能这样打开", "这个页面不能这样打开，请回到首页再试。",
                         {"Allow": allow["Allow"]} if "Allow" in allow else None)
