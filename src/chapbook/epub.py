"""Book → EPUB 3, with ebooklib."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
import io
import re
import uuid
import zipfile
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .cache import BuildCache
from .config import BookConfig
from .model import Book, Essay, Part
from .writers.pagemap import PageStart, chapter_sections, insert_page_breaks
from .writers.cover import front_cover
from .media.formulas import MATHML_NS
from .epubfonts import embedded_fonts, font_face_css
from .media.pictures import epub_bytes
from .writers.render import front_matter_context, part_number, render
from .themes import Theme

STYLESHEET = "style/book.css"


def book_identifier(book: Book) -> str:
    """A stable identifier: the same title and author give the same id on every rebuild."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'chapbook:{book.config.title}:{book.config.author}')}"


XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# What each class the Markdown stage writes means to a reading system (EPUB structural semantics).
# (tag, class, epub:type, ARIA role): assistive technology reads the role, reading systems the type.
SEMANTICS = (
    ("blockquote", "epigraph", "epigraph z3998:song", "doc-epigraph"),
    ("blockquote", "verse", "z3998:song", None),
    ("a", "footnote-ref-link", "noteref", "doc-noteref"),
    ("section", "footnotes", "footnotes", None),
)


def _fragment(xhtml: str) -> etree._Element:
    return etree.fromstring(f"<div>{xhtml}</div>")


def has_mathml(essay: Essay) -> bool:
    return _fragment(essay.xhtml).find(f".//{{{MATHML_NS}}}math") is not None


def _ids(xhtml: str) -> list[str]:
    return [str(value) for value in _fragment(xhtml).xpath("//@id")]


def chapter_document(essay: Essay, number: int, config: BookConfig, files_by_id: dict[str, str],
                     starts: list[PageStart]) -> bytes:
    """The chapter's XHTML file: the shared chapter markup, plus what only an EPUB needs."""
    root = etree.fromstring(render("chapter.xhtml.j2", essay=essay, number=number, config=config).encode("utf-8"))
    for section in chapter_sections(root):  # first, while the markup is still the one the PDF was set from
        insert_page_breaks(section, starts, _page_marker)
    _link_across_files(root, essay.file_name, files_by_id)
    _notes_as_asides(root)
    _add_semantics(root)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def _part_document(part: Part, config: BookConfig, files_by_id: dict[str, str],
                   starts: list[PageStart]) -> epub.EpubHtml:
    """A part's title page, its own file, as print gives it a page of its own."""
    document = epub.EpubHtml(uid=part.slug, title=part.title, file_name=part.file_name, lang=config.language)
    root = etree.fromstring(render("part.xhtml.j2", part=part, config=config).encode("utf-8"))
    for section in chapter_sections(root):
        insert_page_breaks(section, starts, _page_marker)
    _link_across_files(root, part.file_name, files_by_id)
    _notes_as_asides(root)
    _add_semantics(root)
    document.content = etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")
    return document


def _link_across_files(root: etree._Element, file_name: str, files_by_id: dict[str, str]) -> None:
    """In the PDF the book is one document; in the EPUB a link to another chapter names its file."""
    for link in root.iter(f"{{{XHTML_NS}}}a"):
        href = link.get("href") or ""
        target = href.removeprefix("#")
        if href.startswith("#") and files_by_id.get(target, file_name) != file_name:
            link.set("href", f"{files_by_id[target]}#{target}")


def _page_marker(label: str) -> etree._Element:
    return etree.Element(f"{{{XHTML_NS}}}span", {
        "id": f"page-{label}", EPUB_TYPE: "pagebreak", "role": "doc-pagebreak", "aria-label": label})


