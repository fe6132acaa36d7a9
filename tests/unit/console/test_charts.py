"""Server-drawn charts: escaped labels, round ticks, one bar per value."""

from __future__ import annotations

from feed.console.charts import Series, bar_chart, grouped_bars, nice_ticks

MARKUP = '<script>alert("x")</script>'


def test_labels_and_titles_are_escaped() -> None:
    chart = str(bar_chart("c", MARKUP, [MARKUP], [3]))
    grouped = str(grouped_bars("g", "t", [MARKUP], [Series(MARKUP, "bar", [2])]))
    for svg in (chart, grouped):
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg


def test_one_bar_per_value_and_a_title_per_bar() -> None:
    chart = str(bar_chart("c", "Per week", ["a", "b", "c"], [0, 5, 2]))
    assert chart.count("<rect") == 3
    assert "<title>b: 5</title>" in chart
    assert 'role="img"' in chart


def test_ticks_are_round_and_reach_the_top() -> None:
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(1) == [0, 1]
    assert nice_ticks(4) == [0, 1, 2, 3, 4]
    assert nice_ticks(37) == [0, 10, 20, 30, 40]
    assert nice_ticks(1234)[-1] >= 1234
    for top in (3, 17, 99, 250, 10_001):
        ticks = nice_ticks(top)
        assert ticks[-1] >= top
        assert len(ticks) <= 6
