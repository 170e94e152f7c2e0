"""A web process freezes its start-up objects out of the garbage collector's full walks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

# What a server does: import the application module, then answer requests.
SERVE = """
import gc, sys
module = __import__(sys.argv[1], fromlist=["application"])
frozen = gc.get_freeze_count()
views_loaded = "insights.views.reader" in sys.modules
print(frozen > 10_000, views_loaded)
"""


@pytest.mark.parametrize("module", ["cxresearch.wsgi", "cxresearch.asgi"])
def test_the_application_module_freezes_what_start_up_made(module: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cxresearch.test_settings",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", SERVE, module],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Many objects frozen, the views among them (loaded with the URLconf before the freeze).
    assert result.stdout.split() == ["True", "True"]