def _with_page_list(nav: bytes, pages: list[tuple[str, str]]) -> bytes:
    """Add the page-list nav: print page numbers a reader can go to, as in the paper book."""
    root = etree.fromstring(nav)
    body = root.find(f"{{{XHTML_NS}}}body")
    page_nav = etree.SubElement(body, f"{{{XHTML_NS}}}nav", {EPUB_TYPE: "page-list", "id": "page-list", "hidden": "hidden"})
    etree.SubElement(page_nav, f"{{{XHTML_NS}}}h2").text = "Pages"
    listing = etree.SubElement(page_nav, f"{{{XHTML_NS}}}ol")
    for label, href in pages:
        link = etree.SubElement(etree.SubElement(listing, f"{{{XHTML_NS}}}li"), f"{{{XHTML_NS}}}a", href=href)
        link.text = label
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def _with_package_language(opf: bytes, language: str) -> bytes:
    """The package's own xml:lang, which ebooklib leaves out and accessibility checkers ask for."""
    root = etree.fromstring(opf)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _notes_as_asides(root: etree._Element) -> None:
    """Reading systems show a note as a pop-up when it is an <aside epub:type="footnote">, not a list item."""
    for notes in root.iter(f"{{{XHTML_NS}}}section"):
        if "footnotes" not in (notes.get("class") or "").split():
            continue
        items = notes.findall(f".//{{{XHTML_NS}}}li")
        for child in list(notes):
            notes.remove(child)
        notes.text = "\n"
        for number, item in enumerate(items, start=1):
            aside = etree.SubElement(notes, f"{{{XHTML_NS}}}aside", id=item.get("id"), role="doc-footnote")
            aside.set("class", "footnote")
            aside.set(EPUB_TYPE, "footnote")
            aside.text, aside.tail = item.text, "\n"
            aside.extend(list(item))
            first = aside.find(f"{{{XHTML_NS}}}p")
            label = etree.Element(f"{{{XHTML_NS}}}span", {"class": "footnote-number"})
            label.text, label.tail = f"{number}.", " " + ((first.text or "") if first is not None else "")
            if first is not None:
                first.text = None
                first.insert(0, label)


def with_semantics(xhtml: str) -> bytes:
    """A page rendered from a template, with the epub:type and roles its classes stand for."""
    root = etree.fromstring(xhtml.encode("utf-8"))
    _add_semantics(root)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>")


def _add_semantics(root: etree._Element) -> None:
    """Give the classes the Markdown stage wrote the epub:type reading systems understand."""
    for element in root.iter():
        classes = (element.get("class") or "").split()
        tag = etree.QName(element).localname
        if tag == "a" and element.getparent() is not None and "footnote-ref" in (element.getparent().get("class") or ""):
            classes.append("footnote-ref-link")
        for wanted_tag, wanted_class, epub_type, role in SEMANTICS:
            if tag == wanted_tag and wanted_class in classes:
                element.set(EPUB_TYPE, epub_type)
                if role:
                    element.set("role", role)
                break


