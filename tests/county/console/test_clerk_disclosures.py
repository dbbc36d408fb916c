"""The clerks' disclosure pages over HTTP on the sample county, on each
engine: a disclosure previewed, then published once, signed, for its
village's devices only and audited; listed newest first; withdrawn with a
version of no entries. A clerk never publishes, sees or withdraws for a
village they do not see (not found), and every change needs the form's
CSRF token and the console's own Origin."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import requests

from county.console import disclosures_sample as sample
from county.console.disclosure_store import DAYS_VALID
from county.datadir import existing_county
from county.store import Store
from tests.county.console.conftest import Console, Person

VALID = {"village": sample.VILLAGE, "category": "工程项目", "title": "文化礼堂屋面维修验收",
         "date": "2026-11-02", "amount": "23500", "contractor": "",
         "text": "村务监督委员会参加验收，质量合格。"}
NAME = re.compile(r'name="name" value="([^"]+)"')


def documents(console: Console, *, name: str | None = None) -> list[dict[str, Any]]:
    """Every disclosure document published (row, with its signed document), oldest first."""
    with Store.open(existing_county(console.sample.root).database) as store:
        rows = store.execute("SELECT name, version, audience, wire FROM documents "
                             "WHERE kind = 'disclosure' ORDER BY seq")
    for row in rows:
        row["document"] = json.loads(row.pop("wire"))["document"]
    return [row for row in rows if name is None or row["name"] == name]


def audit_rows(console: Console, action: str) -> list[dict[str, Any]]:
    with Store.open(existing_county(console.sample.root).database) as store:
        return store.execute("SELECT actor, object, detail FROM console_audit WHERE action = ? "
                             "ORDER BY seq", (action,))


def clerk(console: Console, name: str = "wu") -> Person:
    person = console.person()
    assert person.log_in(name).status_code == 303
    return person


def village_clerk(console: Console) -> Person:
    """A clerk who sees the sample village only."""
    console.sample.account("zheng", "郑文书", ("clerk",), (sample.VILLAGE,))
    return clerk(console, "zheng")


def previewed(person: Person, form: dict[str, str]) -> requests.Response:
    return person.get("/disclosures/check?" + urlencode(form))


def publish(person: Person, form: dict[str, str], **options: Any) -> requests.Response:
    """Preview *form*, then send the preview's publish form."""
    preview = previewed(person, form)
    assert preview.status_code == 200, preview.text
    found = NAME.search(preview.text)
    assert found is not None
    return person.post("/disclosures/publish", {**form, "name": found[1]}, **options)


def test_a_disclosure_is_previewed_then_published_once_for_its_village(
        console: Console) -> None:
    person = clerk(console)
    before = documents(console)
    preview = previewed(person, VALID)
    assert preview.status_code == 200
    assert "文化礼堂屋面维修验收" in preview.text and "金额 2.35 万元" in preview.text
    assert "工程项目 · 2026年11月2日 · 来源：县里统一发布" in preview.text
    assert documents(console) == before  # a preview signs nothing

    name = NAME.search(preview.text)
    assert name is not None
    form = {**VALID, "name": name[1]}
    done = person.post("/disclosures/publish", form)
    assert done.status_code == 303
    target = done.headers["location"].removeprefix("/console")
    assert target == f"/disclosures/villages/{sample.VILLAGE}/{name[1]}?done=published"
    [row] = documents(console, name=name[1])
    document = row["document"]
    assert row["audience"] == document["audience"] == f"village:{sample.VILLAGE}"
    assert document["body"] == {"title": "文化礼堂屋面维修验收", "category": "工程项目",
                                "date": "2026-11-02", "amount_yuan": 23500,
                                "text": "村务监督委员会参加验收，质量合格。"}
    assert document["expires"] - document["issued"] == DAYS_VALID * 86400
    [audited] = [r for r in audit_rows(console, "disclosure_published")
                 if r["object"] == f"disclosure:{name[1]}"]
    assert audited["actor"] == "wu"
    assert json.loads(audited["detail"])["village"] == sample.VILLAGE
    assert "已发布" in person.get(target).text

    again = person.post("/disclosures/publish", form)  # the same form sent twice
    assert again.status_code == 303 and len(documents(console, name=name[1])) == 1
    assert [r for r in audit_rows(console, "disclosure_published")
            if r["object"] == f"disclosure:{name[1]}"] == [audited]  # signed once, audited once


def test_the_villages_list_is_newest_first_and_withdrawn_ones_say_so(console: Console) -> None:
    person = clerk(console)
    assert publish(person, VALID).status_code == 303
    page = person.get(f"/disclosures/villages/{sample.VILLAGE}").text
    titles = re.findall(r"<strong>([^<]+)</strong>", page)
    assert titles == ["文化礼堂屋面维修验收", "村道硬化工程招标结果", "防汛物资采购",
                      "第三季度村级财务收支"]
    assert page.count("已撤回") == 1
    assert "村集体仓库出租结果" not in page  # another village's


