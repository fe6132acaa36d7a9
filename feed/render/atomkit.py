"""feedgen, with its known faults worked around, for every Atom document kpfeed writes.

feedgen 1.0 builds good Atom but (a) drops every attribute but `href` of an entry's `link`
(the loop in `FeedEntry.atom_entry` rebinds `link` to the new element and then reads the
element's own, empty attributes), (b) prepends by default in `add_entry`, and (c) writes a
`generator` element carrying its own name and version. Here: `KpfeedEntry` puts the lost
attributes back on the link elements feedgen wrote; `atom_document` writes the entries in the
order given (never through `add_entry`'s default); `new_feed` names kpfeed as the generator,
without a version, so the bytes do not change with the installed software; and
`HistoryExtension` adds RFC 5005's `fh:complete` / `fh:archive`. The tests check the output.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feed.errors import PublishError
from feed.render.common import clean_text, utc

__all__ = [
    "ATOM_NS",
    "FH_NS",
    "GENERATOR",
    "AtomDocument",
    "AtomLink",
    "HistoryExtension",
    "KpfeedEntry",
    "atom_document",
    "make_entry",
    "new_feed",
]

ATOM_NS = "http://www.w3.org/2005/Atom"
#: RFC 5005 feed history namespace.
FH_NS = "http://purl.org/syndication/history/1.0"
GENERATOR = "kpfeed"

#: An Atom link: href plus any of rel, type, hreflang, title, length.
AtomLink = dict[str, str]
#: How RFC 5005 marks a document: a complete feed, an archive page, or neither.
HistoryMarker = Literal["complete", "archive"] | None

_LINK_ATTRIBUTES = ("rel", "type", "hreflang", "title", "length")  # feedgen keeps `href`


class HistoryExtension(BaseExtension):  # type: ignore[misc]
    """Adds `<fh:complete/>` or `<fh:archive/>` (RFC 5005) to the feed element."""

    def __init__(self) -> None:
        self.marker: HistoryMarker = None

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS}

    def extend_atom(self, feed: Any) -> Any:
        if self.marker is not None:
            etree.SubElement(feed, f"{{{FH_NS}}}{self.marker}")
        return feed

    def extend_rss(self, feed: Any) -> Any:
        return feed


class KpfeedEntry(FeedEntry):  # type: ignore[misc]
    """A feedgen entry whose `link` elements keep every attribute feedgen was given."""

    def atom_entry(self, extensions: bool = True) -> Any:
        entry = super().atom_entry(extensions=extensions)
        # feedgen wrote one `link` element per stored link, in order, with only `href`.
        elements = list(entry.iterchildren("link"))
        links = self.link() or []
        if len(elements) != len(links):
            raise PublishError(f"feedgen wrote {len(elements)} links for {len(links)} given")
        for element, link in zip(elements, links, strict=True):
            for name in _LINK_ATTRIBUTES:
                value = link.get(name)
                if value:
                    element.set(name, str(value))
        return entry


def make_entry(
    *,
    entry_id: str,
    title: str,
    updated: datetime,
    summary: str,
    links: list[AtomLink],
    categories: Iterable[AtomLink] = (),
    published: datetime | None = None,
) -> KpfeedEntry:
    """An entry with a text summary; title and summary are cleaned for XML (see `clean_text`).

    Links and categories are taken as they are: callers build them from `FeedLinks` URLs and
    vocabulary terms, which cannot hold forbidden characters (lxml would refuse them loudly).
    """
    entry = KpfeedEntry()
    entry.id(entry_id)
    entry.title(clean_text(title))
    entry.updated(utc(updated))
    entry.summary(clean_text(summary), type="text")
    if links:
        entry.link(links)
    if categories:
        entry.category(list(categories))
    if published:
        entry.published(utc(published))
    return entry


def new_feed(
    *,
    feed_id: str,
    title: str,
    updated: datetime,
    author: str,
    links: list[AtomLink],
    subtitle: str | None = None,
    rights: str | None = None,
    history: HistoryMarker = None,
    language: str = "en",
) -> FeedGenerator:
    """A feedgen feed (no entries yet) with kpfeed's generator and its RFC 5005 mark."""
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(clean_text(title))
    fg.updated(utc(updated))
    fg.author({"name": clean_text(author)})
    for link in links:
        fg.link(dict(link))
    fg.generator(GENERATOR)
    fg.language(language)
    if subtitle:
        fg.subtitle(clean_text(subtitle))
    if rights:
        fg.rights(clean_text(rights))
    fg.register_extension("fh", HistoryExtension, None, atom=True, rss=False)
    fg.fh.marker = history
    return fg


_CLOSING = b"</feed>"


def atom_document(fg: FeedGenerator, entries: Iterable[KpfeedEntry]) -> bytes:
    """The feed with `entries` in the given order, as UTF-8 XML plus a trailing newline.

    feedgen builds the feed element and each entry element; each entry is serialized as soon
    as it is built and copied into one buffer, instead of first growing one lxml tree of every
    entry, which took about ten times the output in memory. The bytes are exactly those of
    feedgen's own `atom_str()` after `add_entry(entry, order="append")` for each entry (a test
    checks it): feedgen's entry elements carry no namespace of their own and inherit the feed's.
    """
    document = AtomDocument(fg)
    for entry in entries:
        document.add(entry)
    return document.finish()


class AtomDocument:
    """`atom_document`, one entry at a time (so one pass can write several documents)."""

    def __init__(self, fg: FeedGenerator) -> None:
        if len(fg.entry()) != 0:
            raise PublishError("atom_document takes the entries itself; the feed must have none")
        try:
            head: bytes = fg.atom_str(pretty=False, encoding="UTF-8", xml_declaration=True)
        except ValueError as error:  # feedgen's missing fields, lxml's refused characters
            raise PublishError(f"Atom feed {fg.id()}: {error}") from None
        if not head.endswith(_CLOSING):  # an Atom feed always has children (id, title, updated)
            raise PublishError("unexpected feedgen output: no closing </feed>")
        self._out = io.BytesIO()
        self._out.write(head[: -len(_CLOSING)])

    def add(self, entry: KpfeedEntry) -> None:
        try:
            element = entry.atom_entry()
        except ValueError as error:
            raise PublishError(f"Atom entry {entry.id()}: {error}") from None
        self._out.write(etree.tostring(element, encoding="UTF-8", xml_declaration=False))

    def finish(self) -> bytes:
        self._out.write(_CLOSING + b"\n")
        return self._out.getvalue()  # hands over the buffer without copying it
