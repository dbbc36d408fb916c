"""What is on the kiosk's screen, measured from the widget tree Kivy laid out
and the frame it drew, for the age-friendly, line-breaking and layout tests.

For the current screen: every label and button that shows text, with its
place on the window (and how much of it a scroll view lets show), its font
sizes, the lines Kivy actually laid out, whether it was shortened with "…",
the colours its text was drawn in and the background under it sampled from
the drawn frame; every touch target; every picture, how large it is drawn
and how wide the scroll view showing it is; and every layout whose children stick
out of it or overlap each other.

Imports Kivy: only the test driver's steps import this.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kivy.base import EventLoop
from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.recycleview import RecycleView
from kivy.uix.scrollview import ScrollView
from kivy.uix.stacklayout import StackLayout
from kivy.uix.stencilview import StencilView
from kivy.uix.textinput import TextInput

Rect = tuple[float, float, float, float]  # x, y, width, height in window pixels
SLACK = 1.0  # pixels of rounding forgiven


def _rect(widget: Any) -> Rect:
    x, y = widget.to_window(*widget.pos)
    return (x, y, float(widget.width), float(widget.height))


def _intersect(a: Rect, b: Rect) -> Rect | None:
    x, y = max(a[0], b[0]), max(a[1], b[1])
    right, top = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if right - x <= SLACK or top - y <= SLACK:
        return None
    return (x, y, right - x, top - y)


def _shown(widget: Any) -> tuple[bool, float, Rect | None]:
    """(drawn at all, effective opacity, the part not clipped by a scroll
    view or the window)."""
    window = EventLoop.window
    visible: Rect | None = (0.0, 0.0, float(window.width), float(window.height))
    opacity = 1.0
    node = widget
    while node is not None and node is not node.parent:
        if node.opacity == 0 or node.disabled:
            return False, 0.0, None
        opacity *= node.opacity
        if node is not widget and isinstance(node, ScrollView | StencilView) and visible:
            visible = _intersect(visible, _rect(node))
        node = node.parent
    if visible is not None:
        visible = _intersect(visible, _rect(widget))
    return True, opacity, visible


def _lines(label: Any) -> list[dict[str, Any]]:
    """The lines Kivy laid out: text, height, the font sizes and colours used."""
    core = label._label
    lines = []
    for line in getattr(core, "_cached_lines", []) or []:
        words = line.words
        lines.append({
            "text": "".join(word.text for word in words),
            "height": float(line.h),
            "sizes": [float(word.options.get("font_size", label.font_size)) for word in words
                      if word.text.strip()],
            "colours": [list(word.options.get("color", label.color))[:4] for word in words
                        if word.text.strip()],
        })
    return lines


def _frame() -> tuple[bytes, int, int]:
    width, height = EventLoop.window.size
    return glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE), width, height


def _background(frame: tuple[bytes, int, int], area: Rect) -> list[float] | None:
    """The most common colour drawn in *area* (window pixels, from the bottom)."""
    pixels, width, height = frame
    x0, y0 = max(0, int(area[0])), max(0, int(area[1]))
    x1, y1 = min(width, int(area[0] + area[2])), min(height, int(area[1] + area[3]))
    seen: Counter[tuple[int, int, int]] = Counter()
    for y in range(y0, y1, 2):
        row = y * width * 3
        for x in range(x0, x1, 2):
            at = row + x * 3
            seen[(pixels[at], pixels[at + 1], pixels[at + 2])] += 1
    if not seen:
        return None
    colour = seen.most_common(1)[0][0]
    return [channel / 255 for channel in colour]


def _texture_rect(label: Any) -> Rect:
    """Where a label's text texture is drawn (Kivy centres it on the label)."""
    x, y, width, height = _rect(label)
    tw, th = label.texture_size
    return (x + (width - tw) / 2, y + (height - th) / 2, float(tw), float(th))


def audit_screen(app: Any) -> dict[str, Any]:
    """The current screen's texts, targets and layout faults (see the module)."""
    frame = _frame()
    texts: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    layouts: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    screen = app.manager.current_screen
    for widget in screen.walk(restrict=True):
        drawn, opacity, visible = _shown(widget)
        if not drawn or widget.width < 2 or widget.height < 2:
            continue
        if isinstance(widget, ButtonBehavior | TextInput) and visible is not None:
            targets.append({"key": getattr(widget, "key", "") or type(widget).__name__,
                            "rect": _rect(widget), "visible": visible,
                            "scrolled": visible[2] < widget.width - SLACK
                            or visible[3] < widget.height - SLACK})
        if isinstance(widget, Label) and widget.text.strip():
            texture = _texture_rect(widget)
            on_screen = _intersect(texture, visible) if visible else None
            texts.append({
                "class": type(widget).__name__,
                "button": isinstance(widget, ButtonBehavior),
                "text": getattr(widget, "content", "") or widget.text,
                "rect": _rect(widget), "texture": texture, "visible": on_screen,
                "text_size": list(widget.text_size),
                "shortened": bool(widget.shorten or getattr(widget, "is_shortened", False)),
                "font_size": float(widget.font_size),
                "opacity": opacity,
                "lines": _lines(widget),
                "background": _background(frame, on_screen) if on_screen else None,
            })
        if isinstance(widget, Image) and widget.texture is not None:
            images.append({"rect": _rect(widget), "drawn": list(widget.norm_image_size),
                           "texture": list(widget.texture.size),
                           "room": _room(widget)})
        if isinstance(widget, BoxLayout | GridLayout | StackLayout) \
                and not isinstance(widget.parent, ScrollView | RecycleView) \
                and not isinstance(widget, RecycleView):
            layouts.append(_layout_faults(widget))
    return {"screen": app.screen, "px_per_dp": float(app.px_per_dp),
            "large_text": bool(app.large_text), "window": list(EventLoop.window.size),
            "texts": texts, "targets": targets, "images": images,
            "layout_faults": [fault for entry in layouts for fault in entry["faults"]]}


def _room(widget: Any) -> float | None:
    """The width of the scroll view a picture is shown in (what it could
    fill); None for a picture outside one."""
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            return float(node.width)
        node = node.parent
    return None


def _describe(widget: Any) -> str:
    text = getattr(widget, "content", "") or getattr(widget, "text", "")
    key = getattr(widget, "key", "") or getattr(widget, "title", "")
    return f"{type(widget).__name__}({key or text[:12]!r})"


def _layout_faults(layout: Any) -> dict[str, Any]:
    """Children of *layout* that stick out of it or overlap each other."""
    faults = []
    outer = _rect(layout)
    children = [child for child in layout.children
                if child.opacity > 0 and child.width >= 2 and child.height >= 2]
    for child in children:
        x, y, width, height = _rect(child)
        if x < outer[0] - SLACK or y < outer[1] - SLACK \
                or x + width > outer[0] + outer[2] + SLACK \
                or y + height > outer[1] + outer[3] + SLACK:
            faults.append(f"{_describe(child)} at {(x, y, width, height)} sticks out of "
                          f"{_describe(layout)} at {outer}")
    for index, one in enumerate(children):
        for other in children[index + 1:]:
            if _intersect(_rect(one), _rect(other)) is not None:
                faults.append(f"{_describe(one)} overlaps {_describe(other)} in "
                              f"{_describe(layout)}")
    return {"faults": faults}
