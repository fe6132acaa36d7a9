"""Rendering: pure functions from a release to the bytes of each published file (no I/O)."""

from feed.render.atom import render_atom_feed
from feed.render.files import render_release_files
from feed.render.jsonfeed import render_json_feed
from feed.render.links import FeedLinks
from feed.render.package import render_changes, render_package
from feed.render.releases import render_release_index

__all__ = [
    "FeedLinks",
    "render_atom_feed",
    "render_changes",
    "render_json_feed",
    "render_package",
    "render_release_files",
    "render_release_index",
]
