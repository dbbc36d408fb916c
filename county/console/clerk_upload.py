"""A page that takes a file: the console's pages read only small
urlencoded forms (:mod:`county.console.web`), so an upload
(``multipart/form-data``) is read here, at most :data:`MAX_UPLOAD` bytes,
and then served exactly as every other page (the same Origin, session, role
and CSRF checks). The file is kept in memory for the page function:
:func:`uploaded`.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from county.console.web import (
    Call,
    PageFunction,
    _refusal,
    _serve,
    client_address,
    same_origin,
)

MAX_UPLOAD = 512 * 1024  # a county's whole power list is about 100 KB
DRAIN_AT_MOST = 32 * 1024 * 1024  # read (and drop) this much of a too-large upload
TOO_LARGE = (f"文件太大了：最多 {MAX_UPLOAD // 1024} KB。请确认上传的是清单的 .toml 文件。")


@dataclass(frozen=True)
class Upload:
    """The file of an upload form: its name as the browser sent it, and its bytes."""

    file_name: str
    data: bytes


def uploaded(call: Call) -> Upload | None:
    """The file the form carried (None: no file, or too large: see :func:`too_large`)."""
    upload = getattr(call.request.state, "upload", None)
    return upload if isinstance(upload, Upload) else None


def too_large(call: Call) -> bool:
    return bool(getattr(call.request.state, "too_large", False))


def _parse(content_type: str, body: bytes) -> tuple[dict[str, str], Upload | None]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: dict[str, str] = {}
    upload = None
    if not message.is_multipart():
        return fields, None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        file_name = part.get_filename()
        if file_name is not None:
            if upload is None and (data or file_name):
                upload = Upload(file_name, data)
        else:
            fields[name] = data.decode("utf-8", errors="replace")
    return fields, upload


def upload_page(path: str, function: PageFunction, *, role: str) -> Route:
    """The route serving *function* at *path* (under /console) for a POST
    of ``multipart/form-data`` to accounts with *role*."""

    async def endpoint(request: Request) -> Response:
        console = request.app.state.console
        if not same_origin(request):
            return _refusal(console, request, 403, "这个请求不是从本系统的页面发出的，已拒绝。"
                            "请回到系统页面重新操作。")
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "multipart/form-data":
            return _refusal(console, request, 400, "表单内容无法读取，请回到页面重新提交。")
        body = bytearray()
        large, read = False, 0
        async for chunk in request.stream():
            read += len(chunk)
            if read > DRAIN_AT_MOST:
                break  # a browser sending this much gets its answer when the connection ends
            if not large:
                body += chunk
                large = len(body) > MAX_UPLOAD + 16 * 1024
        fields: dict[str, str] = {}
        if large:
            request.state.too_large = True
            # the CSRF token is the form's first field: read it from what came
            fields, _ = _parse(content_type, bytes(body[:16 * 1024]))
        else:
            fields, upload = _parse(content_type, bytes(body))
            if upload is not None and len(upload.data) > MAX_UPLOAD:
                request.state.too_large = True
            else:
                request.state.upload = upload
        return await run_in_threadpool(_serve, console, request, function, role,
                                       client_address(request), fields, True)

    return Route(path, endpoint, methods=["POST"])
