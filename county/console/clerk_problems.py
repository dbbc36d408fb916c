"""The power list's problems (:mod:`powerlist`, the words of ``village-edge
catalog validate``: ``FILE: item BM-02 flowchart 1 node n3: leads nowhere;
...``) in plain Chinese for the clerk: *where* (which item, flowchart,
node, field) and *what* to do. A message this module does not know is
shown as it is, after a plain Chinese sentence, so no problem is ever
hidden; the original is always kept beside the translation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: The fields of a catalog, as the clerk's form of the list names them.
FIELDS = {
    "id": "编号", "title": "标题", "version": "版本", "issued_by": "发布单位",
    "based_on": "依据的清单", "updated": "更新日期", "sample": "示例标记",
    "merged_from": "合并来源", "replaced": "替换", "items": "事项",
    "name": "名称", "category": "类别", "responsible_body": "责任主体", "handler": "经办人",
    "contact": "找谁办", "time_limit": "办理时限", "materials": "所需材料",
    "legal_basis": "法律依据", "disclosure": "公开要求", "accountability": "责任追究",
    "integrity_risks": "廉政风险", "tags": "关键词", "origin": "来源", "flowcharts": "流程图",
    "nodes": "节点", "edges": "连线", "kind": "类型", "actor": "办理人", "action": "做什么",
    "publishes": "公开内容", "risk": "风险点", "from": "起点", "to": "终点",
    "condition": "条件", "law": "法律名称", "article": "条款", "roster_role": "岗位",
    "person": "人员", "phone": "电话", "place": "地点",
}
_PLACE = re.compile(
    r"(?P<what>item|flowchart|node|edge|legal_basis|merged_from|contact)(?: (?P<label>\S+))?")


@dataclass(frozen=True)
class Problem:
    where: str  # in Chinese: 事项 BM-02 › 流程图 1 › 节点 n3 › “做什么”
    what: str  # in Chinese
    original: str  # as `village-edge catalog validate` says it


def _field(key: str) -> str:
    name = FIELDS.get(key)
    return f"“{name}”（{key}）" if name else f"“{key}”"


def place(where: str) -> str:
    """``item BM-02 flowchart 1 node n3 action`` as ``事项 BM-02 › 流程图 1 ›
    节点 n3 › “做什么”（action）``."""
    words = where.split()
    parts: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        label = words[index + 1] if index + 1 < len(words) else None
        if word == "item" and label:
            parts.append(f"第 {label} 个事项" if label.isdigit() else f"事项 {label}")
            index += 2
        elif word == "flowchart" and label:
            parts.append(f"第 {label} 张流程图" if label.isdigit() else f"流程图 {label}")
            index += 2
        elif word == "node" and label:
            parts.append(f"第 {label} 个节点" if label.isdigit() else f"节点 {label}")
            index += 2
        elif word == "edge" and label and label.isdigit():
            parts.append(f"第 {label} 条连线")
            index += 2
        elif word in ("legal_basis", "merged_from") and label and label.isdigit():
            parts.append(f"{_field(word)}第 {label} 条")
            index += 2
        else:
            parts.append(_field(word))
            index += 1
    return " › ".join(parts)


def _found(text: str) -> str:
    """``'abc' (text)`` as ``'abc'（文字）``."""
    kinds = {"text": "文字", "integer": "整数", "number": "数字", "true/false": "true/false",
             "list": "列表", "table": "表", "date": "日期", "value": "值"}
    match = re.fullmatch(r"(.*) \(([a-z/]+)\)", text.strip())
    if match and match[2] in kinds:
        return f"{match[1]}（{kinds[match[2]]}）"
    return text


def _toml(error: str) -> str:
    at = re.search(r"line (\d+), column (\d+)", error)
    spot = f"第 {at[1]} 行第 {at[2]} 列附近" if at else "文件里"
    return f"格式不对（{spot}）：请检查那里的引号、括号和等号。"


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
RULES: list[Rule] = [
    (re.compile(r"is missing; add (.+)"), lambda m: f"缺少这一项，请加上：{m[1]}"),
    (re.compile(r"must be text(?: such as (.+))? in quotes, found (.+)"),
     lambda m: "应该是用英文引号括起来的文字" + (f"，例如 {m[1]}" if m[1] else "")
     + f"；现在写的是 {_found(m[2])}"),
    (re.compile(r"is empty; write something or remove (?:the key|it)"),
     lambda m: "是空的：请填上内容，或者删掉这一行。"),
    (re.compile(r"(.+) is not a valid code; (.+)"),
     lambda m: f"{m[1]} 不是有效的编号：只能用字母、数字、“-”和“_”，以字母或数字开头。"),
    (re.compile(r'must be a list of text like \["\.\.\.", "\.\.\."\], found (.+)'),
     lambda m: f'应该是几段文字组成的列表，写成 ["……", "……"]；现在写的是 {_found(m[1])}'),
    (re.compile(r"is empty or missing; (.+)"), lambda m: "没有写或者是空的：至少要写一条。"),
    (re.compile(r"must be a list of tables, found (.+); in a file, start each one with a "
                r"\[\[(.+)\]\] heading \(two brackets\)"),
     lambda m: f"应该是一组表，每一个用 [[{m[2]}]] 开头（两层方括号）；现在写的是 {_found(m[1])}"),
    (re.compile(r"must be a whole number without quotes, found (.+)"),
     lambda m: f"应该是整数，不加引号；现在写的是 {_found(m[1])}"),
    (re.compile(r"must be (\d+) or more, found (.+)"),
     lambda m: f"不能小于 {m[1]}；现在是 {m[2]}"),
    (re.compile(r"must be (\d+) or less \(.+\), found (.+)"),
     lambda m: f"数字太大了，最大只能是 {m[1]}；现在是 {m[2]}"),
    (re.compile(r"must be true or false without quotes, found (.+)"),
     lambda m: f"只能写 true 或 false，不加引号；现在写的是 {_found(m[1])}"),
    (re.compile(r"must be a date like (\S+) \(no time\), found (.+)"),
     lambda m: f"应该是日期，写成 {m[1]} 这样（不带时间）；现在写的是 {_found(m[2])}"),
    (re.compile(r'unknown key(?: \(did you mean "(.+)"\?\))?; the keys here are: (.+)'),
     lambda m: "这里不能写这个名称" + (f"，是不是想写“{m[1]}”？" if m[1] else "。")
     + f"这里能写的有：{m[2]}"),
    (re.compile(r"must be a table of keys, found (.+)"),
     lambda m: f"应该是一张表（几行“名称 = 内容”）；现在写的是 {_found(m[1])}"),
    (re.compile(r"(.+?) is already used by (.+?)(?:;.*)?"),
     lambda m: f"编号 {m[1]} 已经被 {place(m[2])} 用了：编号不能重复。"),
    (re.compile(r"(.+) is not a category; use one of (.+)"),
     lambda m: f"{m[1]} 不是清单里的类别，请用其中一个：{m[2]}"),
    (re.compile(r"(.+) is not a node kind; use one of (.+)"),
     lambda m: f"{m[1]} 不是节点类型，请用其中一个：{m[2]}"),
    (re.compile(r'has no start node; .*'),
     lambda m: '没有开始的节点：请把第一个节点写成 kind = "start"。'),
    (re.compile(r"has (\d+) start nodes \((.+)\); keep exactly one"),
     lambda m: f"有 {m[1]} 个开始节点（{m[2]}），只能留一个。"),
    (re.compile(r'has no end node; .*'),
     lambda m: '没有结束的节点：请把最后一个节点写成 kind = "end"。'),
    (re.compile(r"names node (.+), which this flowchart does not have"),
     lambda m: f"写的节点 {m[1]} 在这张流程图里没有。"),
    (re.compile(r"is an end node but has an edge going out; remove it"),
     lambda m: "这是结束节点，却有连线从它出去：请删掉那条连线。"),
    (re.compile(r"(.+) leads nowhere; .*"),
     lambda m: f"{m[1]} 之后没有下一步：请加一条连线，或者把它写成结束节点。"),
    (re.compile(r"(.+) has only one outgoing edge; label each branch"),
     lambda m: f"{m[1]} 是判断节点，却只有一条出路：请写出每一种情况。"),
    (re.compile(r"(.+): the edge to (.+) has no condition; .*"),
     lambda m: f'{m[1]}：通往 {m[2]} 的连线没有写条件，请写上，例如 condition = "是" / "否"。'),
    (re.compile(r"cannot be reached from the start; .*"),
     lambda m: "从开始走不到这个节点：请用连线接上它，或者删掉它。"),
    (re.compile(r"(.+): no path from here reaches an end; .*"),
     lambda m: f"{m[1]}：从这里走不到结束，请加一条出路。"),
    (re.compile(r"not valid TOML: (.+); check .*"), lambda m: _toml(m[1])),
    (re.compile(r"line (\d+): a number of (\d+) digits cannot be read; .*"),
     lambda m: f"第 {m[1]} 行的数字有 {m[2]} 位，太长了，读不出来：请检查那一行。"),
    (re.compile(r"brackets nest (\d+) levels deep; .*"),
     lambda m: f"括号套了 {m[1]} 层，太多了：请删掉多余的“[”和“{{”。"),
    (re.compile(r'the file is saved as UTF-16.*'),
     lambda m: "文件的编码是 UTF-16：请用记事本“另存为”，编码选 UTF-8，再上传。"),
    (re.compile(r"it looks like GBK.*"),
     lambda m: "文件的编码是 GBK（老式的中文编码）：请用记事本“另存为”，编码选 UTF-8，再上传。"),
    (re.compile(r"it is not UTF-8 text.*"),
     lambda m: "这不是文字文件：请上传清单的 .toml 文件。"),
]


def _what(message: str) -> str:
    for pattern, say in RULES:
        match = pattern.fullmatch(message.strip())
        if match:
            return say(match)
    return f"这里有问题，请按下面的原文修改：{message}"


def translate(problem: str, source: str) -> Problem:
    """*problem* (one line of ``catalog validate``) about the file named *source*."""
    rest = problem[len(source) + 2:] if problem.startswith(source + ": ") else problem
    where, sep, message = rest.partition(": ")
    if sep and all(_PLACE.fullmatch(chunk) or chunk in FIELDS or chunk.isdigit()
                   for chunk in _chunks(where)):
        return Problem(place(where), _what(message), problem)
    return Problem("整个文件", _what(rest), problem)


def _chunks(where: str) -> list[str]:
    """``item BM-02 flowchart 1 name`` as ``["item BM-02", "flowchart 1", "name"]``."""
    words, chunks, index = where.split(), [], 0
    while index < len(words):
        if words[index] in ("item", "flowchart", "node", "edge", "legal_basis",
                            "merged_from") and index + 1 < len(words):
            chunks.append(f"{words[index]} {words[index + 1]}")
            index += 2
        else:
            chunks.append(words[index])
            index += 1
    return chunks or ["?"]


def translate_all(problems: list[str], source: str) -> list[Problem]:
    return [translate(problem, source) for problem in problems]
