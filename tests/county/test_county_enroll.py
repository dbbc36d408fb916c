"""Enrollment: a one-time code from the operator, and a request signed with
the new device key, make a device known to the county."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from county import operator
from county.server import CountyServer
from protocol.enrollment_seal import seal_code
from protocol.signing import public_key_from_text
from tests.county.conftest import VILLAGE, Device, enroll, event, to_json


def test_a_good_code_enrolls_the_device_and_returns_the_county_key(
    county: CountyServer, new_device: Callable[[str], Device], data_dir: Path, stats
) -> None:
    device = new_device("ve-330226100201-seal1")
    assert device.post_events([event("e1")]).status_code == 401  # not enrolled yet

    asked = time.time()
    response = device.enroll(operator.make_enroll_code(data_dir, device.device_id))
    answered = time.time()

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["county_public_key"] == operator.county_public_key(data_dir)
    assert asked <= answer["server_time"] <= answered  # the county's "now"
    assert device.post_events([event("e1")]).status_code == 200
    enrolled = stats()["devices"][device.device_id]
    assert enrolled["role"] == "seal" and enrolled["village_code"] == "330226100201"


def test_the_code_is_typeable_and_typing_it_loosely_still_works(
    new_device: Callable[[str], Device], data_dir: Path
) -> None:
    device = new_device("ve-330226100201-kiosk")
    code = operator.make_enroll_code(data_dir, device.device_id)
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)
    assert not set(code) & set("01ILO")

    typed = code.replace("-", " ").lower()
    assert device.enroll(typed, role="kiosk").status_code == 200


def test_a_wrong_code_is_refused_and_the_device_stays_unknown(
    county: CountyServer, new_device: Callable[[str], Device], data_dir: Path, stats
) -> None:
    device = new_device("ve-330226100201-seal1")
    operator.make_enroll_code(data_dir, device.device_id)

    response = device.enroll("AAAA-BBBB-CCCC")

    assert response.status_code == 403
    assert response.json()["error"] == "bad_code"
    assert "county enroll-code --device ve-330226100201-seal1" in response.json()["detail"]
    assert device.post_events([event("e1")]).json()["error"] == "unknown_device"
    assert stats()["devices"] == {}
    assert stats()["rejected"]["enroll_refused"] == 1


def test_a_code_made_for_another_device_is_refused(
    new_device: Callable[[str], Device], data_dir: Path
) -> None:
    code = operator.make_enroll_code(data_dir, "ve-330226100201-seal2")
    response = new_device("ve-330226100201-seal1").enroll(code)
    assert response.status_code == 403
    assert "not an enrollment code for device ve-330226100201-seal1" in response.json()["detail"]


def test_a_used_code_is_refused_to_anyone_else(
    new_device: Callable[[str], Device], data_dir: Path
) -> None:
    first = new_device("ve-330226100201-seal1")
    code = operator.make_enroll_code(data_dir, first.device_id)
    assert first.enroll(code).status_code == 200

    thief = new_device("ve-330226100201-seal1")  # same id, another key
    response = thief.enroll(code)

    assert response.status_code == 403
    assert response.json()["error"] == "code_used"
    assert "already used" in response.json()["detail"]
    assert thief.post_events([event("e1")]).json()["error"] == "forged"
    assert first.post_events([event("e1")]).status_code == 200


def test_a_sealed_code_seen_on_the_path_enrolls_no_other_key(
    new_device: Callable[[str], Device], data_dir: Path, stats: Callable[[], dict[str, Any]]
) -> None:
    """Whoever sees a device's enrollment on the path has only the sealed
    code: presented with another key, or for another device, it is refused,
    and the code stays good for the device it was made for."""
    device = new_device("ve-330226100201-seal1")
    code = operator.make_enroll_code(data_dir, device.device_id)
    sealed = device.seal(code)
    thief = new_device("ve-330226100201-seal1")  # same id, the thief's key

    response = thief.enroll("", sealed=sealed)

    assert response.status_code == 403
    assert response.json()["error"] == "bad_code"
    assert "another device's enrollment" in response.json()["detail"]
    assert stats()["rejected"]["enroll_refused"] == 1
    assert thief.post_events([event("e1")]).json()["error"] == "unknown_device"
    assert device.enroll("", sealed=sealed).status_code == 200
    assert device.post_events([event("e1")]).status_code == 200


def test_a_code_sent_in_clear_is_refused(new_device: Callable[[str], Device],
                                          data_dir: Path) -> None:
    device = new_device("ve-330226100201-seal1")
    code = operator.make_enroll_code(data_dir, device.device_id)
    body = to_json({"device_id": device.device_id, "public_key": device.public_key,
                    "code": code, "role": "seal", "village_code": VILLAGE})
    response = device.send("POST", "/v1/enroll", body)
    assert response.status_code == 400
    assert "never in clear" in response.json()["detail"]
    assert device.enroll(code).status_code == 200  # the code was not spent


def test_repeating_an_enrollment_whose_answer_was_lost_succeeds_and_changes_nothing(
    new_device: Callable[[str], Device], data_dir: Path, stats
) -> None:
    device = new_device("ve-330226100201-seal1")
    code = operator.make_enroll_code(data_dir, device.device_id)
    assert device.enroll(code).status_code == 200
    enrolled_at = stats()["devices"][device.device_id]["enrolled"]

    again = device.enroll(code)

    assert again.status_code == 200
    assert stats()["devices"][device.device_id]["enrolled"] == enrolled_at


def test_an_expired_code_is_refused(new_device: Callable[[str], Device], data_dir: Path) -> None:
    device = new_device("ve-330226100201-seal1")
    code = operator.make_enroll_code(data_dir, device.device_id, now=time.time() - 8 * 86400)

    response = device.enroll(code)

    assert response.status_code == 403
    assert response.json()["error"] == "code_expired"
    assert "expired" in response.json()["detail"] and "7 days" in response.json()["detail"]


def test_a_newer_code_replaces_an_unused_older_one(
    new_device: Callable[[str], Device], data_dir: Path
) -> None:
    device = new_device("ve-330226100201-seal1")
    old = operator.make_enroll_code(data_dir, device.device_id)
    new = operator.make_enroll_code(data_dir, device.device_id)

    assert device.enroll(old).json()["error"] == "code_replaced"
    assert device.enroll(new).status_code == 200


def test_a_new_key_with_a_fresh_code_replaces_the_old_key(
    new_device: Callable[[str], Device], data_dir: Path
) -> None:
    old = enroll(new_device("ve-330226100201-seal1"), data_dir)
    replacement = new_device("ve-330226100201-seal1")  # the SD card was replaced

    enroll(replacement, data_dir)

    assert replacement.post_events([event("e1")]).status_code == 200
    assert old.post_events([event("e2")]).json()["error"] == "forged"


def test_enrollment_must_be_signed_by_the_key_it_enrolls(
    new_device: Callable[[str], Device], data_dir: Path, stats
) -> None:
    device = new_device("ve-330226100201-seal1")
    code = operator.make_enroll_code(data_dir, device.device_id)
    other = new_device("ve-330226100201-seal1").key

    response = device.enroll(code, key=other)  # body names device.key, signed by another

    assert response.status_code == 401
    assert response.json()["error"] == "forged"
    assert stats()["rejected"]["forged"] == 1
    assert device.enroll(code).status_code == 200  # the code was not spent


def test_a_village_code_in_other_digits_is_refused(
    new_device: Callable[[str], Device], data_dir: Path
) -> None:
    """Twelve Arabic-Indic digits are digits to a regex's \\d, not a village code."""
    device = new_device("ve-digits-seal1")
    code = operator.make_enroll_code(data_dir, device.device_id)
    body = to_json({"device_id": device.device_id, "public_key": device.public_key,
                    "sealed_code": device.seal(code), "role": "seal",
                    "village_code": "٣٣٠٢٢٦١٠٠٢٠١"})
    response = device.send("POST", "/v1/enroll", body)
    assert response.status_code == 400
    assert "12-digit village code" in response.json()["detail"]
    assert device.enroll(code).status_code == 200  # the code was not spent


