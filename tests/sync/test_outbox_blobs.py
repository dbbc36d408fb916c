"""Photos in the outbox: which the waiting events name, and when one may go.
A photo is deleted only when no event still waiting names it, whichever
process asks and however often the outbox was opened since."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sync.outbox import Outbox
from tests.conftest import REPO


def test_a_photo_goes_only_with_the_last_waiting_event_that_names_it(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as box:
        digest = box.put_blob(b"\xff\xd8 the document")
        request = box.append("seal.request", {"req": "R1-a", "blobs": [digest]})
        record = box.append("seal.ledger", {"seq": 1, "kind": "requested", "photo": digest})
        box.append("heartbeat", {"n": 1})
        assert not box.release_blob(digest)  # both wait
        box.ack([request])
        assert not box.release_blob(digest)  # the ledger record still waits
        assert box.blob_path(digest).exists()
    with Outbox(tmp_path / "o") as reopened:  # what names what is read from the files
        assert not reopened.release_blob(digest)
        reopened.ack([record])
        assert reopened.release_blob(digest)
        assert not reopened.blob_path(digest).exists()
        assert not reopened.release_blob(digest)  # gone already: nothing to do


def test_unclaimed_blobs_are_those_no_waiting_event_names(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as box:
        named = box.put_blob(b"named by an alarm")
        acknowledged = box.put_blob(b"named by an acknowledged record")
        loose = box.put_blob(b"named by nothing yet")
        box.append("alarm", {"code": "lid", "blobs": [named]})
        done = box.append("seal.ledger", {"seq": 1, "kind": "stamp", "photo": acknowledged})
        box.ack([done])
        (box.directory / "blobs" / f".{loose}.123.tmp").write_bytes(b"half a photo")
        assert box.unclaimed_blobs() == sorted([acknowledged, loose])


def test_an_event_another_process_appends_keeps_its_photo(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as box:
        digest = box.put_blob(b"a stamp photo")
        assert box.unclaimed_blobs() == [digest]
        code = (f"from sync.outbox import Outbox\n"
                f"with Outbox({str(tmp_path / 'o')!r}) as box:\n"
                f"    box.append('seal.ledger', {{'seq': 1, 'kind': 'stamp', "
                f"'photo': {digest!r}}})\n")
        subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
        assert box.unclaimed_blobs() == []
        assert not box.release_blob(digest)
        assert box.blob_path(digest).exists()
