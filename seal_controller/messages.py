"""What the custodian reads on the station panel: plain Chinese, one sentence
a step, and every refusal and alarm with its reason."""

from __future__ import annotations

PANEL = {
    "idle": "请选择要用的印章和盖章次数，把文件放在摄像头下面。",
    "waiting": "用印申请已发出，正在等待审批。审批人也可以出示审批二维码。",
    "unlocked": "审批已通过，{label}已解锁。还可以盖 {remaining} 次，还剩 {seconds} 秒。",
    "return": "用印结束，印章已锁好。请把印章放回原位。",
    "refused": "这个审批不能用：{reason}。印章没有解锁。",
    "county_refused": ("这次用印申请没有得到同意。审批人说：{reason}。"
                       "需要的话，可以改好以后重新申请。"),
    "alarm": "警报：{reason}。已拍照记录，并报告乡镇。",
    "alarm_no_photo": "警报：{reason}。没能拍照，已报告乡镇。",
    "alarm_local": "警报：{reason}。",
    "unsent": "用印申请没能保存下来，已经撤回。请联系技术员检查存储卡。",
    "halted": "用印机已锁住：{reason}。",
    "resumed": "用印机已恢复正常，可以重新申请用印。",
}

#: Why an approval was refused, by the reason tag of the token check.
REFUSALS = {
    "oversized": "二维码内容太长，不是审批码",
    "format": "不是审批码",
    "encoding": "审批码已损坏",
    "json": "审批码已损坏",
    "fields": "审批码内容不完整",
    "uses": "审批的盖章次数不对",
    "signature": "审批码不是县里签发的，或者被改动过",
    "device": "这是给别的用印机的审批",
    "slot": "这是给另一枚印章的审批",
    "request": "这个审批不是针对本次申请的",
    "no_request": "现在没有等待审批的用印申请",
    "not_yet": "审批还没有到生效时间",
    "expired": "审批已经过期",
    "replayed": "这个审批已经用过了",
    "too_many": "审批的次数比申请的多",
    "clock": "本机时间还没有校准，暂时不能用二维码审批，请联网后再试",
    "busy": "正在用印，请先结束本次用印",
    "halted": "用印机已锁住，解除以前不能用任何审批",
    "cleared": "这个审批是在用印记录出问题以前签发的，请重新申请审批",
}

#: What an alarm is about, by the alarm code of the procedure table.
ALARMS = {
    "forced_press": "印章锁着的时候有人强行按压",
    "press_over": "盖章次数已用完还在按压",
    "seal_removed": "印章锁着的时候被从原位拿走",
    "not_returned": "印章用完后没有按时放回原位",
    "lid": "机箱盖被打开",
    "camera": "不能拍照，摄像头坏了、被挡住或者存储卡满了，印章已锁上",
    "likely_swap": "摄像头下的文件和审批的文件不一样",
    "lock": "印章锁没有按时锁上",
    "ledger_damaged": "用印记录损坏或缺失，印章已全部锁住，等乡镇检查后解除",
    "storage": "存储卡写不进用印记录，印章已全部锁住，请找技术员",
    "camera_missing": "摄像头打不开，不能拍照，印章已全部锁住，请找技术员",
    "alarms_not_kept": "存储卡出故障的时候，有的报警没能留下，已把数目报给乡镇",
}


def refusal_text(reason: str) -> str:
    return REFUSALS.get(reason, "审批码无法识别")


def alarm_text(code: str) -> str:
    return ALARMS.get(code, "设备异常")


def alarm_title(text: str) -> str:
    """An alarm's text up to its first comma: what a list of alarms shows."""
    return text.split("，", 1)[0]
