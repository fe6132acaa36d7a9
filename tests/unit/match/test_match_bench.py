"""The matcher benchmark runs and prints every figure it promises (tiny sizes; no timing)."""

from __future__ import annotations

import pytest

from bench import match_bench
from feed.match import Matcher


def test_the_benchmark_prints_its_figures_and_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    match_bench.run(mb=0.05, patterns=200, build_patterns=300)
    out = capsys.readouterr().out
    for figure in (
        "raw pyahocorasick, no normalization:",
        "matcher, all normalization on:",
        "one Python regex alternation:",
        "matcher on non-ASCII posts",
        "planted posts found:",
        "matcher / raw pyahocorasick:",
        "matcher / regex alternation:",
        "build for 300 patterns",
    ):
        assert figure in out


def test_every_planted_disguised_indicator_is_found() -> None:
    records = match_bench.synthetic_catalogue(200)
    posts, planted = match_bench.synthetic_posts(0.3, records)
    matcher = Matcher.from_records(records)
    found = {n for n, result in enumerate(matcher.match_many(posts)) if result}
    assert planted
    assert set(planted) <= found
