"""`chapbook proof`: the print PDF as contact sheets (PNG), spreads side by side with their folios under
them, to look over on a screen before ordering proof copies; with `changed`, only the spreads whose
pixels differ from the last proof, the differences outlined in red.

The last proof is kept beside the sheets: a manifest (each spread's pages and pixel digest) and each
spread's picture, so the next proof can say what moved. Spreads are compared by their pages: the spread
of pages 12 and 13 with the spread of pages 12 and 13. An edit that changes an essay's page count moves
every page after it, and their folios with them, so those spreads are reported as changed too (on paper
they are).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pypdfium2
from PIL import Image, ImageChops, ImageDraw, ImageFont

from .errors import ChapbookError, UsageError
from .pipeline import build
from .spreads import Spread, render_spread, spreads

# At 100 dpi an 11 pt line of text is 15 pixels high: readable on a screen at 100 %.
PROOF_DPI = 100
SPREADS_ACROSS, SPREADS_DOWN = 2, 3
GAP, CAPTION, MARGIN = 40, 34, 30
BACKGROUND, INK, FAINT = (238, 238, 236), (40, 40, 40), (120, 120, 120)
CHANGED = (220, 0, 0)
# A change is found in tiles of this many pixels, and neighbouring changed tiles are outlined as one.
TILE = 16
PAD = 4
MANIFEST = "proof.json"
KEPT = ".spreads"  # each spread's picture from the last proof, to compare and to show "before"


@dataclass(frozen=True)
class ProofResult:
    written: tuple[Path, ...]
    spreads: int  # how many spreads the sheets show
    compared: int  # how many spreads were looked at
    pages: int
    changed_only: bool
    seconds: float = 0.0


def parse_pages(text: str) -> tuple[int, int]:
    """'5-20' or '7' as a first and last page (from 1); a command-line mistake otherwise."""
    first, dash, last = (part.strip() for part in text.partition("-"))
    if not first.isdigit() or int(first) < 1 or (dash and not last.isdigit()):
        raise UsageError(None, None, f'--pages must be a page or a range of pages such as "5-20", got "{text}"')
    low, high = int(first), int(last) if dash else int(first)
    if high < low:
        raise UsageError(None, None, f"--pages {text}: the range ends before it begins; give it as {high}-{low}")
    return low, high


def proof(pdf: Path, folder: Path, pages: tuple[int, int] | None, changed: bool,
          progress: Callable[..., None], dpi: float = PROOF_DPI) -> ProofResult:
    """Write contact sheets of the PDF's spreads (those touching pages, if given) into folder."""
    labels = page_labels(pdf)
    chosen = spreads(len(labels))
    if pages is not None:
        low, high = pages
        if low > len(labels):
            asked = f"{low}-{high}" if high != low else f"{low}"
            raise UsageError(None, None, f"--pages {asked}: the book has only {len(labels)} pages")
        chosen = [s for s in chosen if any(low <= index + 1 <= high for index in s.indexes)]
    folder.mkdir(parents=True, exist_ok=True)
    kept = _read_manifest(folder)
    if changed and not kept:
        raise ChapbookError(folder, None, "no earlier proof here to compare with; run `chapbook proof` without "
                                          "--changed first (the edition to compare with), then edit, then --changed")
    for old in [*folder.glob("sheet-*.png"), *folder.glob("changed-*.png")]:
        old.unlink()  # the folder shows this proof only
    progress(f"rendering {len(chosen)} spreads at {dpi:g} dpi")
    # One spread at a time, and each sheet written when it is full: a long book's spreads at 100 dpi
    # would not all fit in memory at once.
    sheets = _Sheets(folder, "changed" if changed else "sheet", 1 if changed else SPREADS_ACROSS)
    digests: dict[str, str] = {}
    for spread in chosen:
        image = render_spread(pdf, spread, dpi)
        key = _key(spread)
        digests[key] = hashlib.sha256(image.tobytes()).hexdigest()
        if not changed:
            sheets.add(_cell(image, _caption(spread, labels)))
            (folder / KEPT).mkdir(exist_ok=True)
            image.save(folder / KEPT / f"{key}.png")
        elif kept.get(key) != digests[key]:
            progress(f"differs from the last proof: the spread of PDF page(s) "
                     f"{'-'.join(str(index + 1) for index in spread.indexes)}")
            sheets.add(_before_after(folder, spread, image, labels))
    written = sheets.close()
    if not changed:
        _remember(folder, digests, kept, len(labels))
    return ProofResult(tuple(written), sheets.cells, len(chosen), len(labels), changed)


