"""Reference matcher: find the catalogue's indicators in text and files, with its guidance.

    matcher = Matcher.from_mirror(Path("mirror"))       # or from_package / from_records
    for record in matcher.match("some post text"):      # grouped per record
        print(record.record_id, record.action, [m.text for m in record.matches])
    for results in matcher.match_many(posts): ...       # batched: the fast way for many texts
    report = matcher.match_file(Path("upload.pdf"))     # SHA-256 / MD5 against known files
    hosted = PublishedMatcher(public_dir).current()      # a server's: follows new publications

See docs/matcher.md for the normalization, boundaries and actions.
"""

from feed.match.matcher import Matcher
from feed.match.normalize import comparable, search_form, source_index
from feed.match.package import MIRROR_PACKAGE, load_package, mirror_package
from feed.match.published import PublishedMatcher
from feed.match.results import (
    Action,
    FileMatch,
    FileReport,
    IndicatorKind,
    RecordMatches,
    TextMatch,
    action_for,
)

__all__ = [
    "MIRROR_PACKAGE",
    "Action",
    "FileMatch",
    "FileReport",
    "IndicatorKind",
    "Matcher",
    "PublishedMatcher",
    "RecordMatches",
    "TextMatch",
    "action_for",
    "comparable",
    "load_package",
    "mirror_package",
    "search_form",
    "source_index",
]
