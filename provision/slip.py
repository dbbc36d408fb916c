"""The commissioning slip: what first boot prints on the receipt printer for
the technician, in Chinese: the device, its village and role, the county and
its key, whether the device is enrolled or what stands in the way, what to
do next, and a QR code of the device id.

A slip is printed when there is something new to say: once when the device
is commissioned, once for each new problem (a county that cannot be reached
is retried every minute: one slip, not one a minute). :func:`slip_key` is
what "the same" means.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import TYPE_CHECKING

from hardware.printer import Receipt, ReceiptBuilder

if TYPE_CHECKING:
    from provision.commission import Outcome

#: What stands in the way, as :class:`provision.commission.Outcome` names it.
BOOT_FILE = "boot_file"
CODE_MISSING = "code_missing"
CODE_REFUSED = "code_refused"
COUNTY_KEY = "county_key"  # another key at the address: the code was not shown
COUNTY_KEY_CODE_SENT = "county_key_code_sent"  # ...found only after the code went out
COUNTY_REFUSED = "county_refused"
UNREACHABLE = "unreachable"
DISK = "disk"
SOFTWARE = "software"

ROLES = {"seal": "用印机", "kiosk": "村务公开触摸屏"}
#: The boot file's keys as the slip names them.
FIELDS = {
    "[village]": "村的信息",
    "[village] code": "村代码",
    "[village] name": "村名",
    "[device]": "设备信息",
    "[device] role": "设备用途",
    "[device] id": "设备编号",
    "[county]": "县里的平台",
    "[county] url": "平台地址",
    "[county] key_fingerprint": "平台密钥指纹",
    "[county] public_key": "平台公钥",
    "[county] enroll_code": "开通码",
    "[wifi]": "无线网",
    "[wifi] ssid": "无线网名称",
    "[wifi] password": "无线网密码",
    "[wifi] country": "国家代码",
    "[wifi] hidden": "隐藏的无线网",
    "[display]": "屏幕",
    "[display] rotation": "屏幕方向",
    "[display] cursor": "鼠标指针",
    "[display] blank_minutes": "自动黑屏时间",
}
FIELD = re.compile(r": (\[[a-z_]+\](?: [a-z_]+)?): ")
MOST_PROBLEMS = 4  # listed on the slip; the rest are counted
PROBLEM_CHARS = 160  # of each problem's own words, as the screen shows them

_HEADLINES = {
    BOOT_FILE: "存储卡上的启动文件 village-edge.toml 有要改的地方：",
    CODE_MISSING: "启动文件里还没有开通码。",
    CODE_REFUSED: "县里的平台没有接受这个开通码：可能抄错了、已经用过、换了新的，或者过期了。",
    COUNTY_KEY: "连上的平台，密钥指纹和启动文件里的对不上。开通码没有用掉，还能用。",
    COUNTY_KEY_CODE_SENT: "连上的平台，密钥指纹和启动文件里的对不上，开通码可能已经被它用掉了。",
    COUNTY_REFUSED: "县里的平台不让这台设备登记。",
    UNREACHABLE: "连不上县里的平台。",
    DISK: "存储卡写不进去：可能满了、坏了，或者只能读不能写。",
    SOFTWARE: "设备上的软件装得不完整。",
}
_FIX_THE_FILE = (
    "关掉电源，取出存储卡，插到电脑上。",
    "打开 bootfs 盘里的 village-edge.toml，按上面列出的地方改好。",
    "保存时选 UTF-8 编码（记事本：文件、另存为、编码选 UTF-8）；文字都放在英文双引号里。",
    "插回存储卡，重新开机。",
)
_NEW_CODE = (
    "请县里的管理员为设备编号 {device} 做一个新的开通码。",
    "把新的开通码填进启动文件 [county] enroll_code，重新开机。",
)
_STEPS = {
    BOOT_FILE: _FIX_THE_FILE,
    CODE_MISSING: _NEW_CODE,
    CODE_REFUSED: ("先核对开通码有没有抄错；没抄错的话：", *_NEW_CODE),
    COUNTY_KEY: (
        "和县里的管理员核对平台地址 [county] url 和密钥指纹 [county] key_fingerprint。",
        "改好后重新开机。如果都没有抄错，可能有人冒充县里的平台，请告诉县里。",
    ),
    COUNTY_KEY_CODE_SENT: (
        "和县里的管理员核对平台地址 [county] url 和密钥指纹 [county] key_fingerprint，"
        "并告诉县里：开通码可能被别人用了。",
        *_NEW_CODE,
    ),
    COUNTY_REFUSED: ("把下面的问题告诉县里的管理员，请他处理后重新开机。",),
    UNREACHABLE: (
        "检查网线；用无线网的，核对启动文件里的无线网名称和密码 [wifi]。",
        "核对平台地址 [county] url。",
        "不用重新开机：设备每分钟自己重试，连上以后会再打一张开通单。",
    ),
    DISK: ("换一张新的存储卡重新烧录，或者请技术支持帮忙。",),
    SOFTWARE: ("重新烧录存储卡，或者请技术支持帮忙。",),
}
_DONE_STEPS = {
    "seal": "指示灯常亮绿色，就可以用印了。",
    "kiosk": "屏幕上出现本村的小微权力清单，就可以用了。",
}


def slip_key(outcome: Outcome) -> str:
    """What makes two slips the same: the outcome, the device, and the
    problems (but for an unreachable county, whose messages vary)."""
    problems = [] if outcome.problem == UNREACHABLE else outcome.problems
    facts = [outcome.ok, outcome.problem, outcome.summary, problems]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()[:16]


def grouped(fingerprint: str) -> str:
    """16 hex digits in fours, as a person compares them."""
    return " ".join(fingerprint[i:i + 4] for i in range(0, len(fingerprint), 4))


def field_of(problem: str) -> str | None:
    """The boot file's ``[section] key`` a problem names, if any."""
    found = FIELD.search(problem)
    return found.group(1) if found else None


