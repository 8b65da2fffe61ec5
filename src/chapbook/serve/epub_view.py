"""The built EPUB as the preview serves it: its files read from the zip (never unpacked to disk), its
reading order with each document's title, and a key per document that changes when the document or
anything it may draw on (stylesheets, fonts, pictures) does."""

from __future__ import annotations

import hashlib
import io
import mimetypes
import posixpath
import zipfile
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from lxml import etree

CONTAINER = "META-INF/container.xml"
_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf",
       "dc": "http://purl.org/dc/elements/1.1/", "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
_DOCUMENT = "application/xhtml+xml"


@dataclass(frozen=True)
class EpubDocument:
    """A document of the reading order: its path in the zip, its title, and the key of what it shows."""

    name: str
    title: str
    key: str


@dataclass(frozen=True)
class EpubView:
    title: str
    documents: tuple[EpubDocument, ...]
    files: Mapping[str, bytes]
    types: Mapping[str, str]
    first_chapter: str  # the first document the contents lists: where the preview opens

    def file(self, name: str) -> tuple[bytes, str] | None:
        """A file of the EPUB by its exact path in the zip, with its media type; None if it has none."""
        content = self.files.get(name)
        if content is None:
            return None
        return content, self.types.get(name) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def read_epub(data: bytes) -> EpubView:
    """Read an EPUB chapbook wrote: its files, its title and its reading order with titles."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    package_name = etree.fromstring(files[CONTAINER]).find(".//c:rootfile", _NS).get("full-path")
    package = etree.fromstring(files[package_name])
    folder = posixpath.dirname(package_name)
    items = {item.get("id"): (posixpath.normpath(posixpath.join(folder, item.get("href"))), item)
             for item in package.iterfind("opf:manifest/opf:item", _NS)}
    types = {name: item.get("media-type") for name, item in items.values()}
    titles = _nav_titles(files, next((name for name, item in items.values()
                                      if "nav" in (item.get("properties") or "").split()), None))
    # A document shows its own markup and whatever else the book holds: a stylesheet or font changed
    # changes every document's key, a chapter changed only its own.
    shared = hashlib.blake2b(digest_size=8)
    for name in sorted(files):
        if types.get(name) != _DOCUMENT:
            shared.update(name.encode() + b"\0" + hashlib.blake2b(files[name], digest_size=8).digest())
    documents = []
    for itemref in package.iterfind("opf:spine/opf:itemref", _NS):
        name, _ = items[itemref.get("idref")]
        key = hashlib.blake2b(files[name], digest_size=8, key=shared.digest()).hexdigest()
        documents.append(EpubDocument(name, titles.get(name) or _document_title(files[name]) or name, key))
    title = package.findtext("opf:metadata/dc:title", default="", namespaces=_NS)
    listed = [document.name for document in documents if document.name in titles]
    first = listed[0] if listed else documents[0].name
    return EpubView(title, tuple(documents), MappingProxyType(files), MappingProxyType(types), first)


def _nav_titles(files: Mapping[str, bytes], nav_name: str | None) -> dict[str, str]:
    """The title the contents gives each document it lists, by the document's path in the zip, in its order."""
    if nav_name is None:
        return {}
    titles: dict[str, str] = {}
    folder = posixpath.dirname(nav_name)
    for link in etree.fromstring(files[nav_name]).iterfind(".//x:nav[@epub:type='toc']//x:a", _NS):
        name = posixpath.normpath(posixpath.join(folder, (link.get("href") or "").split("#")[0]))
        titles.setdefault(name, " ".join("".join(link.itertext()).split()))
    return titles


def _document_title(content: bytes) -> str:
    try:
        return " ".join((etree.fromstring(content).findtext(".//x:head/x:title", default="", namespaces=_NS)).split())
    except etree.XMLSyntaxError:
        return ""
