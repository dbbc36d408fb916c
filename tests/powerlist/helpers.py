"""A minimal valid catalog in TOML, and a way to break it one thing at a time."""

from __future__ import annotations

MINIMAL = """\
id = "test-county"
title = "测试县村级小微权力清单"
version = 3
issued_by = "测试县"
updated = 2024-06-01

[[items]]
id = "BM-05"
name = "村级证明出具"
category = "convenience_service"
responsible_body = "村民委员会"
handler = "村务工作者"
contact = { roster_role = "village_clerk" }
time_limit = "3个工作日"
materials = ["身份证"]
legal_basis = [{ law = "中华人民共和国村民委员会组织法" }]
disclosure = ["办理结果告知本人"]
accountability = "按规定追究责任。"
tags = ["证明"]

  [[items.flowcharts]]
  id = "main"
  title = "证明流程"

    [[items.flowcharts.nodes]]
    id = "n1"
    kind = "start"
    actor = "村民"
    action = "提出申请"

    [[items.flowcharts.nodes]]
    id = "n2"
    kind = "step"
    actor = "村务工作者"
    action = "核对材料，起草证明"
    time_limit = "当场"

    [[items.flowcharts.nodes]]
    id = "n3"
    kind = "end"
    actor = "村民"
    action = "领取证明"
"""


def mutate(text: str, old: str, new: str) -> str:
    """*text* with *old* replaced once by *new*; fails if *old* is not there,
    so a test cannot pass by breaking nothing."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)