def proof_book(source: Path, outdir: Path, pages: tuple[int, int] | None, changed: bool,
               progress: Callable[..., None], use_cache: bool = True, jobs: int | None = None) -> ProofResult:
    """Proof a built PDF as it is, or build the book's PDF into outdir (as `build` would, cache and all)
    and proof that; the sheets go to outdir/<name>-proof/."""
    started = time.perf_counter()
    if source.suffix.lower() == ".pdf" and source.is_file():
        pdf = source
    else:
        built = build(source, outdir, ("pdf",), progress, use_cache, jobs)
        pdf = next(path for path in built.written if path.suffix == ".pdf")
    result = proof(pdf, outdir / f"{pdf.stem}-proof", pages, changed, progress)
    return replace(result, seconds=time.perf_counter() - started)


def page_labels(pdf: Path) -> list[str]:
    """Each page's folio as the PDF names it (/PageLabels), else its number from 1."""
    try:
        document = pypdfium2.PdfDocument(str(pdf))
    except pypdfium2.PdfiumError as error:
        raise ChapbookError(pdf, None, f"not a PDF chapbook can read ({error}); give the PDF `chapbook build` wrote") from None
    try:
        return [document.get_page_label(index) or str(index + 1) for index in range(len(document))]
    finally:
        document.close()


def _key(spread: Spread) -> str:
    return f"{spread.left if spread.left is not None else '-'}_{spread.right if spread.right is not None else '-'}"


