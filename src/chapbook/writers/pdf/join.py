"""The pieces' PDFs joined into the book's: pages in order with blank ones where a piece must open on a
right-hand page, and what spans the book made one again: each font embedded once with the glyphs of
every piece, links and named places across pieces, one outline, one tag tree (PDF/UA), one copy of
each colour profile, and the document's metadata and output intent from the front matter's PDF.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from types import SimpleNamespace

import pikepdf
import pydyf
from pikepdf import Array, Dictionary, Name, String
from weasyprint.document import Document
from weasyprint.pdf import VARIANTS
from weasyprint.pdf.fonts import Font, build_fonts_dictionary
from weasyprint.text.ffi import ffi, harfbuzz

from ...cache import BuildCache, content_key
from .piece_job import ELSEWHERE

# WeasyPrint declares only the HarfBuzz calls it makes; a face is made here from a font file's bytes.
ffi.cdef("hb_blob_t * hb_blob_create (const char *data, unsigned int length, int mode, void *user_data, void *destroy);"
         "hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);")
_DUPLICATE = 0  # HB_MEMORY_MODE_DUPLICATE: HarfBuzz keeps its own copy of the bytes

# What the book's catalog takes from the front matter's PDF: the standards' metadata and intents.
_CATALOG_KEYS = ("/Metadata", "/OutputIntents", "/Lang", "/MarkInfo", "/ViewerPreferences")
SCALE = 0.75  # PDF points per CSS pixel


@dataclass(frozen=True)
class Placed:
    """A page of the book: page `page` of piece `piece` (None: a blank page)."""

    piece: int | None
    page: int


def join(placed: list[Placed], pieces: list[dict], blank: bytes, cache: BuildCache, pdf_variant: str | None,
         target: Path) -> None:
    """Copy the pieces' pages into one PDF, one piece open at a time: a piece's objects are copied and
    the piece closed before the next is opened (all open at once, each held its own parsed copy of what
    the book holds: the join of a 5,084-page book peaked at 655 MiB; one at a time, at 401)."""
    book = pikepdf.new()
    blank_pdf = pikepdf.open(io.BytesIO(blank))
    names: dict[str, object] = {}
    profiles: dict[str, object] = {}
    tags: _TagTree | None = None
    version = blank_pdf.pdf_version
    for piece, places in groupby(placed, key=lambda place: place.piece):
        if piece is None:
            for _ in places:
                book.pages.append(blank_pdf.pages[0])
            continue
        source = pikepdf.open(_piece_pdf(cache, pieces[piece]))
        first_object = _next_object_number(book)
        if piece == 0:
            _catalog_from_front(book, source)
            tags = _TagTree(book) if "/StructTreeRoot" in source.Root else None
        first_page = len(book.pages)
        for place in places:
            book.pages.append(source.pages[place.page])
        numbers = range(first_page, len(book.pages))
        _named_places(book, source, names)
        if tags is not None:
            tags.add(source, numbers)
        dropped = _one_copy_of_each_profile(book, numbers, profiles)
        _own_stream_data(book, first_object, dropped)
        version = max(version, source.pdf_version)
        source.close()

    _name_tree(book, names)
    _links_across_pieces(book, names)
    _one_copy_of_each_font(book, pieces, cache, pdf_variant)
    _outline(book, placed, pieces)
    _page_labels(book, placed)
    if tags is not None:
        tags.finish()
    book.save(target, min_version=version, deterministic_id=True, compress_streams=True,
              object_stream_mode=pikepdf.ObjectStreamMode.generate)
    blank_pdf.close()


def _catalog_from_front(book: pikepdf.Pdf, front: pikepdf.Pdf) -> None:
    """The standards' metadata and intents, and the document information, are the front matter's."""
    for key in _CATALOG_KEYS:
        if key in front.Root:
            book.Root[key] = _copy(book, front, front.Root[key])
    book.trailer.Info = _copy(book, front, front.trailer.Info)


def _copy(book: pikepdf.Pdf, source: pikepdf.Pdf, value: object) -> object:
    """An object of another PDF, with what it refers to, copied into the book."""
    if isinstance(value, pikepdf.Object) and not value.is_indirect and isinstance(value, (Dictionary, Array)):
        value = source.make_indirect(value)
    return book.copy_foreign(value) if isinstance(value, pikepdf.Object) and value.is_indirect else value


def _piece_pdf(cache: BuildCache, piece: dict) -> Path:
    """The piece's PDF in the cache, read from its file as the join needs it."""
    path = cache.verified_file("piece-pdf", piece["job"], piece["pdf"])
    if path is None:
        raise RuntimeError(f"the laid-out {piece['name']} changed in the cache while the book was joined")
    return path


