"""chapbook installed as any Python package is: its wheel built, installed into a fresh virtual
environment, and run from a folder outside the repository, where only what the wheel carries
(code, templates, themes) can be found.

A truly fresh environment would download chapbook's thirty pinned dependencies. This one borrows
them: after the wheel is installed, a .pth file puts the test environment's site-packages at the end
of its path. Only that folder itself is added (the .pth files inside it are not run), so the editable
install of the repository that it holds is never seen: chapbook can come only from the wheel, which
the test checks before building.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, SAMPLE
from epubcheck_helper import epubcheck_messages


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    # No PYTHONPATH: the sources the other tests run with must not stand in for the installed package.
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run([str(arg) for arg in args], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """chapbook's wheel, built from the repository with this environment's setuptools (no download)."""
    out = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--disable-pip-version-check",
                 "-w", out, ROOT, cwd=out)
    assert built.returncode == 0, built.stdout + built.stderr
    return next(out.glob("chapbook-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed, borrowing the dependencies; its bin folder."""
    home = tmp_path_factory.mktemp("env")
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    added = _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                 "--disable-pip-version-check", wheel, cwd=home)
    assert added.returncode == 0, added.stdout + added.stderr
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=home).stdout.strip())
    (site / "zz-borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return home / "bin"


def test_the_wheel_carries_the_templates_and_the_themes(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for theme in ("base", "classic", "diary"):
        shipped = {path.relative_to(ROOT / "src").as_posix() for path in (ROOT / "src/chapbook/styles" / theme).iterdir()}
        assert shipped and shipped <= names, f"styles/{theme} is not all in the wheel"
    assert "chapbook/templates/chapter.xhtml.j2" in names
    assert "chapbook/styles/classic/theme.toml" in names


def test_the_installed_chapbook_builds_the_sample_book(installed: Path, tmp_path: Path) -> None:
    where = tmp_path / "elsewhere"  # outside the repository: nothing there to find by accident
    where.mkdir()
    found = _run(installed / "python", "-c", "import chapbook, chapbook.themes as t; print(chapbook.__file__); "
                 "print(t.BUILTIN_STYLES)", cwd=where)
    module, styles = (Path(line) for line in found.stdout.split())
    assert module.is_relative_to(installed.parent), f"chapbook was imported from {module}, not from the wheel"
    assert styles.is_relative_to(installed.parent) and (styles / "classic" / "theme.toml").is_file()

    built = _run(installed / "chapbook", "build", SAMPLE, "-o", where / "dist", "-j", "1", cwd=where)
    assert built.returncode == 0, built.stderr
    assert "theme classic" in built.stderr and "not installed" not in built.stderr  # its themes and fonts were found
    assert "8 chapters" in built.stderr
    epub = next((where / "dist").glob("*.epub"))
    pdf = next((where / "dist").glob("*.pdf"))
    assert epubcheck_messages(epub) == []
    pages = pypdf.PdfReader(pdf).pages
    assert len(pages) > 10
    assert "Night Walks" in "".join(page.extract_text() or "" for page in pages)

    # The cover wrap reads the shared wrap.css from the installed styles/ too.
    wrap = _run(installed / "chapbook", "cover", SAMPLE, "-o", where / "dist", "-j", "1", cwd=where)
    assert wrap.returncode == 0, wrap.stderr
    assert len(pypdf.PdfReader(next((where / "dist").glob("*-cover.pdf"))).pages) == 1
