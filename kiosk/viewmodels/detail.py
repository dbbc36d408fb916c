"""An item's detail: whom to see, what to bring (a checklist the villager can
tick), the steps with their time limits, integrity-risk notes, what is made
public, accountability and the legal basis."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.viewmodels.flowchart_layout import layout_flowchart
from kiosk.viewmodels.roster import Person, Roster
from kiosk.viewmodels.text import paragraphs
from powerlist import Flowchart, Node, PowerItem


@dataclass(frozen=True)
class Section:
    """A heading and its lines, each line short enough for one label."""

    title: str
    lines: tuple[str, ...]


def steps(chart: Flowchart) -> list[Node]:
    """The nodes of *chart* in reading order (top to bottom, left to right of
    the drawn flowchart), without start and end."""
    layout = layout_flowchart(chart)
    placed = sorted(layout.boxes, key=lambda box: (round(box.y), box.x))
    return [chart.node(box.node_id) for box in placed if box.kind in ("step", "decision")]


def step_line(number: int, node: Node) -> str:
    # No spaces: Kivy wraps at spaces first, which would strand "1." on its own line.
    text = f"{number}、{node.action}（{node.actor}）"
    if node.time_limit:
        text += f"，时限：{node.time_limit}"
    return text


def basis_line(law: str, article: str | None) -> str:
    return f"《{law}》{article}" if article else f"《{law}》"


@dataclass
class ItemDetailViewModel:
    """What the detail screen shows for one item."""

    item: PowerItem
    roster: Roster
    checked: set[int] = field(default_factory=set)

    @property
    def title(self) -> str:
        return self.item.name

    @property
    def subtitle(self) -> str:
        return f"{self.item.category_name} · 编号 {self.item.id} · 办理时限：{self.item.time_limit}"

    @property
    def people(self) -> tuple[Person, ...]:
        return self.roster.people(self.item.contact.roster_role)

    @property
    def whom(self) -> Section:
        lines = [person.line for person in self.people]
        lines.append(f"负责单位：{self.item.responsible_body}；经办：{self.item.handler}")
        return Section("找谁办", tuple(lines))

    @property
    def materials(self) -> list[tuple[str, bool]]:
        """(material, ticked) for the checklist; empty when nothing is needed."""
        return [(m, i in self.checked) for i, m in enumerate(self.item.materials)]

    def toggle(self, index: int) -> None:
        """Tick or untick material *index* on the checklist."""
        if not 0 <= index < len(self.item.materials):
            return
        self.checked ^= {index}

    @property
    def materials_empty_text(self) -> str:
        return "不需要村民准备材料。"

    def sections(self) -> list[Section]:
        """Everything after the checklist, in the order a villager asks."""
        item = self.item
        found: list[Section] = []
        for chart in item.flowcharts:
            title = "办理步骤和时限" if len(item.flowcharts) == 1 else f"办理步骤：{chart.title}"
            found.append(Section(title, tuple(
                step_line(n, node) for n, node in enumerate(steps(chart), start=1))))
        found.append(Section("公开内容", _flat(item.disclosure)))
        risks = list(item.integrity_risks)
        for chart in item.flowcharts:
            risks += [f"{node.action}：{node.risk}" for node in chart.nodes if node.risk]
        if risks:
            found.append(Section("廉政风险提示", _flat(risks)))
        found.append(Section("责任追究", _flat([item.accountability])))
        found.append(Section("办理依据", tuple(
            basis_line(basis.law, basis.article) for basis in item.legal_basis)))
        return found

    def read_aloud_text(self) -> str:
        """A short spoken summary: name, whom to see, materials, time limit."""
        whom = "、".join(p.role_name + (p.name or "") for p in self.people)
        spoken = [f"{self.item.name}。找{whom}办理。"]
        if self.item.materials:
            spoken.append("请带上：" + "、".join(self.item.materials) + "。")
        spoken.append(f"办理时限：{self.item.time_limit}。")
        return "".join(spoken)


def _flat(texts: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(piece for text in texts for piece in paragraphs(text))
