"""The clerks' disclosure pages (阳光村务): a clerk fills in the form for a
village they see, checks it, sees it as the village's kiosks will show it,
and publishes it, signed, to that village's devices only; each village's
list shows what it has published, newest first, and a disclosure can be
withdrawn. A village the account does not see is not found, as everywhere
in the console (:class:`county.console.web.NotFound`).

The form is checked on preview and again on publish
(:mod:`county.console.disclosure_form`); publishing and withdrawing are
audited in the same transaction as the document
(:mod:`county.console.disclosure_store`). The preview carries the name the
disclosure will have, so the same form sent twice is published once.
Filling in and previewing change nothing, so they are GET pages (the
browser's back button works, and the screenshots can show them); what
changes something is a POST with the session's CSRF token.
"""

from __future__ import annotations

from datetime import date, datetime

from starlette.responses import Response

from county.console import audit
from county.console.disclosure_form import (
    FIELDS,
    MAX_CONTRACTOR,
    MAX_TEXT,
    MAX_TITLE,
    CheckedForm,
    check_form,
    tidy,
)
from county.console.disclosure_store import (
    find,
    name_of,
    new_name,
    publish_entry,
    village_disclosures,
    villages_of,
    withdraw,
)
from county.console.format import BEIJING
from county.console.registry import MenuEntry
from county.console.web import Call, NotFound, Refused, page
from protocol.api import VILLAGE_CODE
from protocol.disclosure import CATEGORIES

ROLE = "clerk"
TITLE = "发布村务公开"


def _today(call: Call) -> date:
    return datetime.fromtimestamp(call.now, BEIJING).date()


def _seen_village(call: Call, village: str) -> str:
    """*village* if the account publishes for it; else :class:`NotFound`."""
    if not VILLAGE_CODE.fullmatch(village) or not call.account.sees_village(village):
        raise NotFound
    return village


def _typed(call: Call) -> dict[str, str]:
    """The form's fields as the query carries them (a GET form)."""
    return {name: call.query(name) or "" for name in FIELDS}


def _form(call: Call, *, values: dict[str, str], problems: dict[str, str] | None = None,
          problem: str | None = None, status: int = 200) -> Response:
    villages = villages_of(call.store, call.account)
    if not values["village"] and len(villages) == 1:
        values = {**values, "village": villages[0]}
    return call.render("clerk/disclosure_form.html", status=status, title=TITLE,
                       villages=villages, categories=list(CATEGORIES), values=values,
                       problems=problems or {}, problem=problem, max_title=MAX_TITLE,
                       max_contractor=MAX_CONTRACTOR, max_text=MAX_TEXT)


def form_page(call: Call) -> Response:
    """The form: empty (today's date), or as it was typed (back from the preview)."""
    values = tidy(_typed(call))
    if values["village"]:
        _seen_village(call, values["village"])
    if not values["date"]:
        values["date"] = _today(call).isoformat()
    return _form(call, values=values)


def _checked(call: Call, form: dict[str, str]) -> CheckedForm:
    checked = check_form(form, _today(call))
    if checked.values["village"]:
        _seen_village(call, checked.values["village"])
    return checked


def preview(call: Call) -> Response:
    checked = _checked(call, _typed(call))
    if checked.entry is None:
        return _form(call, values=checked.values, problems=checked.problems,
                     problem="还有地方要改，请看下面标红的提示。", status=422)
    village = checked.values["village"]
    return call.render("clerk/disclosure_preview.html", title="村务公开预览", values=checked.values,
                       entry=checked.entry, village=village, name=new_name(village))


def publish(call: Call) -> Response:
    checked = _checked(call, dict(call.form))
    if checked.entry is None:
        return _form(call, values=checked.values, problems=checked.problems,
                     problem="没有发布：还有地方要改，请看下面标红的提示。", status=422)
    village, name = checked.values["village"], call.form.get("name", "")
    if not name_of(village, name):
        raise Refused(400, "表单内容不完整，没有发布。请回到“发布村务公开”重新填写。")
    with call.store.transaction():
        signed = publish_entry(call.store, call.console.county.key, village, name,
                               checked.entry, call.now)
        if signed is not None:
            audit.record(call.store, at=call.now, actor=call.account.name,
                         action="disclosure_published", address=call.address,
                         object=f"disclosure:{name}", village=village,
                         version=signed.document.version, title=checked.entry.title,
                         category=checked.entry.category)
    return call.redirect(f"/disclosures/villages/{village}/{name}?done=published")


def village_list(call: Call) -> Response:
    village = _seen_village(call, call.params["village"])
    shown, total = village_disclosures(call.store, village)
    return call.render("clerk/disclosure_list.html", title=f"村务公开 · {village}",
                       village=village, shown=shown, total=total)


def _published(call: Call) -> tuple[str, str]:
    village = _seen_village(call, call.params["village"])
    return village, call.params["name"]


def disclosure(call: Call, *, problem: str | None = None, status: int = 200) -> Response:
    village, name = _published(call)
    found = find(call.store, village, name)
    if found is None:
        raise NotFound
    return call.render("clerk/disclosure.html", status=status, title="村务公开", item=found,
                       village=village, done=call.query("done"), problem=problem)


def withdraw_page(call: Call) -> Response:
    village, name = _published(call)
    with call.store.transaction():
        found = find(call.store, village, name)
        if found is None:
            raise NotFound
        if found.withdrawn is not None:
            signed = None
        else:
            signed = withdraw(call.store, call.console.county.key, found, call.now)
            audit.record(call.store, at=call.now, actor=call.account.name,
                         action="disclosure_withdrawn", address=call.address,
                         object=f"disclosure:{name}", village=village,
                         version=signed.document.version)
    if signed is None:
        return disclosure(call, problem="这条公开已经撤回了。", status=409)
    return call.redirect(f"/disclosures/villages/{village}/{name}?done=withdrawn")


ROUTES = [
    page("/disclosures", form_page, role=ROLE, name="clerk_disclosures"),
    page("/disclosures/check", preview, role=ROLE),
    page("/disclosures/publish", publish, role=ROLE, methods=("POST",)),
    page("/disclosures/villages/{village}", village_list, role=ROLE),
    page("/disclosures/villages/{village}/{name}", disclosure, role=ROLE),
    page("/disclosures/villages/{village}/{name}/withdraw", withdraw_page, role=ROLE,
         methods=("POST",)),
]
MENU = (MenuEntry(ROLE, TITLE, "/disclosures"),)