def write_epub(book: Book, theme: Theme, target: Path, starts: list[PageStart], cache: BuildCache | None = None) -> None:
    """Write the EPUB to target, with page-break markers where the print edition's pages begin
    (with a cache, the font subsets and converted pictures of an earlier build are used again)."""
    config = book.config
    document = epub.EpubBook()
    _describe(document, book, bool(starts))

    fonts = embedded_fonts(theme, book_text(book), cache) if config.embed_fonts else []
    for font in fonts:
        document.add_item(epub.EpubItem(uid=Path(font.file_name).stem, file_name=font.file_name,
                                        media_type="font/ttf", content=font.data))
    stylesheet = epub.EpubItem(
        uid="style", file_name=STYLESHEET, media_type="text/css",
        content=(font_face_css(fonts) + "\n" + theme.epub_stylesheet).encode("utf-8"),
    )
    document.add_item(stylesheet)

    cover = front_cover(book, theme)
    document.set_cover(cover.name, cover.data, create_page=False)
    cover_page = epub.EpubHtml(uid="cover", title="Cover", file_name="cover.xhtml", lang=config.language)
    cover_page.content = render("cover.xhtml.j2", config=config, image=cover.name).encode("utf-8")
    cover_page.add_item(stylesheet)
    document.add_item(cover_page)

    title_page = epub.EpubHtml(uid="titlepage", title=config.title, file_name="titlepage.xhtml", lang=config.language)
    title_page.content = render("titlepage.xhtml.j2", config=config).encode("utf-8")
    title_page.add_item(stylesheet)
    document.add_item(title_page)
    front_matter = [title_page]
    context = front_matter_context(book, theme, epub=True)
    for part, title, wanted in (("copyright", "Copyright", True), ("dedication", "Dedication", bool(config.dedication)),
                                ("epigraph", "Epigraph", bool(book.epigraph))):
        if wanted:
            page = epub.EpubHtml(uid=part, title=title, file_name=f"{part}.xhtml", lang=config.language)
            page.content = with_semantics(render("frontmatter.xhtml.j2", part=part, title=title, **context))
            page.add_item(stylesheet)
            document.add_item(page)
            front_matter.append(page)

    files_by_id = {
        element_id: essay.file_name for essay in book.essays for element_id in (essay.slug, *_ids(essay.xhtml))
    }
    files_by_id.update({part.slug: part.file_name for part in book.parts})
    chapters = []
    for number, essay in enumerate(book.essays, start=1):
        part = book.part_opening_at(essay)
        if part:
            chapters.append(_part_document(part, config, files_by_id, [s for s in starts if s.chapter == part.slug]))
            chapters[-1].add_item(stylesheet)
            document.add_item(chapters[-1])
        chapter = epub.EpubHtml(
            uid=f"ch-{essay.slug}", title=essay.title, file_name=essay.file_name, lang=config.language
        )
        chapter.content = chapter_document(
            essay, number, config, files_by_id, [s for s in starts if s.chapter == essay.slug])
        if has_mathml(essay):
            chapter.properties.append("mathml")  # the manifest says which documents a reader must set math in
        chapter.add_item(stylesheet)
        document.add_item(chapter)
        chapters.append(chapter)

    for image in book.images:
        document.add_item(epub.EpubImage(
            uid=f"img-{Path(image.name).stem}", file_name=image.name,
            media_type=image.media_type, content=epub_bytes(image, cache=cache),
        ))

    back_matter = []
    if config.acknowledgements or config.first_published or config.about_author:
        back = epub.EpubHtml(uid="backmatter", title="Back matter", file_name="backmatter.xhtml", lang=config.language)
        back.content = render("backmatter.xhtml.j2", book=book, config=config).encode("utf-8")
        back.add_item(stylesheet)
        document.add_item(back)
        back_matter.append(back)

    document.toc = [
        entry for part, essays in book.contents() for entry in (
            [(epub.Section(part.title, href=part.file_name), [_toc_entry(e) for e in essays])] if part
            else [_toc_entry(e) for e in essays])
    ]
    nav = epub.EpubNav(title="Contents")
    document.add_item(nav)
    document.add_item(epub.EpubNcx())
    document.spine = [cover_page, *front_matter, nav, *chapters, *back_matter]
    document.guide = [
        {"href": cover_page.file_name, "title": "Cover", "type": "cover"},
        {"href": title_page.file_name, "title": "Title page", "type": "titlepage"},
        {"href": nav.file_name, "title": "Contents", "type": "toc"},
        {"href": chapters[0].file_name, "title": "Start of the text", "type": "bodymatter"},
    ]
    packed = io.BytesIO()
    # EPUB 3 landmarks only: the EPUB 2 guide's types differ, and the NCX serves old readers.
    options = {"epub3_pages": False, "mtime": book.modified, "epub2_guide": False, "landmark_title": "Landmarks"}
    epub.write_epub(packed, document, options)
    files = {section.slug: section.file_name for section in (*book.essays, *book.parts)}
    pages = [(s.label, f"{files[s.chapter]}#page-{s.label}") for s in starts]
    edits = {f"EPUB/{nav.file_name}": lambda content: _with_page_list(content, pages)} if pages else {}
    edits["EPUB/content.opf"] = lambda content: _with_package_language(content, config.language)
    target.write_bytes(repack(packed.getvalue(), book.modified, edits))


