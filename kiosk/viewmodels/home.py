"""The home screen: the two groups of the power list as the biggest buttons,
then search, disclosures, complaints and progress lookup."""

from __future__ import annotations

from dataclasses import dataclass

from chinese_text import WORD_BREAK
from powerlist import PUBLIC_POWER, Catalog


@dataclass(frozen=True)
class HomeButton:
    key: str  # what tapping it opens
    title: str
    subtitle: str
    big: bool = False


def home_buttons(catalog: Catalog) -> list[HomeButton]:
    public = sum(len(catalog.in_category(c)) for c in PUBLIC_POWER)
    services = len(catalog.in_category("convenience_service"))
    return [
        HomeButton("public_power", "公共权力事项", f"重大决策、日常管理，共{public}项", big=True),
        HomeButton("convenience_service", "便民服务事项",
                   f"找谁办、带什么、多久办好，共{services}项", big=True),
        HomeButton("search", "查找事项", "点一个词就能找到"),
        HomeButton("disclosures", "阳光村务", "钱、物、工程都公开"),
        HomeButton("complaint", "投诉举报", "可以不留姓名"),
        HomeButton("progress", "办理进度查询", "凭回执上的查询码"),
    ]


WELCOME = "村级小微权力清单"
WELCOME_SUBTITLE = "找谁办事、怎么办事，一看就明白"
#: The title with its words marked, so that it breaks between them.
HOME_TITLE = WORD_BREAK.join(("村级", "小微", "权力", "清单"))
ATTRACT_LINES = (HOME_TITLE, "找谁办事 · 怎么办事 · 村里的钱和事", "请点一下屏幕")