def commissioning_slip(outcome: Outcome, when: datetime) -> Receipt:
    """The slip for *outcome*, printed at *when*."""
    summary = outcome.summary
    role = summary.get("role", "")
    build = Receipt.build().title("设备开通单")
    if outcome.ok:
        build.text("开通成功，可以用了", align="center", bold=True)
    else:
        build.text("还没有开通", align="center", bold=True)
    build.rule()
    _facts(build, outcome, when)
    build.rule()
    if not outcome.ok:
        build.text(_HEADLINES.get(outcome.problem, _HEADLINES[SOFTWARE]), bold=True)
        _problems(build, outcome)
        build.rule()
    build.text("下一步：", bold=True)
    for number, step in enumerate(_next_steps(outcome), start=1):
        build.text(f"{number}. {step}")
    if role in ("seal", "") and not outcome.ok:  # "": the boot file was not read
        build.text("用印机开通以前，印章一直锁着，不能用印。")
    device = summary.get("device")
    if device:
        build.feed().qr(device, caption="扫码核对设备编号")
    return build.done()


def _facts(build: ReceiptBuilder, outcome: Outcome, when: datetime) -> None:
    summary = outcome.summary
    if "device" not in summary:
        build.text("设备编号：还不知道（启动文件没有读成）")
    else:
        build.text(f"设备编号：{summary['device']}")
        build.text(f"村：{summary['village']}")
        build.text(f"设备用途：{ROLES.get(summary['role'], summary['role'])}")
        build.text(f"县里的平台：{summary['county']}")
        build.text(f"平台指纹：{grouped(summary['county key'])}")
    if "device key" in summary:
        build.text(f"本机指纹：{grouped(summary['device key'])}")
    enrolled = "已在县里的平台登记" if outcome.ok else "还没有登记"
    build.text(f"登记：{enrolled}")
    build.text(f"时间：{when:%Y-%m-%d %H:%M}")


def _problems(build: ReceiptBuilder, outcome: Outcome) -> None:
    """Each problem: the field in Chinese, then the problem's own words,
    cut short (the screen and journal show them whole)."""
    for problem in outcome.problems[:MOST_PROBLEMS]:
        field = field_of(problem)
        words = problem.split(f": {field}: ", 1)[-1] if field else problem.split(": ", 1)[-1]
        if len(words) > PROBLEM_CHARS:
            words = words[:PROBLEM_CHARS] + "..."
        if field:
            build.text(f"· {field}（{FIELDS.get(field, '启动文件')}）", bold=True)
        build.text(f"  {words}")
    rest = len(outcome.problems) - MOST_PROBLEMS
    if rest > 0:
        build.text(f"另外还有 {rest} 处，运行 village-edge provision --dry-run 可以看到全部。")


def _next_steps(outcome: Outcome) -> list[str]:
    summary = outcome.summary
    if outcome.ok:
        role = summary.get("role", "")
        return [
            _DONE_STEPS.get(role, "设备已经可以用了。"),
            "存储卡上的开通码已经自动抹掉，用过就作废，不用再管它。",
            "请把这张单子交给县里的管理员，核对设备编号和两个指纹。",
        ]
    device = summary.get("device", "（见启动文件 [device] id）")
    steps = _STEPS.get(outcome.problem, _STEPS[SOFTWARE])
    return [step.format(device=device) for step in steps]
