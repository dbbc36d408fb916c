"""The sample catalog the kiosk shows is the one in the package, whether it
was parsed from its TOML or read back from the JSON copy the kiosk keeps to
start faster; a spoilt or unwritable copy costs nothing but the parse."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kiosk.sample_cache import cached_sample
from powerlist import load_sample


def test_the_kept_copy_is_the_sample_and_is_read_on_the_next_start(tmp_path: Path) -> None:
    assert cached_sample(tmp_path) == load_sample()
    [copy] = tmp_path.glob("sample-catalog-*.json")
    assert cached_sample(tmp_path) == load_sample()
    data = json.loads(copy.read_text("utf-8"))
    data["title"] = "读回来的副本"
    copy.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert cached_sample(tmp_path).title == "读回来的副本"  # the copy, not a new parse


def test_a_spoilt_copy_is_made_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cached_sample(tmp_path)
    [copy] = tmp_path.glob("sample-catalog-*.json")
    copy.write_text('{"title": ', "utf-8")
    with caplog.at_level(logging.WARNING):
        assert cached_sample(tmp_path) == load_sample()
    assert "made again" in caplog.text
    assert cached_sample(tmp_path) == load_sample()


def test_a_copy_from_another_sample_is_replaced(tmp_path: Path) -> None:
    old = tmp_path / "sample-catalog-0123456789abcdef.json"
    old.write_text("{}", "utf-8")
    assert cached_sample(tmp_path) == load_sample()
    assert not old.exists() and len(list(tmp_path.glob("sample-catalog-*.json"))) == 1


def test_a_directory_that_cannot_be_written_still_shows_the_sample(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    blocked = tmp_path / "kiosk"
    blocked.write_text("a file where the directory should be", "utf-8")
    with caplog.at_level(logging.WARNING):
        assert cached_sample(blocked) == load_sample()
    assert "cannot keep a copy" in caplog.text