def _caption(spread: Spread, labels: list[str]) -> tuple[str, str]:
    """What stands under each page of the spread: its folio, and its page in the PDF when that differs."""
    def under(index: int | None) -> str:
        if index is None:
            return ""
        folio = labels[index]
        return f"p. {folio}" if folio == str(index + 1) else f"p. {folio}  (PDF page {index + 1})"
    return under(spread.left), under(spread.right)


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _cell(image: Image.Image, captions: tuple[str, str], heading: str = "") -> Image.Image:
    """The spread with its captions under each page (and a heading above, for before and after)."""
    top = CAPTION if heading else 0
    cell = Image.new("RGB", (image.width, top + image.height + CAPTION), BACKGROUND)
    draw = ImageDraw.Draw(cell)
    if heading:
        draw.text((0, 6), heading, fill=INK, font=_font(20))
    cell.paste(image, (0, top))
    half = image.width // 2
    for offset, text in zip((0, half), captions):
        if text:
            draw.text((offset + half // 2, top + image.height + 8), text, fill=INK, font=_font(20), anchor="ma")
    return cell


def _before_after(folder: Path, spread: Spread, new: Image.Image, labels: list[str]) -> Image.Image:
    """The spread as the last proof had it and as it is now, what changed outlined in red on both."""
    captions = _caption(spread, labels)
    old_path = folder / KEPT / f"{_key(spread)}.png"
    old = Image.open(old_path).convert("RGB") if old_path.is_file() else None
    after = new.copy()
    if old is None or old.size != new.size:
        ImageDraw.Draw(after).rectangle([0, 0, new.width - 1, new.height - 1], outline=CHANGED, width=4)
        before = Image.new("RGB", new.size, BACKGROUND)
        ImageDraw.Draw(before).text((new.width // 2, new.height // 2), "not in the last proof" if old is None
                                    else "another size in the last proof", fill=FAINT, font=_font(24), anchor="mm")
    else:
        before = old.copy()
        for box in changed_regions(old, new):
            for picture in (before, after):
                ImageDraw.Draw(picture).rectangle(box, outline=CHANGED, width=3)
    pair = Image.new("RGB", (2 * new.width + GAP, new.height + 2 * CAPTION), BACKGROUND)
    pair.paste(_cell(before, captions, "before (the last proof)"), (0, 0))
    pair.paste(_cell(after, captions, "now"), (new.width + GAP, 0))
    return pair


def changed_regions(old: Image.Image, new: Image.Image) -> list[tuple[int, int, int, int]]:
    """Boxes around the parts of two same-sized pictures that differ: changed tiles, joined where they touch."""
    difference = ImageChops.difference(old, new).convert("L").point(lambda value: 255 if value > 24 else 0)
    across, down = -(-new.width // TILE), -(-new.height // TILE)
    changed = {(x, y) for y in range(down) for x in range(across)
               if difference.crop((x * TILE, y * TILE, (x + 1) * TILE, (y + 1) * TILE)).getbbox()}
    boxes = []
    while changed:
        region, waiting = set(), [changed.pop()]
        while waiting:
            x, y = waiting.pop()
            region.add((x, y))
            for near in ((x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
                if near in changed:
                    changed.remove(near)
                    waiting.append(near)
        xs, ys = [x for x, _ in region], [y for _, y in region]
        # A few pixels outward, so that the outline does not cross the letters it marks.
        boxes.append((max(0, min(xs) * TILE - PAD), max(0, min(ys) * TILE - PAD),
                      min(new.width, (max(xs) + 1) * TILE + PAD) - 1, min(new.height, (max(ys) + 1) * TILE + PAD) - 1))
    return sorted(boxes)


class _Sheets:
    """Cells laid in a grid, `across` wide and SPREADS_DOWN down, each sheet saved when it is full."""

    def __init__(self, folder: Path, name: str, across: int):
        self.folder, self.name, self.across = folder, name, across
        self.batch: list[Image.Image] = []
        self.written: list[Path] = []
        self.cells = 0

    def add(self, cell: Image.Image) -> None:
        self.batch.append(cell)
        self.cells += 1
        if len(self.batch) == self.across * SPREADS_DOWN:
            self._save()

    def close(self) -> list[Path]:
        if self.batch:
            self._save()
        return self.written

    def _save(self) -> None:
        width, height = max(c.width for c in self.batch), max(c.height for c in self.batch)
        rows = -(-len(self.batch) // self.across)
        sheet = Image.new("RGB", (2 * MARGIN + self.across * width + (self.across - 1) * GAP,
                                  2 * MARGIN + rows * height + (rows - 1) * GAP), BACKGROUND)
        for place, cell in enumerate(self.batch):
            column, row = place % self.across, place // self.across
            sheet.paste(cell, (MARGIN + column * (width + GAP), MARGIN + row * (height + GAP)))
        path = self.folder / f"{self.name}-{len(self.written) + 1:02d}.png"
        sheet.save(path)
        self.written.append(path)
        self.batch = []


def _read_manifest(folder: Path) -> dict[str, str]:
    """The last proof's spreads and their pixel digests (nothing, if there was none or it is unreadable)."""
    try:
        record = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(key): str(value) for key, value in record["spreads"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _remember(folder: Path, digests: dict[str, str], kept: dict[str, str], pages: int) -> None:
    """Remember this proof's spreads for the next `--changed`: a proof of some pages updates only theirs."""
    # Spreads of pages the book no longer has are forgotten; a spread's key is its two page indexes.
    still = {key: digest for key, digest in kept.items()
             if all(part == "-" or (part.isdigit() and int(part) < pages) for part in key.split("_"))}
    still.update(digests)
    for stale in (folder / KEPT).glob("*.png"):
        if stale.stem not in still:
            stale.unlink()
    (folder / MANIFEST).write_text(json.dumps({"pages": pages, "spreads": dict(sorted(still.items()))},
                                              indent=1) + "\n", encoding="utf-8")