def _describe(document: epub.EpubBook, book: Book, page_list: bool) -> None:
    """The package metadata: who, what, when, and what a reader with a disability can rely on."""
    config = book.config
    isbn = re.sub(r"[\s-]", "", config.isbn)
    document.set_identifier(f"urn:isbn:{isbn}" if isbn else book_identifier(book))
    document.set_title(config.title)
    document.set_language(config.language)
    if config.author:
        document.add_author(config.author, file_as=config.sortable_author, role="aut", uid="creator")
    document.add_metadata("DC", "date", book.modified.strftime("%Y-%m-%dT%H:%M:%SZ"))
    for key, value in (("description", config.description), ("rights", config.rights)):
        if value:
            document.add_metadata("DC", key, value)
    for subject in config.subjects:
        document.add_metadata("DC", "subject", subject)
    for prop, value in accessibility(book, page_list):
        document.add_metadata(None, "meta", value, {"property": f"schema:{prop}"})
    if page_list:  # where the page numbers come from: this book's own print edition (EPUB 3.3 source-of)
        source = f"urn:isbn:{isbn}" if isbn else f"{book_identifier(book)}:print"
        document.add_metadata("DC", "source", source, {"id": "pagination-source"})
        document.add_metadata(None, "meta", "pagination", {"refines": "#pagination-source", "property": "source-of"})


def accessibility(book: Book, page_list: bool) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 metadata, claiming only what this book really offers."""
    images = [img for essay in book.essays for img in _fragment(essay.xhtml).iter("img")]
    described = all((img.get("alt") or "").strip() for img in images)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if images and described:
        features.append("alternativeText")
    if page_list:
        features += ["printPageNumbers", "pageNavigation"]
    claims = [("accessMode", "textual")] + ([("accessMode", "visual")] if images else [])
    if described:
        claims.append(("accessModeSufficient", "textual"))
    if images:
        claims.append(("accessModeSufficient", "textual,visual"))
    claims += [("accessibilityFeature", feature) for feature in features]
    claims.append(("accessibilityHazard", "none"))
    summary = ("Reflowable text with a table of contents, headings for each chapter and section, "
               "and notes linked to and from the text.")
    if page_list:
        summary += " Page numbers follow the print edition."
    if images:
        summary += " Every image has a text alternative." if described else " Some images have no text alternative."
    claims.append(("accessibilitySummary", summary))
    return claims


def _toc_entry(essay: Essay) -> epub.Link | tuple[epub.Section, list[epub.Link]]:
    """A chapter in the contents, with its sections (its h2 headings) under it."""
    sections = [(h.get("id"), "".join(h.itertext()).strip()) for h in _fragment(essay.xhtml).iter("h2") if h.get("id")]
    if not sections:
        return epub.Link(essay.file_name, essay.title, f"toc-{essay.slug}")
    return (epub.Section(essay.title, href=essay.file_name),
            [epub.Link(f"{essay.file_name}#{anchor}", text, f"toc-{anchor}") for anchor, text in sections])


def book_text(book: Book) -> str:
    """Every character a reader may see: the essays, their titles, and what the front matter says."""
    config = book.config
    parts = [config.title, config.author, config.dedication, config.rights, config.edition, "©0123456789"]
    for essay in book.essays:
        parts += [essay.title, "".join(_fragment(essay.xhtml).itertext())]
    for part in book.parts:
        parts += [part.title, part_number(part.number, config.language), "".join(_fragment(part.opening).itertext())]
    return "".join(parts)


def repack(archive: bytes, modified: dt.datetime, edits: dict[str, Callable[[bytes], bytes]] | None = None) -> bytes:
    """Rewrite the zip with fixed timestamps and attributes, `mimetype` first and stored, so that
    the same book always gives the same bytes (ebooklib stamps every entry with the clock)."""
    stamp = max(modified.timetuple()[:6], (1980, 1, 1, 0, 0, 0))  # the earliest time a zip can hold
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w") as result:
        names = source.namelist()
        for name in ["mimetype", *sorted(n for n in names if n != "mimetype")]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            content = source.read(name)
            result.writestr(info, (edits or {}).get(name, lambda same: same)(content))
    return out.getvalue()
