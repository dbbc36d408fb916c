"""The clerks' pages over HTTP on a real county server: a catalog checked
as `village-edge catalog validate` checks it, previewed, published signed
and audited; an invalid one refused with every problem in plain Chinese
with where it is, and nothing signed; uploads limited in size."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from county.console.clerk_problems import translate
from county.console.clerk_upload import MAX_UPLOAD
from county.server import CountyServer
from powerlist import sample_text, validate_file
from tests.county.console.complaints_helpers import (
    ConsoleClient,
    audit_rows,
    make_account,
    published,
    store_of,
)

SAMPLE_ID = "sample-common"


def broken_catalog() -> str:
    """The sample with three mistakes: an item without a name, a category
    that does not exist, and a TOML line without its '='."""
    text = sample_text()
    text = re.sub(r'(?m)^name = "最低生活保障申请.*"\n', "", text, count=1)
    text = text.replace('category = "convenience_service"', 'category = "services"', 1)
    return text


@pytest.fixture
def county(data_dir: Path) -> Iterator[CountyServer]:
    with CountyServer(data_dir) as server:
        make_account(data_dir, "sun", ("clerk",))
        make_account(data_dir, "chen", ("complaints",))
        yield server


def clerk(county: CountyServer) -> ConsoleClient:
    client = ConsoleClient(county.url).login("sun")
    client.get("/clerk")
    return client


def documents(data_dir: Path) -> int:
    with store_of(data_dir) as store:
        return store.document_count()


def test_a_valid_catalog_is_previewed_then_published_signed(county: CountyServer,
                                                           data_dir: Path) -> None:
    client = clerk(county)
    checked = client.upload("/clerk/upload", "清单.toml", sample_text().encode())
    assert checked.status_code == 303
    preview = client.get(checked.headers["location"].removeprefix("/console"))
    assert preview.status_code == 200
    assert "村级小微权力清单" in preview.text and "确认发布到各村查询机" in preview.text
    assert "最低生活保障申请" in preview.text and "找谁办" in preview.text
    assert len(preview.content) < 100 * 1024  # a page under 100 KB
    assert published(data_dir, "catalog", SAMPLE_ID) == []  # a preview signs nothing

    draft = checked.headers["location"].removeprefix("/console")
    done = client.post(f"{draft}/publish", {})
    assert done.status_code == 303
    [document] = published(data_dir, "catalog", SAMPLE_ID)
    assert document["audience"] == "*" and len(document["body"]["items"]) == 36
    [row] = audit_rows(data_dir, "catalog_published")
    assert (row["actor"], row["object"]) == ("sun", f"catalog:{SAMPLE_ID}")
    assert json.loads(row["detail"])["version"] == 1
    again = client.post(f"{draft}/publish", {})
    assert again.status_code == 409 and len(published(data_dir, "catalog", SAMPLE_ID)) == 1


def test_an_invalid_catalog_is_refused_with_each_problem_in_chinese(
        county: CountyServer, data_dir: Path, tmp_path: Path) -> None:
    before = documents(data_dir)
    client = clerk(county)
    text = broken_catalog()
    refused = client.upload("/clerk/upload", "我的清单.toml", text.encode())
    assert refused.status_code == 422
    assert "清单没有通过检查，没有发布" in refused.text
    # the very problems `catalog validate` finds, each shown with its place in Chinese
    path = tmp_path / "我的清单.toml"
    path.write_text(text, encoding="utf-8")
    problems = validate_file(path)
    assert len(problems) >= 2
    shown = re.findall(r'<span class="where">([^<]*)</span>([^<]*)<br>', refused.text)
    assert len(shown) == len(problems)
    assert any("“名称”（name）" in where and "缺少这一项" in what for where, what in shown)
    assert any("“类别”（category）" in where and "不是清单里的类别" in what
               for where, what in shown)
    assert all("这里有问题，请按下面的原文修改" not in what for _, what in shown)
    assert documents(data_dir) == before and published(data_dir, "catalog", SAMPLE_ID) == []
    with store_of(data_dir) as store:
        assert store.execute("SELECT count(*) AS n FROM catalog_drafts") == [{"n": 0}]
    [row] = audit_rows(data_dir, "catalog_checked")
    assert json.loads(row["detail"])["valid"] is False


@pytest.mark.parametrize("content, words", [
    (b'id = "x"\ntitle "no equals"\n', "格式不对（第 2 行"),
    ("标题 = 1".encode("gbk"), "GBK"),
    ("[catalog]".encode("utf-16"), "UTF-16"),
])
def test_an_unreadable_file_is_named_in_plain_words(county: CountyServer, data_dir: Path,
                                                    content: bytes, words: str) -> None:
    refused = clerk(county).upload("/clerk/upload", "清单.toml", content)
    assert refused.status_code == 422 and words in refused.text


def test_an_upload_too_large_is_refused_and_nothing_kept(county: CountyServer,
                                                        data_dir: Path) -> None:
    before = documents(data_dir)
    client = clerk(county)
    refused = client.upload("/clerk/upload", "big.toml", b"#" * (MAX_UPLOAD + 1))
    assert refused.status_code == 413 and "文件太大了" in refused.text
    assert documents(data_dir) == before
    empty = client.upload("/clerk/upload", "", b"")
    assert empty.status_code == 400 and "请先选择清单文件" in empty.text


def test_uploads_keep_the_consoles_checks(county: CountyServer, data_dir: Path) -> None:
    client = clerk(county)
    client.csrf = "forged"
    assert client.upload("/clerk/upload", "清单.toml", sample_text().encode()).status_code == 403
    other = ConsoleClient(county.url).login("chen")
    other.get("/")
    assert other.upload("/clerk/upload", "清单.toml",
                        sample_text().encode()).status_code == 403
    with store_of(data_dir) as store:
        assert store.execute("SELECT count(*) AS n FROM catalog_drafts") == [{"n": 0}]


def test_another_clerks_draft_is_not_found(county: CountyServer, data_dir: Path) -> None:
    checked = clerk(county).upload("/clerk/upload", "清单.toml", sample_text().encode())
    draft = checked.headers["location"].removeprefix("/console")
    make_account(data_dir, "zhou", ("clerk",))
    other = ConsoleClient(county.url).login("zhou")
    other.get("/clerk")
    assert other.get(draft).status_code == 404
    assert other.post(f"{draft}/publish", {}).status_code == 404
    assert published(data_dir, "catalog", SAMPLE_ID) == []


@pytest.mark.parametrize("problem, where, what", [
    ("f.toml: item BM-02 flowchart 1 node n3: step \"审核\" leads nowhere; add an edge from "
     'it or make it kind = "end"', "事项 BM-02 › 第 1 张流程图 › 节点 n3", "之后没有下一步"),
    ("f.toml: item 4 time_limit: must be text such as \"15个工作日\" in quotes, found 15 "
     "(integer)", "第 4 个事项 › “办理时限”（time_limit）", "现在写的是 15（整数）"),
    ("f.toml: item BM-01 id: BM-01 is already used by item 2; give each item its own id",
     "事项 BM-01 › “编号”（id）", "已经被 第 2 个事项 用了"),
    ("f.toml: something new the validator says", "整个文件", "something new the validator"),
])
def test_problems_are_translated_with_their_place(problem: str, where: str, what: str) -> None:
    translated = translate(problem, "f.toml")
    assert translated.where == where and what in translated.what
    assert translated.original == problem


def test_a_number_too_long_to_read_is_named_with_its_line(county: CountyServer) -> None:
    content = ('id = "x"\nversion = ' + "9" * 5000 + "\n").encode()
    refused = clerk(county).upload("/clerk/upload", "清单.toml", content)
    assert refused.status_code == 422
    assert "第 2 行的数字有 5000 位，太长了，读不出来" in refused.text


@pytest.mark.parametrize("version", [2 ** 63 - 1, 2 ** 64, 2 ** 53])
def test_a_version_a_signed_list_cannot_carry_is_refused_at_upload(
        county: CountyServer, data_dir: Path, tmp_path: Path, version: int) -> None:
    """atk13b finding 6: such a catalog passed the check and its publish
    failed with a 500; `catalog validate` refuses it too."""
    text = re.sub(r"(?m)^version = \d+$", f"version = {version}", sample_text(), count=1)
    path = tmp_path / "清单.toml"
    path.write_text(text, encoding="utf-8")
    assert validate_file(path) == [f"{path}: version: must be 9007199254740991 or less (the "
                                   f"largest whole number a signed list can carry), found "
                                   f"{version}"]
    refused = clerk(county).upload("/clerk/upload", "清单.toml", text.encode())
    assert refused.status_code == 422
    assert f"数字太大了，最大只能是 9007199254740991；现在是 {version}" in refused.text
    assert published(data_dir, "catalog", SAMPLE_ID) == []


def test_a_clerk_of_some_villages_may_not_publish_the_county_wide_list(
        county: CountyServer, data_dir: Path) -> None:
    make_account(data_dir, "zhao", ("clerk",), ("330226100202",))
    client = ConsoleClient(county.url).login("zhao")
    page = client.get("/clerk")
    assert page.status_code == 403 and "全县" in page.text
    refused = client.upload("/clerk/upload", "清单.toml", sample_text().encode())
    assert refused.status_code == 403 and "全县" in refused.text
    assert published(data_dir, "catalog", SAMPLE_ID) == []
    assert audit_rows(data_dir, "catalog_checked") == []
