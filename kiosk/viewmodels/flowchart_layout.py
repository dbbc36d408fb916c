"""An automatic layered layout of a flowchart, top to bottom.

Steps are boxes, decisions are diamonds, start and end are rounded boxes;
arrows run orthogonally between them with the branch condition written at the
start of each branch. Positions are in layout units (about one pixel at
normal zoom) with y growing downwards; the screen flips and scales them.

The method is the usual layered one, kept small: arrows that close a loop are
found by a depth-first walk and drawn up the right-hand side; every other node
goes on the layer below its lowest predecessor; arrows that skip layers pass
through placeholder slots so they never cross a box; each layer is ordered by
the mean position of its predecessors and centred.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from chinese_text import break_lines
from powerlist import Flowchart, Node

Point = tuple[float, float]

STEP_WIDTH = 260.0
END_WIDTH = 220.0
DIAMOND_WIDTH = 300.0
LINE_HEIGHT = 30.0
ACTOR_HEIGHT = 30.0
PADDING = 12.0
STEP_COLUMNS = 18  # half-width columns: nine Chinese characters a line
DIAMOND_COLUMNS = 12
SLOT_GAP = 50.0
PLACEHOLDER_WIDTH = 30.0
LAYER_GAP = 64.0
LOOP_LANE = 34.0
MARGIN = 24.0

SHAPES = {"start": "rounded", "end": "rounded", "step": "box", "decision": "diamond"}


@dataclass(frozen=True)
class Box:
    """Where one node is drawn: the top-left corner, size, shape and text."""

    node_id: str
    kind: str
    shape: str  # "box", "diamond" or "rounded"
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]
    actor: str

    @property
    def center(self) -> Point:
        return (self.x + self.width / 2, self.y + self.height / 2)

    @property
    def bottom(self) -> Point:
        return (self.x + self.width / 2, self.y + self.height)

    @property
    def top(self) -> Point:
        return (self.x + self.width / 2, self.y)

    def contains(self, px: float, py: float, slack: float = 0.0) -> bool:
        """Whether (px, py) is on the shape, with *slack* units to spare."""
        cx, cy = self.center
        half_w, half_h = self.width / 2 + slack, self.height / 2 + slack
        if self.shape == "diamond":
            return abs(px - cx) / half_w + abs(py - cy) / half_h <= 1.0
        return abs(px - cx) <= half_w and abs(py - cy) <= half_h

    def overlaps(self, other: Box) -> bool:
        return not (
            self.x + self.width <= other.x or other.x + other.width <= self.x
            or self.y + self.height <= other.y or other.y + other.height <= self.y
        )


@dataclass(frozen=True)
class Arrow:
    """One edge: a polyline from the source's border to the target's border."""

    source: str
    target: str
    condition: str | None
    points: tuple[Point, ...]
    label_at: Point | None  # where the condition label's top corner goes
    loops_back: bool = False
    label_align: str = "left"  # the label's left ("left") or right ("right") edge is at label_at


@dataclass(frozen=True)
class FlowchartLayout:
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    width: float
    height: float

    def box(self, node_id: str) -> Box:
        return next(box for box in self.boxes if box.node_id == node_id)

    def box_at(self, x: float, y: float, slack: float = 8.0) -> Box | None:
        """The box under (x, y) in layout units, if any."""
        for box in self.boxes:
            if box.contains(x, y, slack):
                return box
        return None


@dataclass
class _Slot:
    """A node or a placeholder on one layer."""

    key: str  # node id, or "~source~target~layer" for a placeholder
    width: float
    height: float = 0.0
    x: float = 0.0
    order: float = 0.0
    preds: list[str] = field(default_factory=list)


def _walk(chart: Flowchart) -> tuple[list[str], set[int]]:
    """Nodes in depth-first discovery order from the start, and the indexes of
    the edges that close a loop (they point back to a node on the path)."""
    outgoing: dict[str, list[int]] = {}
    for index, edge in enumerate(chart.edges):
        outgoing.setdefault(edge.source, []).append(index)
    order: list[str] = []
    back: set[int] = set()
    state: dict[str, int] = {}  # 1 on the path, 2 finished

    starts = [n.id for n in chart.nodes if n.kind == "start"] or [chart.nodes[0].id]
    roots = starts + [n.id for n in chart.nodes]
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        order.append(root)
        stack = [(root, iter(outgoing.get(root, [])))]
        while stack:
            node, edges = stack[-1]
            following = next(edges, None)
            if following is None:
                state[node] = 2
                stack.pop()
                continue
            index = following
            target = chart.edges[index].target
            if state.get(target) == 1:
                back.add(index)
            elif target not in state:
                state[target] = 1
                order.append(target)
                stack.append((target, iter(outgoing.get(target, []))))
    return order, back


def _layers(order: list[str], forward: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering over the loop-free edges."""
    preds: dict[str, list[str]] = {node: [] for node in order}
    succs: dict[str, list[str]] = {node: [] for node in order}
    for source, target in forward:
        preds[target].append(source)
        succs[source].append(target)
    waiting = {node: len(preds[node]) for node in order}
    ready = [node for node in order if waiting[node] == 0]
    layer = {node: 0 for node in order}
    while ready:
        node = ready.pop(0)
        for target in succs[node]:
            layer[target] = max(layer[target], layer[node] + 1)
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    return layer


