"""Run DAISY Ace (installed into .venv/ace by `python3 build.py test`) and return what it finds."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

ACE = Path(__file__).resolve().parents[1] / ".venv" / "ace" / "node_modules" / ".bin" / "ace-cli"


def ace_violations(epub: Path, impacts: tuple[str, ...] = ("critical", "serious")) -> list[str]:
    """Ace's failed checks of these impacts, as readable lines; empty means none."""
    assert ACE.exists(), "DAISY Ace is not installed: run the tests with `python3 build.py test`"
    with tempfile.TemporaryDirectory() as report:
        result = subprocess.run([str(ACE), "--silent", "--force", "--outdir", report, str(epub)],
                                capture_output=True, text=True, timeout=600,
                                env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": "/usr/bin/chromium"})
        path = Path(report) / "report.json"
        assert path.exists(), f"Ace wrote no report: {result.stderr[-2000:]}"
        data = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for document in data.get("assertions", []):
        where = document.get("earl:testSubject", {}).get("url", "")
        for check in document.get("assertions", []):
            test = check.get("earl:test", {})
            if check.get("earl:result", {}).get("earl:outcome") == "fail" and test.get("earl:impact") in impacts:
                found.append(f"{test.get('earl:impact')} {test.get('dct:title')} {where}")
    return found
