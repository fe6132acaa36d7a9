"""Unit tests of feed.render."""