def _text(node: Node) -> tuple[str, ...]:
    columns = DIAMOND_COLUMNS if node.kind == "decision" else STEP_COLUMNS
    return tuple(break_lines(node.action, columns, title=True))


def _size(node: Node, lines: tuple[str, ...]) -> tuple[float, float]:
    if node.kind == "decision":
        return DIAMOND_WIDTH, max(130.0, 2 * len(lines) * LINE_HEIGHT + 2 * PADDING)
    if node.kind in ("start", "end"):
        return END_WIDTH, len(lines) * LINE_HEIGHT + 2 * PADDING
    return STEP_WIDTH, len(lines) * LINE_HEIGHT + ACTOR_HEIGHT + 2 * PADDING


def layout_flowchart(chart: Flowchart) -> FlowchartLayout:
    """Place every node and route every edge of *chart*."""
    nodes = {node.id: node for node in chart.nodes}
    order, back = _walk(chart)
    rank = {node: position for position, node in enumerate(order)}
    forward = [(e.source, e.target) for i, e in enumerate(chart.edges) if i not in back]
    layer_of = _layers(order, forward)
    depth = max(layer_of.values(), default=0) + 1

    texts = {node_id: _text(nodes[node_id]) for node_id in order}
    slots: dict[str, _Slot] = {}
    layers: list[list[_Slot]] = [[] for _ in range(depth)]
    for node_id in order:
        width, height = _size(nodes[node_id], texts[node_id])
        slot = _Slot(node_id, width, height, order=rank[node_id])
        slots[node_id] = slot
        layers[layer_of[node_id]].append(slot)

    chains: dict[int, list[str]] = {}  # edge index -> slot keys from source to target
    for index, edge in enumerate(chart.edges):
        if index in back:
            continue
        chain = [edge.source]
        for level in range(layer_of[edge.source] + 1, layer_of[edge.target]):
            key = f"~{edge.source}~{edge.target}~{index}~{level}"
            placeholder = _Slot(key, PLACEHOLDER_WIDTH, order=rank[edge.source])
            slots[key] = placeholder
            layers[level].append(placeholder)
            chain.append(key)
        chain.append(edge.target)
        chains[index] = chain
        for before, after in itertools.pairwise(chain):
            slots[after].preds.append(before)

    _order_layers(layers, slots)
    widest = max((_layer_width(layer) for layer in layers), default=0.0)
    tops: list[float] = []
    y = MARGIN
    for layer in layers:
        tops.append(y)
        band = max((slot.height for slot in layer), default=0.0)
        x = MARGIN + (widest - _layer_width(layer)) / 2
        for slot in layer:
            slot.x = x
            x += slot.width + SLOT_GAP
        y += band + LAYER_GAP
    bands = [max((s.height for s in layer), default=0.0) for layer in layers]

    boxes: dict[str, Box] = {}
    for node_id in order:
        slot = slots[node_id]
        level = layer_of[node_id]
        top = tops[level] + (bands[level] - slot.height) / 2
        node = nodes[node_id]
        boxes[node_id] = Box(node_id, node.kind, SHAPES.get(node.kind, "box"), slot.x, top,
                             slot.width, slot.height, texts[node_id], node.actor)

    right = MARGIN + widest
    arrows: list[Arrow] = []
    loops = 0
    for index, edge in enumerate(chart.edges):
        source, target = boxes[edge.source], boxes[edge.target]
        if index in back:
            loops += 1
            lane = right + loops * LOOP_LANE
            start = (source.x + source.width, source.center[1])
            end = (target.x + target.width, target.center[1])
            if source.shape == "diamond":
                start = (source.x + source.width, source.center[1])
            points: tuple[Point, ...] = (start, (lane, start[1]), (lane, end[1]), end)
            label = (start[0] + 6, start[1] + 4) if edge.condition else None
            arrows.append(Arrow(edge.source, edge.target, edge.condition, points, label, True))
            continue
        waypoints = [
            (slots[key].x + PLACEHOLDER_WIDTH / 2, tops[layer_of[edge.source] + step])
            for step, key in enumerate(chains[index][1:-1], start=1)
        ]
        points, label, align = _route(source, target, waypoints, tops, bands,
                                      layer_of[edge.source], bool(edge.condition))
        arrows.append(Arrow(edge.source, edge.target, edge.condition, points, label,
                            label_align=align))
    width = right + loops * LOOP_LANE + MARGIN + (40.0 if loops else 0.0)
    height = (tops[-1] + bands[-1] + MARGIN) if layers else 2 * MARGIN
    return FlowchartLayout(tuple(boxes[n] for n in order), tuple(arrows), width, height)