def test_a_withdrawn_disclosure_is_a_new_version_with_no_entries(console: Console) -> None:
    person = clerk(console)
    path = f"/disclosures/villages/{sample.VILLAGE}/{sample.WORKS}"
    assert person.get(path).status_code == 200
    done = person.post(f"{path}/withdraw", {})
    assert done.status_code == 303
    assert done.headers["location"] == f"/console{path}?done=withdrawn"
    first, second = documents(console, name=sample.WORKS)
    assert first["document"]["body"]["title"] == "村道硬化工程招标结果"
    assert second["version"] == 2 and second["document"]["body"] == {"entries": []}
    assert second["audience"] == f"village:{sample.VILLAGE}"
    assert [r["object"] for r in audit_rows(console, "disclosure_withdrawn")] == [
        f"disclosure:{sample.WITHDRAWN}", f"disclosure:{sample.WORKS}"]
    shown = person.get(path).text
    assert "已撤回" in shown and 'id="withdraw"' not in shown
    again = person.post(f"{path}/withdraw", {})
    assert again.status_code == 409 and "已经撤回了" in again.text
    assert len(documents(console, name=sample.WORKS)) == 2


def test_each_problem_is_shown_beside_its_field_and_nothing_is_published(
        console: Console) -> None:
    person = clerk(console)
    before = documents(console)
    wrong = {**VALID, "title": "", "amount": "2.35万", "date": "2026-02-30"}
    answer = previewed(person, wrong)
    assert answer.status_code == 422
    assert re.search(r'id="problem-title">请填写标题。<', answer.text)
    assert re.search(r'id="problem-amount">金额请只写整数', answer.text)
    assert re.search(r'id="problem-date">没有这一天', answer.text)
    assert 'value="2.35万"' in answer.text  # what was typed stays, to be corrected
    published = person.post("/disclosures/publish", {**wrong, "name": f"{sample.VILLAGE}-"
                                                     "0123456789ab"})
    assert published.status_code == 422 and "没有发布" in published.text
    assert documents(console) == before


def test_back_from_the_preview_the_form_keeps_what_was_typed(console: Console) -> None:
    person = clerk(console)
    form = person.get("/disclosures?" + urlencode(VALID)).text
    assert 'value="文化礼堂屋面维修验收"' in form and 'value="23500"' in form
    assert f'<option value="{sample.VILLAGE}" selected>' in form
    assert '<option value="工程项目" selected>' in form


def test_a_clerk_sees_only_their_villages(console: Console) -> None:
    person = village_clerk(console)
    form = person.get("/disclosures").text
    assert f'<option value="{sample.VILLAGE}" selected>' in form  # their only village
    assert sample.OTHER_VILLAGE not in form
    every = clerk(console).get("/disclosures").text
    assert sample.VILLAGE in every and sample.OTHER_VILLAGE in every  # the whole county's


def test_another_village_is_not_found_and_nothing_is_published(console: Console) -> None:
    person = village_clerk(console)
    before = documents(console)
    other = {**VALID, "village": sample.OTHER_VILLAGE}
    assert previewed(person, other).status_code == 404
    assert person.get("/disclosures?" + urlencode(other)).status_code == 404
    forged = person.post("/disclosures/publish",
                         {**other, "name": f"{sample.OTHER_VILLAGE}-0123456789ab"})
    assert forged.status_code == 404
    listed = f"/disclosures/villages/{sample.OTHER_VILLAGE}"
    assert person.get(listed).status_code == 404
    assert person.get(f"{listed}/{sample.FOREIGN}").status_code == 404
    assert person.post(f"{listed}/{sample.FOREIGN}/withdraw", {}).status_code == 404
    # another village's disclosure under this village's address: not found either
    own = f"/disclosures/villages/{sample.VILLAGE}/{sample.FOREIGN}"
    assert person.get(own).status_code == 404
    assert person.post(f"{own}/withdraw", {}).status_code == 404
    # a name of another village with this village's form: refused
    crossed = person.post("/disclosures/publish",
                          {**VALID, "name": f"{sample.OTHER_VILLAGE}-0123456789ab"})
    assert crossed.status_code == 400
    assert documents(console) == before


def test_changes_need_the_forms_token_and_the_consoles_origin(console: Console) -> None:
    person = clerk(console)
    before = documents(console)
    path = f"/disclosures/villages/{sample.VILLAGE}/{sample.WORKS}/withdraw"
    for sent in ({"csrf": "forged"}, {"csrf": None}, {"origin": None},
                 {"origin": "https://evil.example"}):
        assert publish(person, VALID, **sent).status_code == 403, sent
        assert person.post(path, {"withdraw": "1"}, **sent).status_code == 403, sent
    assert documents(console) == before


def test_only_clerks_use_the_pages(console: Console) -> None:
    person = console.person()
    person.log_in("wang")  # an approver of the sample village
    assert person.get("/disclosures").status_code == 403
    assert person.get(f"/disclosures/villages/{sample.VILLAGE}").status_code == 403
    nobody = console.person().get("/disclosures")
    assert nobody.status_code == 303 and "/console/login" in nobody.headers["location"]
