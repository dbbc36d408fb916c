"""The flowchart screen: the laid-out graph of one of an item's procedures,
and the details of the step the villager tapped."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.viewmodels.flowchart_layout import FlowchartLayout, layout_flowchart
from powerlist import NODE_KINDS, PowerItem


@dataclass(frozen=True)
class NodeDetail:
    title: str
    lines: tuple[str, ...]


class FlowchartViewModel:
    """One item's flowcharts; *index* picks the one shown."""

    def __init__(self, item: PowerItem, index: int = 0) -> None:
        self.item = item
        self.index = max(0, min(index, len(item.flowcharts) - 1))
        self.selected: str | None = None
        self._layouts: dict[int, FlowchartLayout] = {}

    @property
    def chart(self):  # type: ignore[no-untyped-def]
        return self.item.flowcharts[self.index]

    @property
    def title(self) -> str:
        # one chart: its title names it whole ("集体资产资源处置流程"); several:
        # the item's name, and the tabs under the bar name each chart
        return self.item.name if len(self.item.flowcharts) > 1 else self.chart.title

    @property
    def tabs(self) -> list[str]:
        """The titles of the item's flowcharts, when it has more than one."""
        return [chart.title for chart in self.item.flowcharts] if len(self.item.flowcharts) > 1 \
            else []

    def show(self, index: int) -> None:
        if 0 <= index < len(self.item.flowcharts):
            self.index = index
            self.selected = None

    @property
    def layout(self) -> FlowchartLayout:
        if self.index not in self._layouts:
            self._layouts[self.index] = layout_flowchart(self.chart)
        return self._layouts[self.index]

    def tap(self, x: float, y: float) -> NodeDetail | None:
        """Select the node at (x, y) in layout units; its detail, or None."""
        box = self.layout.box_at(x, y)
        self.selected = box.node_id if box else None
        return self.detail

    def select(self, node_id: str) -> NodeDetail | None:
        self.selected = node_id
        return self.detail

    @property
    def detail(self) -> NodeDetail | None:
        if self.selected is None:
            return None
        chart = self.chart
        node = chart.node(self.selected)
        lines = [f"由谁办：{node.actor}"]
        if node.time_limit:
            lines.append(f"时限：{node.time_limit}")
        if node.publishes:
            lines.append(f"要公开：{node.publishes}")
        if node.risk:
            lines.append(f"廉政风险提示：{node.risk}")
        for edge in chart.outgoing(node.id):
            if edge.condition:
                lines.append(f"如果{edge.condition}：下一步 {chart.node(edge.target).action}")
        return NodeDetail(f"{NODE_KINDS[node.kind]}：{node.action}", tuple(lines))

    @property
    def hint(self) -> str:
        return "点一下方框，看这一步的详细说明。两个手指可以放大缩小，按住可以拖动。"
