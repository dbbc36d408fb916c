"""This boot's id as the seal station's processes agree on it, including
under a sandbox that hides /proc/sys (tmp files standing in for /proc and
for systemd's /run/village-edge)."""

from __future__ import annotations

from pathlib import Path

from sync.boot import BootClock, BootMoment, read_boot_id

KERNEL_ID = "6a1bd2f0-5d6f-4a8e-9a51-0c3f7e2b9d10"
OLD_KERNEL_ID = "0e9c1f7a-2b3d-4c5e-8f60-718293a4b5c6"


def kernel(tmp_path: Path, boot_id: str | None) -> Path:
    path = tmp_path / "proc" / "boot_id"
    if boot_id is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(boot_id + "\n")
    return path


def run_dir(tmp_path: Path) -> Path:
    shared = tmp_path / "run" / "village-edge" / "boot-id"
    shared.parent.mkdir(parents=True, exist_ok=True)
    return shared


def test_the_kernel_id_is_shared_through_run(tmp_path: Path) -> None:
    shared = run_dir(tmp_path)
    assert read_boot_id(kernel(tmp_path, KERNEL_ID), shared, lambda: 50.0) == KERNEL_ID
    # a sandboxed service that cannot see /proc/sys reads the same id
    assert read_boot_id(tmp_path / "hidden", shared, lambda: 60.0) == KERNEL_ID


def test_a_sandboxed_first_reader_makes_the_id_the_others_agree_on(tmp_path: Path) -> None:
    shared = run_dir(tmp_path)
    first = read_boot_id(tmp_path / "hidden", shared, lambda: 10.0)
    assert first.startswith("run-")
    assert read_boot_id(kernel(tmp_path, KERNEL_ID), shared, lambda: 20.0) == first
    assert read_boot_id(tmp_path / "hidden", shared, lambda: 30.0) == first


def test_an_id_left_in_run_by_another_boot_is_not_this_boot(tmp_path: Path) -> None:
    shared = run_dir(tmp_path)
    shared.write_text("run-left-over 5000.000\n")  # written 5000 s into a longer boot
    fresh = read_boot_id(tmp_path / "hidden", shared, lambda: 40.0)
    assert fresh.startswith("run-") and fresh != "run-left-over"
    shared.write_text(f"{OLD_KERNEL_ID} 1.000\n")  # another boot's kernel id
    assert read_boot_id(kernel(tmp_path, KERNEL_ID), shared, lambda: 40.0) == KERNEL_ID


def test_without_run_the_kernel_id_or_unknown(tmp_path: Path) -> None:
    nowhere = tmp_path / "no-run" / "boot-id"
    assert read_boot_id(kernel(tmp_path, KERNEL_ID), nowhere, lambda: 1.0) == KERNEL_ID
    assert read_boot_id(tmp_path / "hidden", nowhere, lambda: 1.0) == "unknown"
    clock = BootClock(lambda: read_boot_id(tmp_path / "hidden", nowhere, lambda: 1.0),
                      lambda: 1.0)
    assert clock.since(BootMoment("unknown", 0.5)) is None  # nothing is "this boot"