def _next_object_number(book: pikepdf.Pdf) -> int:
    """The number the book's next new object gets (objects copied in are numbered in turn from it)."""
    return book.make_indirect(Dictionary()).objgen[0] + 1  # the probe itself is referred to by nothing: not saved


def _own_stream_data(book: pikepdf.Pdf, first_object: int, dropped: set[tuple[int, int]]) -> None:
    """qpdf copies a stream's data from its PDF only when the book is saved: take the data of every
    stream copied since `first_object` now (as it is, still compressed), so that PDF can be closed.
    `dropped`: copies nothing refers to any more (a colour profile the book already has)."""
    for number in range(first_object, _next_object_number(book) - 1):
        stream = book.get_object(number, 0)
        if isinstance(stream, pikepdf.Stream) and stream.objgen not in dropped:
            stream.write(stream.read_raw_bytes(), filter=stream.stream_dict.get("/Filter"),
                         decode_parms=stream.stream_dict.get("/DecodeParms"))


def _named_places(book: pikepdf.Pdf, source: pikepdf.Pdf, names: dict[str, object]) -> None:
    """The piece's named destinations, added to the book's (names are the book's ids: unique)."""
    if "/Names" not in source.Root or "/Dests" not in source.Root.Names:
        return
    for name, destination in pikepdf.NameTree(source.Root.Names.Dests).items():
        if name not in names:
            names[name] = _copy(book, source, destination)


def _name_tree(book: pikepdf.Pdf, names: dict[str, object]) -> None:
    """Every piece's named destinations in one name tree."""
    if names:
        flat = Array()
        for name in sorted(names):
            flat.append(String(name))
            flat.append(names[name])
        book.Root.Names = Dictionary(Dests=book.make_indirect(Dictionary(Names=flat)))


def _links_across_pieces(book: pikepdf.Pdf, names: dict[str, object]) -> None:
    """A link the piece could not resolve (its target is in another piece) becomes a link to that place."""
    for page in book.pages:
        annotations = page.obj.get("/Annots")
        if annotations is None:
            continue
        kept = Array()
        for annotation in annotations:
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith(ELSEWHERE):
                name = uri.removeprefix(ELSEWHERE)
                if name not in names:
                    continue  # a place the book does not have: no link rather than a broken one
                del annotation["/A"]
                annotation.Dest = String(name)
                if "/Contents" in annotation:
                    annotation.Contents = String(name)
            kept.append(annotation)
        page.obj.Annots = kept


def _one_copy_of_each_font(book: pikepdf.Pdf, pieces: list[dict], cache: BuildCache, pdf_variant: str | None) -> None:
    """Each piece embedded its own subset of each font: embed each font once, subset to the glyphs every
    piece used, with WeasyPrint's own embedding, and point every piece at it."""
    records = merged_font_records(pieces)
    if not records:
        return
    key = content_key("book fonts", records, pdf_variant, os.environ.get("SOURCE_DATE_EPOCH"))
    embedded = cache.get("book-fonts", key)
    if embedded is None:
        embedded = _embedded_fonts(records, cache, pdf_variant)
        cache.put("book-fonts", key, embedded)
    built = pikepdf.open(io.BytesIO(embedded))
    shared = book.copy_foreign(built.pages[0].Resources.Font)
    seen: set[tuple[int, int]] = set()
    for page in book.pages:
        resources = page.obj.get("/Resources")
        if resources is None or "/Font" not in resources:
            continue
        piece_fonts = resources.Font
        if piece_fonts.objgen in seen:
            continue
        seen.add(piece_fonts.objgen)
        for key in list(piece_fonts.keys()):
            if key in shared:
                piece_fonts[key] = shared[key]


