"""The clerks' pages: upload the power list (the clerk's TOML file), see it
checked as ``village-edge catalog validate`` checks it (every problem in
plain Chinese, with where it is), preview what the kiosks will show (the
items, their steps, whom to see), and publish it, signed, to every device.
Nothing invalid is ever signed: a catalog is checked on upload and again
when it is published (:mod:`county.console.clerk_catalog`); publishing is
audited in the same transaction as the document it publishes.
"""

from __future__ import annotations

from starlette.responses import Response

from county.console import audit
from county.console.clerk_catalog import (
    Checked,
    check_bytes,
    load_draft,
    publish_draft,
    recent_drafts,
    save_draft,
)
from county.console.clerk_upload import MAX_UPLOAD, TOO_LARGE, too_large, upload_page, uploaded
from county.console.registry import MenuEntry
from county.console.web import Call, NotFound, Refused, page
from powerlist import CATEGORIES, NODE_KINDS, parse_catalog

ROLE = "clerk"
#: The power list is published to every kiosk of the county (audience "*"):
#: only a clerk who sees every village may upload or publish it.
COUNTY_WIDE = ("这份权力清单会发布到全县每个村的查询机。你的账号只管部分村，"
               "不能上传或发布全县的清单，请找负责全县的经办人办理。")


def _county_wide(call: Call) -> None:
    if "*" not in call.account.villages:
        raise Refused(403, COUNTY_WIDE)


def upload_form(call: Call, *, checked: Checked | None = None, problem: str | None = None,
                status: int = 200) -> Response:
    _county_wide(call)
    return call.render("clerk/upload.html", status=status, title="发布权力清单",
                       checked=checked, problem=problem, max_kb=MAX_UPLOAD // 1024,
                       drafts=recent_drafts(call.store, call.account.name))


def upload(call: Call) -> Response:
    _county_wide(call)
    if too_large(call):
        return upload_form(call, problem=TOO_LARGE, status=413)
    file = uploaded(call)
    if file is None or not file.data:
        return upload_form(call, problem="请先选择清单文件（.toml），再点“检查”。", status=400)
    checked = check_bytes(file.data, file.file_name)
    with call.store.transaction():
        draft_id = save_draft(call.store, call.account.name, checked, call.now) \
            if checked.catalog is not None else None
        audit.record(call.store, at=call.now, actor=call.account.name, action="catalog_checked",
                     address=call.address, object=f"catalog-file:{checked.file_name}",
                     valid=checked.catalog is not None, problems=len(checked.problems),
                     bytes=len(file.data), draft=draft_id)
    if draft_id is None:
        return upload_form(call, checked=checked, status=422)
    return call.redirect(f"/clerk/drafts/{draft_id}")


def preview(call: Call, *, problem: str | None = None, checked: Checked | None = None,
            status: int = 200) -> Response:
    _county_wide(call)
    draft = load_draft(call.store, call.params["draft"], call.account.name)
    if draft is None:
        raise NotFound
    catalog = parse_catalog(draft.text, draft.file_name) if checked is None else None
    version = call.store.latest_version("catalog", catalog.id) if catalog else 0
    return call.render("clerk/preview.html", status=status, title="清单预览", draft=draft,
                       catalog=catalog, categories=CATEGORIES, node_kinds=NODE_KINDS,
                       current=version, problem=problem, checked=checked,
                       done=call.query("done") is not None)


def publish(call: Call) -> Response:
    _county_wide(call)
    draft = load_draft(call.store, call.params["draft"], call.account.name)
    if draft is None:
        raise NotFound
    if draft.published is not None:
        return preview(call, problem="这份清单已经发布过了。要改动，请改好文件后重新上传。",
                       status=409)
    with call.store.transaction():
        version, checked = publish_draft(call.store, call.console.county.key, draft, call.now)
        if version:
            assert checked.catalog is not None
            audit.record(call.store, at=call.now, actor=call.account.name,
                         action="catalog_published", address=call.address,
                         object=f"catalog:{checked.catalog.id}", version=version,
                         sha256=draft.sha256, file=draft.file_name,
                         items=len(checked.catalog.items))
    if not version:
        return preview(call, problem="清单没有通过检查，没有发布。", checked=checked, status=422)
    return call.redirect(f"/clerk/drafts/{draft.id}?done=1")


ROUTES = [
    page("/clerk", upload_form, role=ROLE, name="clerk"),
    upload_page("/clerk/upload", upload, role=ROLE),
    page("/clerk/drafts/{draft}", preview, role=ROLE, name="clerk_draft"),
    page("/clerk/drafts/{draft}/publish", publish, role=ROLE, methods=("POST",)),
]
MENU = (MenuEntry(ROLE, "发布权力清单", "/clerk"),)