def test_a_key_of_small_order_is_not_enrolled(
    new_device: Callable[[str], Device], data_dir: Path
) -> None:
    """Anyone can sign for the all-zero key: the county refuses to enroll it."""
    device = new_device("ve-zero-seal1")
    code = operator.make_enroll_code(data_dir, device.device_id)
    zero = "A" * 43
    body = to_json({"device_id": device.device_id, "public_key": zero,
                    "sealed_code": seal_code(public_key_from_text(device.county.public_key),
                                             code, device.device_id, zero),
                    "role": "seal", "village_code": VILLAGE})
    response = device.send("POST", "/v1/enroll", body)
    assert response.status_code == 400
    assert "small order" in response.json()["detail"]
    assert device.enroll(code).status_code == 200  # the code was not spent


@pytest.mark.parametrize(("made_for", "claimed"), [("kiosk", "seal"), ("kiosk", "all"),
                                                   ("seal", "kiosk"), ("all", "seal")])
def test_a_code_binds_the_role_the_device_enrolls_in(
    new_device: Callable[[str], Device], data_dir: Path, made_for: str, claimed: str
) -> None:
    device = new_device("ve-330226100201-hall1")
    code = operator.make_enroll_code(data_dir, device.device_id, role=made_for)
    refused = device.enroll(code, role=claimed)
    assert refused.status_code == 403
    body = refused.json()
    assert body["error"] == "wrong_role"
    assert f"--role {claimed}" in body["detail"]
    assert device.enroll(code, role=made_for).status_code == 200  # the code still works


def test_a_code_made_for_a_village_enrolls_only_there(
    county: CountyServer, new_device: Callable[[str], Device], data_dir: Path, stats
) -> None:
    device = new_device("ve-330226100201-seal9")
    code = operator.make_enroll_code(data_dir, device.device_id, role="seal", village=VILLAGE)
    elsewhere = device.enroll(code, village="330226100202")
    assert elsewhere.status_code == 403 and elsewhere.json()["error"] == "bad_code"
    assert device.device_id not in stats()["devices"]
    assert device.enroll(code).status_code == 200
    assert stats()["devices"][device.device_id]["village_code"] == VILLAGE


def test_an_enrolled_device_never_moves_to_another_village(
    county: CountyServer, device: Device, data_dir: Path, stats
) -> None:
    """Enrolling again in another village would carry the device's
    complaints and requests there: refused, the device stays."""
    code = operator.make_enroll_code(data_dir, device.device_id, role="seal")
    moved = device.enroll(code, village="330226100202")
    assert moved.status_code == 403 and moved.json()["error"] == "wrong_village"
    assert "village_code = \"330226100201\"" in moved.json()["detail"]
    assert stats()["devices"][device.device_id]["village_code"] == VILLAGE
    assert device.enroll(code).status_code == 200  # the code is still good in its village