def merged_font_records(pieces: list[dict]) -> dict[str, dict]:
    """Each font the pieces use, once, with the glyphs and widths of all of them."""
    records: dict[str, dict] = {}
    for piece in pieces:
        for font_hash, record in piece["fonts"].items():
            merged = records.setdefault(font_hash, {**record, "widths": {}, "to_unicode": {}, "missing": {}})
            for table in ("widths", "to_unicode", "missing"):
                merged[table].update(record[table])
    return records


def _embedded_fonts(records: dict[str, dict], cache: BuildCache, pdf_variant: str | None) -> bytes:
    """A one-page PDF whose page's fonts are the book's, embedded by WeasyPrint (subsetting a variable
    font to its instance takes seconds: the result is kept in the cache)."""
    fonts = {font_hash: _font(record, cache) for font_hash, record in sorted(records.items())}
    options = {"hinting": False, "pdf_version": None}
    if pdf_variant:
        options.update({key: value for key, value in VARIANTS[pdf_variant][1].items() if key in options})
    scratch = pydyf.PDF()
    dictionary = build_fonts_dictionary(scratch, fonts, True, True, options)
    scratch.add_object(dictionary)
    page = pydyf.Dictionary({"Type": "/Page", "Parent": scratch.pages.reference, "MediaBox": pydyf.Array([0, 0, 1, 1]),
                             "Resources": pydyf.Dictionary({"Font": dictionary.reference})})
    scratch.add_object(page)
    scratch.add_page(page)
    output = io.BytesIO()
    scratch.write(output, compress=True)
    return output.getvalue()


def _font(record: dict, cache: BuildCache) -> Font:
    """A WeasyPrint Font made again from what a piece recorded of it, and the font file."""
    font = object.__new__(Font)
    attributes = dict(record)
    attributes["name"] = attributes["name"].encode()
    for table, key_type, value_type in (("widths", int, float), ("to_unicode", int, str), ("missing", int, int)):
        attributes[table] = {key_type(key): value_type(value) for key, value in sorted(
            attributes[table].items(), key=lambda item: int(item[0]))}
    content = cache.load("font-file", attributes.pop("file"))
    if content is None:
        raise RuntimeError(f"the font file of {attributes['family']} is missing from the build cache")
    vars(font).update(attributes)
    font.file_content = content
    blob = harfbuzz.hb_blob_create(content, len(content), _DUPLICATE, ffi.NULL, ffi.NULL)
    font.hb_face = ffi.gc(harfbuzz.hb_face_create(blob, font.index), harfbuzz.hb_face_destroy)
    harfbuzz.hb_blob_destroy(blob)  # the face holds its own reference
    return font


def _one_copy_of_each_profile(book: pikepdf.Pdf, numbers: range, first: dict[str, object]) -> set[tuple[int, int]]:
    """Colour profiles (the press's CMYK, sRGB) were embedded by each piece: the pages `numbers` are
    pointed at the first of each the book has (`first`, by digest); return the copies left unused."""
    dropped: set[tuple[int, int]] = set()
    seen: set[tuple[int, int]] = set()
    for number in numbers:
        resources = book.pages[number].obj.get("/Resources")
        spaces = resources.get("/ColorSpace") if resources is not None else None
        if spaces is None or spaces.objgen in seen:
            continue
        seen.add(spaces.objgen)
        for key, space in spaces.items():
            if isinstance(space, Array) and len(space) == 2 and space[0] == Name.ICCBased:
                digest = hashlib.sha256(space[1].read_raw_bytes()).hexdigest()
                kept = first.setdefault(digest, space[1])
                if kept.objgen != space[1].objgen:
                    dropped.add(space[1].objgen)
                    spaces[key] = Array([Name.ICCBased, kept])
    return dropped


