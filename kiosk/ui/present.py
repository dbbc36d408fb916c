"""Filling each screen from the view-model. One function per screen, each
taking the app (for the view-model and the sizes) and its screen widget.
Imports Kivy: only :mod:`kiosk.app` imports this module."""

from __future__ import annotations

import io
import itertools
from typing import Any

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.factory import Factory
from kivy.utils import escape_markup

from kiosk.ui.breaking import markup_height
from kiosk.viewmodels.complaint import COMPLAINT_PROBLEMS, NOT_ONE_ITEM
from kiosk.viewmodels.home import ATTRACT_LINES
from kiosk.viewmodels.numpad import KEYS
from kiosk.viewmodels.shell import SAMPLE_MARK

BIG_COLOURS = {"public_power": (0.6, 0.16, 0.13, 1), "convenience_service": (0.1, 0.42, 0.3, 1)}
SMALL_COLOURS = {
    "search": (0.12, 0.37, 0.67, 1), "disclosures": (0.62, 0.38, 0.05, 1),
    "complaint": (0.45, 0.2, 0.5, 1), "progress": (0.2, 0.4, 0.5, 1),
}
RECEIPT_SLICE = 1024  # pixels of receipt per texture


def _make(name: str, **properties: Any) -> Any:
    """A widget of a kv class; properties set after creation, because a kv
    dynamic class gets its own properties (``key``, ``bg``) only then."""
    widget = getattr(Factory, name)()
    for key, value in properties.items():
        setattr(widget, key, value)
    return widget


def _esc(text: str) -> str:
    return str(escape_markup(text))


def present(app: Any, screen: Any) -> None:
    """Fill *screen* (named as the view-model's screens) from ``app.vm``."""
    PRESENTERS[screen.name](app, screen)


