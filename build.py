#!/usr/bin/env python3
"""Set up .venv and build the sample book, or run the tests.

    python3 build.py                 build book/ into dist/ (EPUB, PDF and the cover wrap)
    python3 build.py path/to/essays  any arguments go to `chapbook build`
    python3 build.py test [ARGS]     install the test extras and run pytest

Only the standard library is used here: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_environment(extras: str) -> None:
    """Create .venv and install the project, unless what is installed is already current."""
    if not (BIN / "python").exists():
        print("chapbook: creating .venv", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Reinstall only when the dependency list or the extras change: a rebuild stays fast.
    # An install with the test extras serves a plain build too.
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / ".chapbook-installed"
    installed = stamp.read_text().split() if stamp.exists() else []
    if installed[:1] == [wanted] and (not extras or extras in installed[1:]):
        return
    print(f"chapbook: installing the project into .venv ({extras or 'no extras'})", file=sys.stderr)
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target],
        check=True,
    )
    stamp.write_text(f"{wanted} {extras}")


# The accessibility checker the tests run on every conformance EPUB: DAISY Ace, in Debian's Chromium.
ACE_VERSION = "1.4.6"
ACE = VENV / "ace"
CHROMIUM = Path("/usr/bin/chromium")


def ensure_accessibility_checker() -> None:
    """Install Chromium (Debian's) and DAISY Ace (npm, without a browser download of its own) when missing."""
    if not CHROMIUM.exists():
        print("chapbook: installing chromium for the accessibility checks", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not (ACE / "node_modules" / ".bin" / "ace-cli").exists():
        print(f"chapbook: installing DAISY Ace {ACE_VERSION} into .venv/ace", file=sys.stderr)
        ACE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(ACE), "--no-audit", "--no-fund", "--silent",
                        f"@daisy/ace-cli@{ACE_VERSION}"], check=True,
                       env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})


def main(argv: list[str]) -> int:
    if argv[:1] == ["test"]:
        ensure_environment("test")
        ensure_accessibility_checker()
        return subprocess.call([str(BIN / "python"), "-m", "pytest", *argv[1:]], cwd=ROOT)
    ensure_environment("")
    if argv:
        return subprocess.call([str(BIN / "chapbook"), "build", *argv])
    # The sample book: its EPUB and PDF, and the cover wrap a printer asks for beside them.
    sample = [str(ROOT / "book"), "-o", str(ROOT / "dist")]
    return subprocess.call([str(BIN / "chapbook"), "build", *sample]) or subprocess.call(
        [str(BIN / "chapbook"), "cover", *sample])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as error:
        print(f"chapbook: setting up .venv failed ({error}); see the pip output above", file=sys.stderr)
        sys.exit(1)
