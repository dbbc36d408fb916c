"""The flowchart widget: the view-model's layout drawn with Kivy graphics on a
pannable, zoomable plane, clipped to its own area; a tap (a touch that did not
move) on a shape reports the node in layout units. Imports Kivy: Kivy's
Factory imports this module when the flowchart screen is first built
(:mod:`kiosk.app` registers it by name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Quad, Rectangle, RoundedRectangle, Triangle
from kivy.graphics.transformation import Matrix
from kivy.uix.scatter import Scatter
from kivy.uix.stencilview import StencilView

from kiosk.viewmodels.flowchart_layout import Arrow, Box, FlowchartLayout

TAP_SLOP = 14  # pixels a finger may move and still tap
FILLS = {
    "box": (0.88, 0.93, 1.0, 1),
    "diamond": (1.0, 0.94, 0.78, 1),
    "rounded": (0.86, 0.95, 0.86, 1),
}
INK = (0.1, 0.12, 0.2, 1)
SELECTED = (0.9, 0.45, 0.05, 1)
TEXT_SIZE = 22
ACTOR_SIZE = 20  # the smallest text of the chart: fitting never draws it smaller than min_text
LABEL_SIZE = 20

_rendered: dict[tuple[str, int, bool, tuple[float, ...]], Any] = {}


def texture(text: str, size: int, bold: bool = False, color: Any = INK) -> Any:
    """The text as a texture, rendered once per text and style (a few hundred
    at most: the catalog's node texts)."""
    key = (text, size, bold, tuple(color))
    if key not in _rendered:
        if len(_rendered) > 2000:
            _rendered.clear()
        label = CoreLabel(text=text, font_size=size, bold=bold, color=color,
                          halign="center")
        label.refresh()
        _rendered[key] = label.texture
    return _rendered[key]


class FlowchartView(StencilView):
    """Shows one :class:`FlowchartLayout`; ``on_tap(x, y)`` gets layout units."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scatter = Scatter(do_rotation=False, scale_min=0.25, scale_max=4.0,
                               auto_bring_to_front=False, size_hint=(None, None))
        self.add_widget(self.scatter)
        self.layout: FlowchartLayout | None = None
        self.on_tap: Callable[[float, float], None] | None = None
        self.min_text = 0.0  # pixels: the smallest text is fitted at least this big
        self.bind(size=lambda *_: self.fit(), pos=lambda *_: self.fit())

    def show(self, layout: FlowchartLayout, selected: str | None = None) -> None:
        fresh = layout is not self.layout
        self.layout = layout
        self.scatter.size = (layout.width, layout.height)
        self._draw(selected)
        if fresh:
            self.fit()

    def fit(self) -> None:
        """Fit the chart's width in the view, top aligned."""
        if self.layout is None or self.width <= 1:
            return
        scale = min(self.width / self.layout.width, 1.3)
        scale = max(scale, min(self.height / self.layout.height, 1.0), 0.25,
                    self.min_text / ACTOR_SIZE)
        self.scatter.transform = Matrix().scale(scale, scale, 1)
        width, height = self.layout.width * scale, self.layout.height * scale
        # centred: a chart wider than the view shows its middle (the first
        # step) and is dragged sideways to see the branches
        self.scatter.pos = (self.x + (self.width - width) / 2, self.top - height)

    def zoom(self, factor: float) -> None:
        new = self.scatter.scale * factor
        if not self.scatter.scale_min <= new <= self.scatter.scale_max:
            return
        anchor = self.scatter.to_local(*self.center)
        self.scatter.apply_transform(Matrix().scale(factor, factor, 1), anchor=anchor)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        touch.ud["flowchart_from"] = touch.pos
        return bool(super().on_touch_down(touch))

    def on_touch_up(self, touch: Any) -> bool:
        handled = bool(super().on_touch_up(touch))
        start = touch.ud.get("flowchart_from")
        if touch.grab_current is None and start is not None and self.layout is not None:
            moved = abs(touch.x - start[0]) + abs(touch.y - start[1])
            if moved <= TAP_SLOP and self.collide_point(*touch.pos) and self.on_tap:
                x, y = self.scatter.to_local(*touch.pos)
                self.on_tap(x, self.layout.height - y)
                return True
        return handled

    def _draw(self, selected: str | None) -> None:
        canvas = self.scatter.canvas
        canvas.clear()
        layout = self.layout
        assert layout is not None
        with canvas:
            Color(1, 1, 1, 1)
            Rectangle(pos=(0, 0), size=(layout.width, layout.height))
            for arrow in layout.arrows:
                self._arrow(arrow, layout.height)
            for box in layout.boxes:
                self._box(box, layout.height, box.node_id == selected)
            for arrow in layout.arrows:
                self._condition(arrow, layout.height)

    @staticmethod
    def _arrow(arrow: Arrow, height: float) -> None:
        points = [(x, height - y) for x, y in arrow.points]
        Color(*INK)
        Line(points=[c for p in points for c in p], width=1.6)
        (ax, ay), (bx, by) = points[-2], points[-1]
        length = max(((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5, 1e-6)
        dx, dy = (bx - ax) / length, (by - ay) / length
        size = 12
        Triangle(points=[bx, by, bx - dx * size - dy * size / 2, by - dy * size + dx * size / 2,
                         bx - dx * size + dy * size / 2, by - dy * size - dx * size / 2])

    @staticmethod
    def _box(box: Box, height: float, selected: bool) -> None:
        x, y, w, h = box.x, height - box.y - box.height, box.width, box.height
        Color(*FILLS[box.shape])
        edge = SELECTED if selected else INK
        thickness = 3.0 if selected else 1.4
        if box.shape == "diamond":
            quad = [x + w / 2, y, x + w, y + h / 2, x + w / 2, y + h, x, y + h / 2]
            Quad(points=quad)
            Color(*edge)
            Line(points=quad, width=thickness, close=True)
        else:
            radius = h / 2 if box.shape == "rounded" else 8
            RoundedRectangle(pos=(x, y), size=(w, h), radius=[radius])
            Color(*edge)
            Line(rounded_rectangle=(x, y, w, h, radius), width=thickness)
        text = texture("\n".join(box.lines), TEXT_SIZE, bold=box.shape != "box")
        actor = texture(box.actor, ACTOR_SIZE, color=(0.3, 0.3, 0.4, 1)) \
            if box.shape == "box" else None
        total = text.height + (actor.height if actor else 0)
        top = y + (h + total) / 2
        Color(1, 1, 1, 1)
        Rectangle(texture=text, size=text.size, pos=(x + (w - text.width) / 2,
                                                      top - text.height))
        if actor is not None:
            Rectangle(texture=actor, size=actor.size,
                      pos=(x + (w - actor.width) / 2, top - text.height - actor.height))

    @staticmethod
    def _condition(arrow: Arrow, height: float) -> None:
        if not arrow.condition or arrow.label_at is None:
            return
        label = texture(arrow.condition, LABEL_SIZE, bold=True, color=(0.6, 0.1, 0.05, 1))
        lx, ly = arrow.label_at
        left = lx if arrow.label_align == "left" else lx - label.width
        bottom = height - ly - label.height
        Color(1, 1, 1, 0.9)
        Rectangle(pos=(left - 2, bottom - 1), size=(label.width + 4, label.height + 2))
        Color(1, 1, 1, 1)
        Rectangle(texture=label, size=label.size, pos=(left, bottom))