def home(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    shown = (vm.snapshot, app.fs)
    if getattr(screen, "shown", None) == shown:
        return  # the same catalog at the same text size: nothing to redraw
    screen.shown = shown
    ids.big.clear_widgets()
    ids.small.clear_widgets()
    for button in vm.home_buttons():
        subtitle = int(app.fs_small)
        text = f"[b]{_esc(button.title)}[/b]\n[size={subtitle}]{_esc(button.subtitle)}[/size]"
        widget = _make("KButton", key=button.key, content=text)
        if button.big:
            widget.size_hint_y = 1
            widget.font_size = app.fs * 1.45
            widget.bg = BIG_COLOURS[button.key]
            ids.big.add_widget(widget)
        else:
            widget.size_hint_y = 1
            widget.bg = SMALL_COLOURS[button.key]
            ids.small.add_widget(widget)
        widget.bind(on_release=lambda w: app.open(w.key))
    small: list[Any] = list(ids.small.children)
    big: list[Any] = list(ids.big.children)

    def fit_buttons(*args: Any) -> None:
        """Buttons as tall as their text needs, at least as the kv says."""
        tallest = max(button.texture_size[1] for button in small) + app.pad
        ids.small.row_default_height = max(app.tap * 1.35, tallest)
        tallest = max(button.texture_size[1] for button in big) + app.pad
        rows = len(big) if app.portrait else 1
        ids.big.size_hint_min_y = max(app.tap * 1.5, tallest) * rows + ids.big.spacing * (rows - 1)

    for button in small + big:
        button.bind(texture_size=fit_buttons)
    fit_buttons()
    sample = f"  [color=b02020][b]{SAMPLE_MARK}：县里还没有发布本村的清单[/b][/color]" \
        if vm.is_sample else ""
    ids.footer.markup = True
    ids.footer.content = _esc(vm.catalog_line()) + sample


def list_screen(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    ids.bar.title = vm.list_title
    rows = []
    for row in vm.list_rows():
        if row.kind == "heading":
            rows.append({"viewclass": "HeadingRow", "content": row.text, "height": app.tap})
        else:
            rows.append(_item_row(app, row.text, row.note, row.item_id))
    ids.rows.data = rows
    ids.rows.scroll_y = 1
    ids.footer.content = vm.catalog_line()


def detail(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    model = vm.detail
    if model is None:
        return
    ids.message.content = vm.message
    shown = (id(model), frozenset(model.checked), app.fs, vm.snapshot)
    if getattr(screen, "shown", None) == shown:
        return  # back from the flowchart or receipt: the same page, kept as it was
    screen.shown = shown
    ids.bar.title = model.title
    ids.actions.clear_widgets()
    charts = model.item.flowcharts
    for index, chart in enumerate(charts):
        label = "看流程图" if len(charts) == 1 else f"流程图{index + 1}"
        button = _make("KButton", key=f"flowchart:{index}", content=label,
                       bg=(0.1, 0.42, 0.3, 1))
        button.bind(on_release=lambda w, i=index: app.open_flowchart(i))
        ids.actions.add_widget(button)
        del chart
    for key, text, action in (("receipt", "打印指南", app.open_receipt),
                              ("read_aloud", "朗读", app.read_aloud)):
        button = _make("KButton", key=key, content=text)
        button.bind(on_release=lambda w, act=action: act())
        ids.actions.add_widget(button)
    body = ids.body
    body.clear_widgets()
    body.add_widget(_make("Note", content=model.subtitle))
    whom = model.whom
    body.add_widget(_make("Heading", content=whom.title))
    for line in whom.lines:
        body.add_widget(_make("KLabel", content=line))
    body.add_widget(_make("Heading", content="要带的材料（点一下可以打勾）"))
    materials = model.materials
    if not materials:
        body.add_widget(_make("KLabel", content=model.materials_empty_text))
    for index, (material, ticked) in enumerate(materials):
        mark = "■" if ticked else "□"
        row = _make("MaterialRow", key=f"material:{index}", content=f"{mark}  {_esc(material)}")
        row.bind(on_release=lambda w, i=index: app.toggle_material(i))
        body.add_widget(row)
    for section in model.sections():
        body.add_widget(_make("Heading", content=section.title))
        for line in section.lines:
            body.add_widget(_make("KLabel", content=line))
    body.add_widget(_make("Note", content=f"{vm.catalog_line()}；{vm.roster_line()}"))


def flowchart(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    model = vm.flowchart
    if model is None:
        return
    ids.bar.title = model.title
    ids.tabs.clear_widgets()
    for index, title in enumerate(model.tabs):
        tab = _make("KButton", key=f"chart_tab:{index}", content=title,
                              bg=(0.6, 0.16, 0.13, 1) if index == model.index
                              else (0.4, 0.4, 0.42, 1))
        tab.bind(on_release=lambda w, i=index: app.show_chart(i))
        ids.tabs.add_widget(tab)
    chart = ids.chart
    chart.on_tap = app.tap_flowchart
    chart.min_text = app.fs_small
    chart.show(model.layout, model.selected)
    panel = ids.detail
    panel.clear_widgets()
    found = model.detail
    if found is None:
        panel.add_widget(_make("KLabel", content=model.hint, font_size=app.fs * 0.9))
    else:
        panel.add_widget(_make("Heading", content=found.title, font_size=app.fs))
        for line in found.lines:
            panel.add_widget(_make("KLabel", content=line, font_size=app.fs * 0.9))


def disclosures(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    model = vm.disclosures
    ids.tabs.clear_widgets()
    for name, count in model.tabs:
        chosen = name == model.category
        tab = _make("BarButton", key=f"tab:{name}", text=f"{name} {count}",
                    bg=(0.6, 0.16, 0.13, 1) if chosen else (0.4, 0.4, 0.42, 1))
        tab.bind(on_release=lambda w, n=name: app.choose_disclosures(n))
        ids.tabs.add_widget(tab)
    rows = [{"title": row.title, "meta": f"{row.category} · {row.date_text} · 来源：{row.source}",
             "detail": row.detail} for row in model.rows]
    if not rows:
        rows = [{"title": model.empty_message, "meta": "", "detail": ""}]
    ids.rows.clear_widgets()
    for row in rows:
        ids.rows.add_widget(_make("DisclosureRow", **row))
    ids.rows.parent.scroll_y = 1
    ids.footer.content = vm.disclosures_line()


def search(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    ids.words.clear_widgets()
    for word in vm.search.keywords(vm.catalog):
        button = _make("KButton", key=f"word:{word}", content=word, bg=(0.2, 0.4, 0.5, 1))
        button.bind(on_release=lambda w, q=word: app.search(q))
        ids.words.add_widget(button)
    ids.words.parent.scroll_y = 1
    ids.summary.content = vm.search.summary
    ids.rows.data = [_item_row(app, r.text, r.note, r.item_id) for r in vm.search.results]


def _item_row(app: Any, name: str, note: str, item_id: str) -> dict[str, Any]:
    """A row of the list or the search results: the item's name and a note,
    as tall as their lines (a long name takes two)."""
    content = f"[b]{_esc(name)}[/b]\n[size={int(app.fs_small)}]{_esc(note)}[/size]"
    width = app.window.width - 2 * app.pad - app.fs * 0.5 - app.pad * 0.8
    height = markup_height(content, width, app.fs, bold=False)
    return {"viewclass": "ItemRow", "content": content, "item_id": item_id,
            "key": f"item:{item_id}", "height": max(app.tap * 1.3, height + app.pad * 1.2)}


def _keypad(app: Any, pad: Any, on_key: Any, prefix: str) -> None:
    if pad.children:
        return
    for key in KEYS:
        digit = key.isdigit()
        button = _make("KButton", key=f"{prefix}:{key}", content=key,
                       font_size=app.fs * (1.2 if digit else 1.0),
                       bg=(0.25, 0.28, 0.33, 1) if digit else (0.42, 0.42, 0.45, 1))
        button.size_hint_y = 1
        button.bind(on_release=lambda w, k=key: on_key(k))
        pad.add_widget(button)


def complaint(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    model = vm.complaint
    names = [name for _, name in model.item_choices(vm.catalog)]
    if list(ids.item.values) != names:
        ids.item.values = names
    ids.item.content = model.item_name or NOT_ONE_ITEM
    ids.problems.clear_widgets()
    for problem in COMPLAINT_PROBLEMS:
        chosen = problem == model.problem
        button = _make("KButton", key=f"problem:{problem}",
                       content=("● " if chosen else "") + problem,
                       bg=(0.6, 0.16, 0.13, 1) if chosen else (0.3, 0.33, 0.4, 1))
        button.bind(on_release=lambda w, p=problem: app.complaint_problem(p))
        ids.problems.add_widget(button)
    app.complaint_leave_phone = model.leave_phone
    on, off = (0.6, 0.16, 0.13, 1), (0.4, 0.4, 0.42, 1)
    ids.anonymous.bg = off if model.leave_phone else on
    ids.leave_phone.bg = on if model.leave_phone else off
    ids.anonymity.content = model.anonymity_text
    ids.phone.content = (model.phone.shown or "请用下面的数字键输入") if model.leave_phone else ""
    ids.phone.height = ids.phone.texture_size[1] + app.fs * 0.3 if model.leave_phone else 0
    _keypad(app, ids.pad, app.complaint_key, "phone")
    ids.summary.content = "\n".join(model.summary)
    ids.result.content = "\n".join(model.result.lines) if model.result else ""


def progress(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    ids.code.content = vm.progress.code.shown or "查询码"
    _keypad(app, ids.pad, app.progress_key, "code")
    ids.lines.clear_widgets()
    for line in vm.progress.lines:
        ids.lines.add_widget(_make("KLabel", content=line))


def receipt(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    ids.paper.clear_widgets()
    ids.message.content = vm.receipt.message
    if vm.receipt.receipt is None:
        return
    image = app.receipt_image(vm.receipt.receipt).convert("RGB")
    for top in range(0, image.height, RECEIPT_SLICE):
        piece = image.crop((0, top, image.width, min(top + RECEIPT_SLICE, image.height)))
        data = io.BytesIO()
        piece.save(data, format="png")
        data.seek(0)
        texture = CoreImage(data, ext="png").texture
        slip = _make("Image", texture=texture, size_hint_y=None, height=piece.height,
                     fit_mode="contain")
        slip.dots_high = piece.height
        ids.paper.add_widget(slip)
    ids.paper.text_px = app.fs
    if not getattr(ids.paper, "scales_receipt", False):
        ids.paper.scales_receipt = True
        ids.paper.bind(width=_scale_receipt)
    _scale_receipt(ids.paper, ids.paper.width)


def receipt_scale(room: float, dots_wide: int, text_px: float) -> int:
    """How many screen pixels each of the printer's dots takes: the
    receipt's text as large as the screen's own text (*text_px*), in whole
    pixels per dot (crisp), as wide as *room* allows, never smaller than
    printed."""
    from hardware.printer.raster import NORMAL_SIZE

    return max(1, min(int(room // dots_wide), round(text_px / NORMAL_SIZE)))


def _scale_receipt(paper: Any, width: float) -> None:
    """Draw the receipt on *paper* as large as the screen's text."""
    slips = [child for child in paper.children if hasattr(child, "dots_high")]
    if not slips:
        return
    room = width - paper.padding[0] - paper.padding[2]
    scale = receipt_scale(room, slips[0].texture.width, paper.text_px)
    for slip in slips:
        slip.texture.mag_filter = "nearest" if scale > 1 else "linear"  # whole dots
        slip.height = slip.dots_high * scale


def pin(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    ids.message.content = vm.pin.message
    ids.typed.content = vm.pin.pad.shown or " "
    _keypad(app, ids.pad, app.pin_key, "pin")


def technician(app: Any, screen: Any) -> None:
    vm, ids = app.vm, screen.ids
    ids.result.content = vm.technician.result
    ids.lines.clear_widgets()
    for line in vm.technician.lines:
        ids.lines.add_widget(_make("KLabel", content=line, font_size=app.fs_small))


#: The attract screen's gentle pulse on "请点一下屏幕": even at its faintest
#: the line keeps its contrast. The kiosk shows this screen most of the day,
#: so the pulse steps a few times a second instead of animating every frame
#: (30 redraws a second, all day, on a Pi without a fan).
PULSE_STEPS = (1.0, 0.93, 0.87, 0.8, 0.87, 0.93)
PULSE_EVERY = 0.4  # seconds a step: a breath of 2.4 s


def attract(app: Any, screen: Any) -> None:
    ids = screen.ids
    ids.line1.content, ids.line2.content, ids.line3.content = ATTRACT_LINES
    line = ids.line3
    previous = getattr(screen, "pulse", None)
    if previous is not None:
        previous.cancel()
    steps = itertools.cycle(PULSE_STEPS)

    def step(_dt: float) -> bool:
        if screen.manager is None or screen.manager.current != screen.name:
            line.opacity = 1.0  # left the screen: the pulse ends with it
            return False
        line.opacity = next(steps)
        return True

    screen.pulse = Clock.schedule_interval(step, PULSE_EVERY)


PRESENTERS = {
    "home": home, "list": list_screen, "detail": detail, "flowchart": flowchart,
    "disclosures": disclosures, "search": search, "complaint": complaint, "progress": progress,
    "receipt": receipt, "pin": pin, "technician": technician, "attract": attract,
}
