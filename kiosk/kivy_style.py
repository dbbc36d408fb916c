"""Kivy's data directory for the kiosk: Kivy's own, but with a ``style.kv``
holding only the rules of the widgets the kiosk shows.

Kivy parses its whole ``style.kv`` (rules for sixty-odd widgets: file
choosers, settings panels, video players, colour pickers...) the moment
:mod:`kivy.lang` is imported, about a tenth of a second of CPU before the
first frame. Kivy reads its data from ``$KIVY_DATA_DIR``, so the kiosk gives
it a directory of links to Kivy's own files (fonts, images, shaders) beside a
``style.kv`` cut down to :data:`KIOSK_RULES`. The cut copy is made once and
made again whenever Kivy's ``style.kv`` or the list of rules changes (its
name carries a digest of both). Nothing is drawn differently: a widget gets
the rules of every class it derives from, and
``tests/kiosk/test_kiosk_style_rules.py`` walks every screen and checks that
each rule of Kivy's file that applies to a widget shown is kept.

Imports no Kivy (it must run before Kivy is first imported).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
from pathlib import Path

#: The widgets (and their bases) whose rules of Kivy's style.kv the kiosk
#: needs: the kiosk's screens show labels, buttons, images, scroll views,
#: spinners and their options, the search box (a text input, with its
#: selection handles and cut/copy/paste bubble), in screens of a screen
#: manager.
KIOSK_RULES = frozenset({
    "Label", "Button", "ToggleButton", "Image", "AsyncImage", "RelativeLayout",
    "ScrollView", "StencilView", "Spinner", "SpinnerOption", "ScreenManager", "Scatter",
    "TextInput", "TextInputCutCopyPaste", "Selector", "BubbleContent", "BubbleButton",
})
STYLE = "style.kv"
_RULE = re.compile(r"^<([^>]*)>")


def kivy_data_dir() -> Path:
    """Kivy's own data directory, found without importing Kivy."""
    spec = importlib.util.find_spec("kivy")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("kivy is not installed: run ./setup.sh dev")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def rule_classes(selector: str) -> set[str]:
    """The classes a kv rule's selector names: ``<-Button,-ToggleButton>``
    names Button and ToggleButton; ``<Name@Base>`` names Name."""
    return {part.strip().lstrip("-").split("@")[0].strip() for part in selector.split(",")}


def style_blocks(text: str) -> list[tuple[set[str] | None, str]]:
    """*text* (a kv file) cut into its top-level parts: each rule with the
    classes it applies to, and everything else (directives, comments) with
    None."""
    blocks: list[tuple[set[str] | None, list[str]]] = [(None, [])]
    for line in text.splitlines(keepends=True):
        match = _RULE.match(line)
        if match:
            blocks.append((rule_classes(match.group(1)), [line]))
        elif line.startswith("#:"):
            blocks.append((None, [line]))
        else:
            blocks[-1][1].append(line)
    return [(classes, "".join(lines)) for classes, lines in blocks]


def cut_style(text: str, keep: frozenset[str] = KIOSK_RULES) -> str:
    """The rules of *text* that apply to a class in *keep*, with every
    directive and comment outside the rules."""
    return "".join(part for classes, part in style_blocks(text)
                   if classes is None or classes & keep)


def _links_hold(directory: Path) -> bool:
    """Whether every link in *directory* still reaches a file of Kivy's."""
    return all(entry.exists() for entry in directory.iterdir() if entry.is_symlink())


def kiosk_data_dir(cache_dir: Path, source: Path | None = None,
                   keep: frozenset[str] = KIOSK_RULES) -> Path:
    """A directory under *cache_dir* to give Kivy as ``KIVY_DATA_DIR``:
    links to everything in Kivy's data directory (*source*) but its
    ``style.kv``, which is cut down to the rules of *keep*."""
    source = (source or kivy_data_dir()).resolve()
    original = (source / STYLE).read_bytes()
    # Kivy's location is part of the name: an upgrade or a reinstall elsewhere
    # (another virtual environment) must not leave the kiosk linked to files
    # that are gone, which Kivy reports only as a missing shader
    named = original + "\n".join(sorted(keep)).encode() + b"\0" + os.fsencode(source)
    target = cache_dir / f"kivy-data-{hashlib.sha256(named).hexdigest()[:16]}"
    if (target / STYLE).is_file() and _links_hold(target):
        return target  # made at an earlier start, from the same style.kv
    shutil.rmtree(target, ignore_errors=True)  # a link dangles: Kivy's files moved
    cache_dir.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".kivy-data-", dir=cache_dir))
    for entry in source.iterdir():
        if entry.name != STYLE:
            (building / entry.name).symlink_to(entry)
    (building / STYLE).write_text(cut_style(original.decode("utf-8"), keep), "utf-8")
    try:
        os.rename(building, target)
    except OSError:  # another start made it first
        shutil.rmtree(building, ignore_errors=True)
        if not (target / STYLE).is_file():
            raise
    return target
