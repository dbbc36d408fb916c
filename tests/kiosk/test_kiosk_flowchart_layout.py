"""The automatic flowchart layout, for every flowchart of the sample: boxes
never overlap, every edge is drawn from its source to its target, decisions
are diamonds with their conditions written, loops go round the side."""

from __future__ import annotations

import pytest

from kiosk.viewmodels.flowchart import FlowchartViewModel
from kiosk.viewmodels.flowchart_layout import layout_flowchart
from powerlist import Edge, Flowchart, Node, load_sample

SAMPLE = load_sample()
CHARTS = [(item, chart) for item in SAMPLE.items for chart in item.flowcharts]


def _on_border(box, point, slack: float = 1.5) -> bool:  # type: ignore[no-untyped-def]
    return box.contains(*point, slack) and not box.contains(*point, -slack)


@pytest.mark.parametrize(("item", "chart"), CHARTS, ids=[c.id for _, c in CHARTS])
def test_the_layout_of_every_sample_flowchart(item, chart) -> None:  # type: ignore[no-untyped-def]
    layout = layout_flowchart(chart)
    boxes = layout.boxes
    assert {box.node_id for box in boxes} == {node.id for node in chart.nodes}
    for first, second in ((a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
        assert not first.overlaps(second), (first.node_id, second.node_id)
    for box in boxes:
        assert box.x >= 0 and box.x + box.width <= layout.width
        assert box.y >= 0 and box.y + box.height <= layout.height
        assert (box.shape == "diamond") == (box.kind == "decision")
    assert len(layout.arrows) == len(chart.edges)
    for arrow, edge in zip(layout.arrows, chart.edges, strict=True):
        assert (arrow.source, arrow.target, arrow.condition) == \
            (edge.source, edge.target, edge.condition)
        assert len(arrow.points) >= 2
        assert _on_border(layout.box(edge.source), arrow.points[0]), edge
        assert _on_border(layout.box(edge.target), arrow.points[-1]), edge
        for (ax, ay), (bx, by) in zip(arrow.points, arrow.points[1:], strict=False):
            assert ax == pytest.approx(bx) or ay == pytest.approx(by)  # orthogonal
        if edge.condition:
            assert arrow.label_at is not None


def test_forward_arrows_never_cross_a_box_they_do_not_join() -> None:
    for _, chart in CHARTS:
        layout = layout_flowchart(chart)
        for arrow in layout.arrows:
            for (ax, ay), (bx, by) in zip(arrow.points, arrow.points[1:], strict=False):
                middle = ((ax + bx) / 2, (ay + by) / 2)
                for box in layout.boxes:
                    if box.node_id in (arrow.source, arrow.target):
                        continue
                    assert not box.contains(*middle, -2), (chart.id, arrow.source, box.node_id)


def test_a_loop_is_drawn_up_the_right_hand_side() -> None:
    chart = Flowchart("loop", "整改", (
        Node("s", "start", "村民", "提出"), Node("a", "step", "村委会", "整改"),
        Node("d", "decision", "监委会", "是否到位"), Node("e", "end", "村委会", "办结")),
        (Edge("s", "a"), Edge("a", "d"), Edge("d", "a", "不到位"), Edge("d", "e", "到位")))
    layout = layout_flowchart(chart)
    loop = next(arrow for arrow in layout.arrows if arrow.loops_back)
    assert (loop.source, loop.target) == ("d", "a")
    assert max(x for x, _ in loop.points) > max(b.x + b.width for b in layout.boxes)


def test_tapping_a_shape_selects_its_node_and_tells_its_details() -> None:
    item = SAMPLE.item("GP-02")
    model = FlowchartViewModel(item)
    decision = next(box for box in model.layout.boxes if box.kind == "decision")
    detail = model.tap(*decision.center)
    assert model.selected == decision.node_id and detail is not None
    assert any(line.startswith("如果") for line in detail.lines)
    assert model.tap(1, 1) is None and model.selected is None
