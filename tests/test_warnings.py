"""Warnings a person can read: the terminal shows a few of each kind, the report beside the book all."""

from __future__ import annotations

from pathlib import Path

from conftest import run_chapbook


def test_warnings_are_grouped_by_kind_and_all_of_them_are_in_the_report(tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    pictures = "\n\n".join(f"The shed in the {n}th week. ![the shed, week {n}](shed-{n}.png)" for n in range(1, 7))
    (book / "shed.md").write_text(f"+++\ntitle = \"The Shed\"\n+++\n\n{pictures}\n\n[a page](missing.md)\n")
    result = run_chapbook("build", str(book), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    shown = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    not_found = [line for line in shown if "not found" in line]
    assert len(not_found) == 3  # the first three of the kind, in full, with their lines
    assert "shed-1.png" in not_found[0] and ":5:" in not_found[0]
    assert "warning: and 3 more like it: " in result.stderr
    assert any("missing.md" in line for line in shown)  # a kind of its own is shown whole
    report = (tmp_path / "out" / "book-warnings.txt").read_text()
    assert report.startswith("7 warnings, by kind")
    assert all(f"shed-{n}.png" in report for n in range(1, 7))
    assert "6 x image … not found" in report
    verbose = run_chapbook("build", str(book), "-o", str(tmp_path / "out"), "-v")
    assert sum("not found" in line for line in verbose.stderr.splitlines()) == 6  # -v: every one
