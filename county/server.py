"""The reference county server: the ASGI application of :mod:`county.asgi`
served by uvicorn, with the HTTP checks of :mod:`county.http_guard`.

Use it in-process (tests, the demo)::

    with CountyServer(data_dir) as county:      # port 0: any free port
        requests.get(county.url + "/v1/health")

or as ``village-edge county serve`` (one process, or ``--workers N``
processes sharing a PostgreSQL database: :func:`serve_workers`). The data
directory, key and database are made, or migrated, on start; a database
from a newer county is refused.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

from county.app import CountyApp
from county.asgi import county_asgi
from county.database import Database
from county.datadir import CountyDir, init_county
from county.errors import CannotListen, CountyError
from county.forwarded import ForwardedFor
from county.http_guard import MAX_HEAD_BYTES, GuardedH11Protocol
from county.keyfile import load_key
from protocol.signing import key_fingerprint

log = logging.getLogger(__name__)

IDLE_SECONDS = 60  # a keep-alive connection with no request for this long is closed
STOP_SECONDS = 5  # requests still running when asked to stop get this long to finish
WORKER_DATA = "VILLAGE_EDGE_COUNTY_DATA"  # the data directory, for worker processes


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to *host*:*port* (0: a free port), or :class:`CannotListen`."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
    except OSError as error:
        fix = ("check --host: a name or address of this machine" if isinstance(
            error, socket.gaierror) else "choose another --port or stop what is using it")
        raise CannotListen(
            f"cannot listen on {host}:{port} ({error.strerror or error}); {fix}"
        ) from None
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: Starlette | str, *, workers: int = 1) -> uvicorn.Config:
    """How uvicorn serves the county: h11 with the county's checks, the
    county's own log lines (uvicorn's logging left alone), no Server header
    of its own. A client's address is the connection's own: uvicorn reads no
    X-Forwarded-For (it would believe any local process); the county's app
    reads it only from ``[console] trusted_proxies`` (:mod:`county.forwarded`)."""
    return uvicorn.Config(
        app, http=GuardedH11Protocol, factory=isinstance(app, str), workers=workers,
        proxy_headers=False,
        lifespan="on", log_config=None, access_log=False, server_header=False,
        timeout_keep_alive=IDLE_SECONDS, timeout_graceful_shutdown=STOP_SECONDS,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES, backlog=2048,
    )


def _trusted_proxies(county: CountyDir) -> tuple[str, ...]:
    from county.console.config import read_console_settings

    return read_console_settings(county.root).trusted_proxies


def county_app(county: CountyDir, clock: Callable[[], float] = time.time) -> Starlette:
    """The ASGI application serving *county*, with a pool of database connections."""
    size = county.settings.pool_size
    app = CountyApp(county, load_key(county.key), Database(county.database, size), clock)
    asgi = county_asgi(app, threads=size)
    trusted = _trusted_proxies(county)
    if trusted:
        asgi.add_middleware(ForwardedFor, trusted_proxies=trusted)
    return asgi


def worker_app() -> Starlette:
    """The application of one worker process of :func:`serve_workers`."""
    return county_app(CountyDir(Path(os.environ[WORKER_DATA])))


def serve_workers(county: CountyDir, sock: socket.socket, workers: int) -> None:
    """Serve *county* on *sock* with *workers* processes until SIGTERM or
    SIGINT; each has its own pool of connections to the one database."""
    if county.database.engine != "postgresql":
        raise CountyError("several workers need the county's database in PostgreSQL (SQLite "
                          "is one process's): set [database] url in county.toml, or --workers 1")
    os.environ[WORKER_DATA] = str(county.root.resolve())
    config = uvicorn_config("county.server:worker_app", workers=workers)
    Multiprocess(config, sockets=[sock]).run()


class CountyServer:
    """A county serving *data_dir* on *host*:*port* (0: a free port) in a
    background thread."""

    def __init__(
        self,
        data_dir: Path | str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port
        self.clock = clock
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._public_key: str | None = None

    def start(self) -> CountyServer:
        if self._server is not None:
            raise RuntimeError("this county server is already running")
        county = init_county(self.data_dir)
        sock = listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        try:
            app = county_app(county, self.clock)
        except BaseException:
            sock.close()
            raise
        server = uvicorn.Server(uvicorn_config(app))
        failed: list[BaseException] = []

        def run() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as error:  # reported to start() below
                failed.append(error)
            finally:
                sock.close()

        self._thread = threading.Thread(target=run, name=f"county-server-{self.port}",
                                        daemon=True)
        self._server = server
        self._thread.start()
        while not server.started and self._thread.is_alive():
            time.sleep(0.005)
        if not server.started:
            self._server = self._thread = None
            raise CountyError(f"the county server did not start: {failed or 'see its log'}")
        self._public_key = county_public_key(county)
        log.info("county serving %s (database %s) on %s", self.data_dir,
                 county.database.shown, self.url)
        return self

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def public_key(self) -> str:
        if self._public_key is None:
            raise RuntimeError("start the county server first")
        return self._public_key

    @property
    def key_fingerprint(self) -> str:
        return key_fingerprint(self.public_key)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop serving, close connections, wait for the serving thread; idempotent."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.should_exit = True
        if thread is not None:
            thread.join(timeout=STOP_SECONDS + 10)
        log.info("county server on port %d stopped", self.port)

    def __enter__(self) -> CountyServer:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def county_public_key(county: CountyDir) -> str:
    from protocol.signing import public_key_text

    return public_key_text(load_key(county.key))