def _page_labels(book: pikepdf.Pdf, placed: list[Placed]) -> None:
    """Name the pages as their folios read (print.css): the front matter in lower-case roman from i, the
    text in arabic from 1 on the first chapter's opener, so viewers and `chapbook proof` say "p. 12"."""
    body = next((number for number, place in enumerate(placed) if place.piece not in (None, 0)), None)
    numbers = [0, Dictionary(S=Name.r)] + ([body, Dictionary(S=Name.D)] if body else [])
    book.Root.PageLabels = Dictionary(Nums=Array(numbers))


def _outline(book: pikepdf.Pdf, placed: list[Placed], pieces: list[dict]) -> None:
    """One outline for the book, nested by bookmark level across pieces, as WeasyPrint nests one document's."""
    pages = []
    for place in placed:
        piece = pieces[place.piece] if place.piece is not None else None
        height = (piece or pieces[0])["sizes"][place.page if piece else 0][1]
        marks = [(level, label, (x, y), state) for level, label, x, y, state in piece["bookmarks"][place.page]] if piece else []
        pages.append(SimpleNamespace(bookmarks=marks, height=height))
    tree = Document.make_bookmark_tree(SimpleNamespace(pages=pages), scale=SCALE, transform_pages=True)
    if not tree:
        return
    root = book.make_indirect(Dictionary(Type=Name.Outlines))
    first, last, count = _outline_items(book, tree, root)
    root.First, root.Last, root.Count = first, last, count
    book.Root.Outlines = root


def _outline_items(book: pikepdf.Pdf, items: list, parent: object) -> tuple[object, object, int]:
    made = []
    count = len(items)
    for title, (page, x, y), children, state in items:
        item = book.make_indirect(Dictionary(Title=String(title), Parent=parent,
                                             Dest=Array([book.pages[page].obj, Name.XYZ, x, y, 0])))
        if children:
            first, last, child_count = _outline_items(book, children, item)
            item.First, item.Last = first, last
            item.Count = -child_count if state == "closed" else child_count
            if state != "closed":
                count += child_count
        if made:
            item.Prev = made[-1]
            made[-1].Next = item
        made.append(item)
    return made[0], made[-1], count


class _TagTree:
    """PDF/UA: each piece's structure under one Document element, their parent trees renumbered."""

    def __init__(self, book: pikepdf.Pdf):
        self.book = book
        self.document = book.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
        self.parent_tree = Array()
        self.offset = 0

    def add(self, source: pikepdf.Pdf, numbers: range) -> None:
        """The structure of a piece whose pages are the book's pages `numbers`."""
        if "/StructTreeRoot" not in source.Root:
            return
        book, root = self.book, source.Root.StructTreeRoot
        for kid in root.K[0].K:
            copied = _copy(book, source, kid)
            copied.P = self.document
            self.document.K.append(copied)
        entries = root.ParentTree.Nums
        highest = -1
        for position in range(0, len(entries), 2):
            key = int(entries[position])
            highest = max(highest, key)
            self.parent_tree.append(self.offset + key)
            self.parent_tree.append(_copy(book, source, entries[position + 1]))
        for number in numbers:
            page = book.pages[number].obj
            if "/StructParents" in page:
                page.StructParents = self.offset + int(page.StructParents)
            for annotation in page.get("/Annots", Array()):
                if "/StructParent" in annotation:
                    annotation.StructParent = self.offset + int(annotation.StructParent)
        self.offset += highest + 1

    def finish(self) -> None:
        tree_root = self.book.make_indirect(Dictionary(
            Type=Name.StructTreeRoot, K=Array([self.document]),
            ParentTree=self.book.make_indirect(Dictionary(Nums=self.parent_tree)), ParentTreeNextKey=self.offset))
        self.document.P = tree_root
        self.book.Root.StructTreeRoot = tree_root
