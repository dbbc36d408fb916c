"""The package does nothing at import time: no file is opened."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

AUDIT = """
import json, pkgutil, sys
opened = []
def audit(event, args):
    if event == "open" and not str(args[0]).endswith((".py", ".pyc")) \\
            and "__pycache__" not in str(args[0]):
        opened.append(str(args[0]))
sys.addaudithook(audit)
import powerlist
for info in pkgutil.walk_packages(powerlist.__path__, prefix="powerlist."):
    __import__(info.name)
print(json.dumps(opened))
"""


def test_importing_powerlist_opens_no_file() -> None:
    result = subprocess.run(
        [sys.executable, "-c", AUDIT], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
