"""Quart's whole public surface stays importable, with Quart's sync/async shapes.

Runs the shared checker (tests/api_surface/check.py) against Quart 0.22/0.23's
surface (tests/api_surface/surface.json) in a fresh interpreter, so a missing
module, name, class member or a coroutine that became a plain function fails
the suite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SURFACE = Path(__file__).parent / "api_surface"


def test_quart_public_surface_is_complete() -> None:
    result = subprocess.run(
        [sys.executable, str(SURFACE / "check.py"), "--signatures"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 modules missing, 0 sync/async differences" in result.stdout
