"""The custodian's panel: its view-model without a window, and the real Kivy
panel rendered in every phase under Xvfb."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from seal_controller.panel_model import PanelModel
from tests.conftest import REPO
from tests.seal_controller.rig import Rig, make_rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = make_rig(tmp_path)
    yield made
    made.close()


def test_the_panel_asks_for_every_choice_before_a_request(rig: Rig) -> None:
    model = PanelModel(rig.controller)
    model.request()
    assert model.headline == "请先选择要用的印章。"
    model.choose_slot("committee")
    model.request()
    assert model.headline == "请先选择用印事项。"
    model.choose_matter("合同签订")
    model.more()
    model.more()
    assert model.uses == 3
    model.request()
    assert "等待审批" in model.headline
    assert "申请号 R" in model.status
    assert "村民委员会印章" in model.status and "3 次" in model.status


def test_the_panel_follows_a_session(rig: Rig) -> None:
    model = PanelModel(rig.controller)
    model.choose_slot("party")
    model.choose_matter("出具证明")
    model.request()
    rig.controller.offer_token(rig.token(), "feed")
    assert "村党组织印章已解锁。还可以盖 1 次" in model.headline
    assert [c.unlocked for c in model.slots()] == [True, False]
    rig.world.press("party")
    rig.world.release("party")
    assert "印章已锁好" in model.headline
    model.choose_slot("committee")
    assert model.slots()[1].chosen


def test_choices_cannot_change_during_a_session(rig: Rig) -> None:
    model = PanelModel(rig.controller)
    model.choose_slot("party")
    model.choose_matter("出具证明")
    model.request()
    model.choose_slot("committee")
    assert model.slot == "party"


def counts(model: PanelModel) -> list[str]:
    """Every count of stamps on the screen."""
    return re.findall(r"\d+ 次", " | ".join((model.headline, model.status, model.counter)))


def test_each_count_is_shown_once_and_is_the_count_left(rig: Rig) -> None:
    model = PanelModel(rig.controller)
    model.choose_slot("party")
    model.choose_matter("出具证明")
    model.more()
    assert counts(model) == ["2 次"] and model.counter == "2 次"  # choosing: the counter
    model.request()
    assert counts(model) == ["2 次"] and model.counter == ""  # waiting: the request line
    rig.controller.offer_token(rig.token(), "feed")
    rig.world.press("party")
    rig.world.release("party")
    assert "还可以盖 1 次" in model.headline  # one stamp made of two: one left
    assert counts(model) == ["1 次"]


PHASE_BUTTONS = {
    "idle": {"fewer", "more", "request", "slot:party", "slot:committee"},
    "requested": {"cancel"},
    "unlocked": {"end"},
    "returning": set(),
    "halted": set(),
}


def test_only_buttons_that_can_act_are_enabled(rig: Rig) -> None:
    model = PanelModel(rig.controller)

    def enabled() -> set[str]:
        return {name for name, on in model.enabled().items()
                if on and not name.startswith("matter:")}

    model.more()
    assert enabled() == PHASE_BUTTONS["idle"]
    model.choose_slot("party")
    model.choose_matter("出具证明")
    model.request()
    assert enabled() == PHASE_BUTTONS["requested"]
    model.more()  # a disabled button does nothing, even if tapped
    assert model.uses == 2
    rig.controller.offer_token(rig.token(), "feed")
    assert enabled() == PHASE_BUTTONS["unlocked"]
    rig.world.take_seal("party")
    model.end()
    assert enabled() == PHASE_BUTTONS["returning"]
    rig.world.return_seal("party")
    rig.controller.handle("storage_failed", error="a test halts the station")
    assert enabled() == PHASE_BUTTONS["halted"]
    assert "不能申请用印" in model.status


def test_fewer_and_more_stay_within_the_rules(rig: Rig) -> None:
    model = PanelModel(rig.controller)
    model.fewer()
    assert model.uses == 1
    assert not model.enabled()["fewer"]
    for _ in range(60):
        model.more()
    assert model.uses == 50
    assert not model.enabled()["more"] and model.enabled()["fewer"]


def test_the_panel_renders_every_phase(tmp_path: Path, home: Path) -> None:
    out = tmp_path / "shots"
    result = subprocess.run(
        [sys.executable, "-m", "village_edge", "seal", "screenshots", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=180,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    shots = {p.stem: Image.open(p).convert("RGB") for p in out.glob("*.png")}
    assert set(shots) == {f"seal-panel-{n}" for n in
                          ("idle", "waiting", "unlocked", "refused", "alarm", "halted")}
    for image in shots.values():
        assert image.size == (800, 480)
        assert max(ImageStat.Stat(image).stddev) > 20  # drawn, not blank
    red = ImageStat.Stat(shots["seal-panel-alarm"]).mean
    calm = ImageStat.Stat(shots["seal-panel-idle"]).mean
    assert red[0] > red[1] + 40 and calm[1] > red[1]  # the alarm turns the panel red
    halted = ImageStat.Stat(shots["seal-panel-halted"]).mean
    assert halted[0] > halted[1] + 40  # a halted station stays red
