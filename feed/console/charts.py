"""Bar charts as SVG, drawn on the server: no script, nothing fetched, readable without styles.

Each chart is an `<svg role="img">` with a title and a description; colours come from CSS
classes (the console's stylesheet), never from inline styles, so the Content-Security-Policy
needs no exception. Every text placed in a chart is escaped here, which is why the result may
be marked safe for the template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Series", "bar_chart", "grouped_bars", "nice_ticks"]

_FONT = 12
_LABEL_CHARS = 28


@dataclass(frozen=True)
class Series:
    """One set of bars: its name (in the legend), CSS class and one value per category."""

    name: str
    css: str
    values: Sequence[int]


def nice_ticks(top: int, count: int = 4) -> list[int]:
    """Round tick values from 0 to at least `top` (0, 5, 10 ... or 0, 20, 40 ...)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(
        int(m * magnitude)
        for m in (1, 2, 2.5, 5, 10)
        if m * magnitude >= raw and m * magnitude >= 1
    )
    step = max(step, 1)
    last = math.ceil(top / step) * step
    return list(range(0, last + 1, step))


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"


def _open(ident: str, title: str, description: str, width: int, height: int) -> list[str]:
    ident = escape(ident)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{ident}-t {ident}-d">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(description)}</desc>',
    ]


def bar_chart(
    ident: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    css: str = "bar",
    css_per_bar: Sequence[str] | None = None,
    width: int = 640,
    height: int = 240,
) -> Markup:
    """Vertical bars, one per label (e.g. per week or per status), with a value axis."""
    left, right, top, bottom = 40, 10, 10, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max(values, default=0))
    scale = plot_h / ticks[-1]
    described = ", ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
    parts = _open(ident, title, described or "no data", width, height)
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    slot = plot_w / max(len(values), 1)
    bar_w = max(2.0, slot * 0.7)
    every = max(1, math.ceil(len(labels) * 40 / plot_w))  # skip labels that would overlap
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        h = value * scale
        bar_css = css_per_bar[i] if css_per_bar else css
        parts.append(
            f'<rect class="{escape(bar_css)}" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{bar_w:.1f}" height="{h:.1f}"><title>{escape(label)}: {value}</title></rect>'
        )
        if i % every == 0:
            cx = x + bar_w / 2
            parts.append(
                f'<text class="label" x="{cx:.1f}" y="{top + plot_h + 16}" '
                f'text-anchor="middle">{escape(_short(label))}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def grouped_bars(
    ident: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
) -> Markup:
    """Horizontal bars, one group per category (e.g. per record), one bar per series."""
    label_w, right, top = 200, 30, 28
    bar_h, gap = 12, 10
    group_h = bar_h * len(series) + gap
    height = top + group_h * max(len(categories), 1) + 24
    plot_w = width - label_w - right
    ticks = nice_ticks(max((v for s in series for v in s.values), default=0))
    scale = plot_w / ticks[-1]
    described = "; ".join(
        f"{cat}: " + ", ".join(f"{s.name} {s.values[i]}" for s in series)
        for i, cat in enumerate(categories)
    )
    parts = _open(ident, title, described or "no data", width, height)
    for n, s in enumerate(series):  # legend
        key_x = label_w + n * 150
        parts.append(f'<rect class="{escape(s.css)}" x="{key_x}" y="6" width="12" height="12"/>')
        parts.append(f'<text class="label" x="{key_x + 16}" y="16">{escape(s.name)}</text>')
    for tick in ticks:
        x = label_w + tick * scale
        parts.append(
            f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 24}"/>'
        )
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{height - 8}" text-anchor="middle">{tick}</text>'
        )
    for i, category in enumerate(categories):
        y0 = top + i * group_h
        parts.append(
            f'<text class="label" x="{label_w - 6}" y="{y0 + group_h / 2 + 2:.1f}" '
            f'text-anchor="end">{escape(_short(category))}</text>'
        )
        for n, s in enumerate(series):
            value = s.values[i]
            parts.append(
                f'<rect class="{escape(s.css)}" x="{label_w}" y="{y0 + n * bar_h}" '
                f'width="{value * scale:.1f}" height="{bar_h - 2}">'
                f"<title>{escape(category)}: {escape(s.name)} {value}</title></rect>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()