def _layer_width(layer: list[_Slot]) -> float:
    return sum(slot.width for slot in layer) + SLOT_GAP * max(len(layer) - 1, 0)


def _order_layers(layers: list[list[_Slot]], slots: dict[str, _Slot]) -> None:
    """Order each layer by the mean position of its predecessors (two sweeps)."""
    for _ in range(2):
        for level, layer in enumerate(layers):
            if level == 0:
                continue
            for slot in layer:
                places = [slots[p].order for p in slot.preds]
                if places:
                    slot.order = sum(places) / len(places) + slot.order * 1e-6
            layer.sort(key=lambda s: s.order)
            for position, slot in enumerate(layer):
                slot.order = float(position)


def _route(
    source: Box,
    target: Box,
    waypoints: list[Point],
    tops: list[float],
    bands: list[float],
    level: int,
    labelled: bool,
) -> tuple[tuple[Point, ...], Point | None, str]:
    """Down, across, down: an orthogonal path leaving the source's bottom (or a
    diamond's side corner when the branch goes sideways), through the
    placeholders of skipped layers, into the target's top."""
    sx, sy = source.bottom
    first_x = waypoints[0][0] if waypoints else target.top[0]
    points: list[Point] = []
    label: Point | None = None
    align = "left"
    sideways = source.shape == "diamond" and abs(first_x - sx) > source.width / 4
    if sideways:
        side = 1 if first_x > sx else -1
        corner = (source.center[0] + side * source.width / 2, source.center[1])
        points += [corner, (first_x, corner[1])]
        if labelled:
            label = (first_x + 8 * side, corner[1] + 6)
            align = "left" if side > 0 else "right"
    else:
        points.append((sx, sy))
        if labelled:
            label = (sx + 8, sy + 6)
    gap_y = tops[level] + bands[level] + LAYER_GAP / 2
    for step, (wx, wy) in enumerate(waypoints, start=1):
        _go(points, wx, gap_y)
        points.append((wx, wy))
        points.append((wx, wy + bands[level + step]))
        gap_y = tops[level + step] + bands[level + step] + LAYER_GAP / 2
    tx, ty = target.top
    _go(points, tx, gap_y)
    points.append((tx, ty))
    return tuple(_simplify(points)), label, align


def _go(points: list[Point], x: float, gap_y: float) -> None:
    """From the last point: down to the gap, across to *x* (if needed)."""
    last_x, last_y = points[-1]
    if abs(last_x - x) < 0.5:
        return
    if last_y < gap_y:
        points.append((last_x, gap_y))
        points.append((x, gap_y))
    else:
        points.append((x, last_y))


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated points and points in the middle of a straight run."""
    kept: list[Point] = []
    for point in points:
        if kept and abs(kept[-1][0] - point[0]) < 0.01 and abs(kept[-1][1] - point[1]) < 0.01:
            continue
        if len(kept) >= 2:
            (ax, ay), (bx, by) = kept[-2], kept[-1]
            if (abs(ax - bx) < 0.01 and abs(bx - point[0]) < 0.01) or (
                abs(ay - by) < 0.01 and abs(by - point[1]) < 0.01
            ):
                kept[-1] = point
                continue
        kept.append(point)
    return kept
