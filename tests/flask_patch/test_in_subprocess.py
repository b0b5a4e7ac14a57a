"""Run ``tests/flask_patch`` in a separate process (see ``conftest.py``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def test_flask_patch_suite() -> None:
    env = {**os.environ, "QUART_FLASK_PATCH_TESTS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout[-30000:] + result.stderr[-5000:]
    assert result.returncode == 0, output
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None, output
    # 16 extensions on two event loops, plus the shim's own tests
    assert int(passed.group(1)) >= 180, output


def test_main_process_keeps_real_flask() -> None:
    flask = sys.modules.get("flask")
    assert flask is None or not getattr(flask, "__quart_flask_patch__", False)
    assert "quart_flask_patch" not in sys.modules
