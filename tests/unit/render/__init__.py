"""Tests of feed.render (a package, so its conftest does not clash with tests/conftest.py)."""
