"""What every generator shares: the files of a folder that a site would copy as they are."""

from __future__ import annotations

from pathlib import Path


def files_under(folder: Path) -> list[Path]:
    """Every file below the folder, hidden ones and those in hidden folders left out, in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(
        part.startswith(".") for part in p.relative_to(folder).parts))
