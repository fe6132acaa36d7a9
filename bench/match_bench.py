"""Matcher throughput: all normalization on, against raw pyahocorasick and a regex alternation.

    python -m bench.match_bench [--mb 100] [--patterns 10000] [--quick] [--json PATH]

Builds a synthetic catalogue (obviously synthetic pseudo-words, realistic shapes: names,
multi-word slogans, hashtags, leetspeak slogans, numeric codes) and synthetic posts with a few
planted, disguised indicators, then measures in the same run:

- the matcher (`Matcher.match_many`, every normalization on, matches confirmed and grouped);
- raw pyahocorasick: the same pattern values, as written, over the same text without any
  normalization, in the same batches (the best case for it: no per-post call overhead);
- one Python `re` alternation of the same patterns (on a slice, extrapolated, when slow);
- building a matcher for 100k patterns.

Targets (issue 7): matcher >= 0.5x raw pyahocorasick and >= 100x the regex.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import ahocorasick

from feed.match import Matcher
from feed.match.matcher import BATCH_CHARS
from feed.model import AnyRecord, parse_record
from feed.synthetic import synthetic_record_data

# A made-up language: 150 syllables (consonant, vowel, optional coda), spelled in ASCII.
SYLLABLES = [
    onset + vowel + coda
    for onset in ("b", "d", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "gr", "st", "th")
    for vowel in ("a", "e", "i", "o", "u")
    for coda in ("", "n")
]
ROUNDS = 3
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
LEET = {"a": "4", "e": "3", "o": "0", "s": "5", "t": "7", "i": "1", "b": "8", "g": "9"}


def _word(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(lo, hi)))


def _indicator(rng: random.Random, i: int) -> tuple[str, dict[str, Any]]:
    """One synthetic indicator: (where it goes in `indicators`, its data)."""
    roll = i % 100
    if roll < 2:
        value = f"{rng.randint(10_000, 999_999)}"
        return "numeric_codes", {"value": value, "meaning": "Synthetic."}
    if roll < 7:
        value = f"{_word(rng, 2, 4)} {_word(rng, 3, 4)}"
        profile = {"leetspeak": True, "ignore_separators": True}
        return "text_patterns", {"value": value, "kind": "slogan", "normalization": profile}
    if roll < 10:
        return "text_patterns", {"value": f"#{_word(rng, 4, 6)}", "kind": "hashtag"}
    if roll < 20:
        words = " ".join(_word(rng, 1, 3) for _ in range(rng.randint(3, 5)))
        return "text_patterns", {"value": words, "kind": "slogan"}
    return "text_patterns", {"value": f"{_word(rng, 4, 6)}", "kind": "name"}


def synthetic_catalogue(patterns: int, *, seed: int = 7) -> list[AnyRecord]:
    """Records carrying `patterns` synthetic text indicators, five per record."""
    rng = random.Random(seed)
    records = []
    for n in range(0, patterns, 5):
        data = synthetic_record_data(n // 5)
        indicators: dict[str, list[dict[str, Any]]] = {"text_patterns": [], "numeric_codes": []}
        for i in range(n, min(n + 5, patterns)):
            where, item = _indicator(rng, i)
            indicators[where].append(item)
        data["indicators"] = indicators
        data.pop("file_variants", None)
        records.append(parse_record(data))
    return records


def _values(records: list[AnyRecord]) -> list[str]:
    values = []
    for record in records:
        values += [tp.value for tp in record.indicators.text_patterns]
        values += [code.value for code in record.indicators.numeric_codes]
    return values


def _disguise(rng: random.Random, value: str) -> str:
    """A planted indicator as people write it to evade filters (kept within its profile)."""
    if value.isdigit():
        cut = rng.randint(1, len(value) - 1)
        return value[:cut] + rng.choice(["/", " ", "-", "."]) + value[cut:]
    style = rng.randrange(5)
    if style == 0:
        return value.upper()
    if style == 1:
        return "".join(HOMOGLYPHS.get(c, c) for c in value)
    if style == 2:
        return "\u200b".join(value)
    if style == 3:
        return "".join(c + "\u0301" if c in "aeiou" else c for c in value)
    return value.title()


def synthetic_posts(
    mb: float, records: list[AnyRecord], *, seed: int = 11
) -> tuple[list[str], list[int]]:
    """About `mb` MB of synthetic posts, and which of them carry a disguised indicator (one in
    200 does)."""
    rng = random.Random(seed)
    vocabulary = [_word(rng, 1, 3) for _ in range(5000)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    values = _values(records)
    posts: list[str] = []
    planted: list[int] = []
    size = 0
    target = int(mb * 1_000_000)
    while size < target:
        words = rng.choices(vocabulary, weights, k=rng.randint(8, 60))
        if rng.random() < 0.15:
            words.insert(rng.randrange(len(words)), str(rng.randint(1, 2030)))
        if rng.random() < 0.005:
            words.insert(rng.randrange(len(words)), _disguise(rng, rng.choice(values)))
            planted.append(len(posts))
        post = "Synthetic post: " + " ".join(words) + "."
        posts.append(post)
        size += len(post.encode())
    return posts, planted


def _batches(posts: list[str]) -> list[str]:
    batches, current, size = [], [], 0
    for post in posts:
        current.append(post)
        size += len(post)
        if size >= BATCH_CHARS:
            batches.append("\x00".join(current))
            current, size = [], 0
    if current:
        batches.append("\x00".join(current))
    return batches


def _timed(fn: Callable[[], int]) -> tuple[float, int]:
    """CPU seconds of `fn` (single-threaded work, so other load on the machine counts less)."""
    gc.collect()
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def _mb(posts: list[str]) -> float:
    return sum(len(p.encode()) for p in posts) / 1_000_000


def _raw_automaton(records: list[AnyRecord]) -> Any:
    raw = ahocorasick.Automaton()
    for value in set(_values(records)):
        raw.add_word(value, value)
    raw.make_automaton()
    return raw


def _matched(matcher: Matcher, posts: list[str]) -> int:
    return sum(1 for result in matcher.match_many(posts) if result)


def _throughput(
    matcher: Matcher, records: list[AnyRecord], posts: list[str], figures: dict[str, Any]
) -> tuple[float, float]:
    """MB/s of raw pyahocorasick and of the matcher over the same posts, measured alternately
    so load on a shared machine hits both alike; the best of each is kept."""
    raw = _raw_automaton(records)
    batches = _batches(posts)
    size = _mb(posts)
    raw_times, matcher_times = [], []
    raw_hits = matched = 0
    print(f"  throughput from CPU time, best of {ROUNDS} alternating rounds:")
    for _ in range(ROUNDS):
        seconds, raw_hits = _timed(lambda: sum(len(list(raw.iter(b))) for b in batches))
        raw_times.append(seconds)
        seconds, matched = _timed(partial(_matched, matcher, posts))
        matcher_times.append(seconds)
    raw_rate, matcher_rate = size / min(raw_times), size / min(matcher_times)
    figures["raw_mb_s"] = [size / t for t in raw_times]
    figures["matcher_mb_s"] = [size / t for t in matcher_times]
    print(f"  raw pyahocorasick, no normalization: {raw_rate:8.1f} MB/s ({raw_hits} raw hits)")
    print(
        f"  matcher, all normalization on:        {matcher_rate:8.1f} MB/s "
        f"({matched} posts with confirmed matches)"
    )
    return raw_rate, matcher_rate


def _other_scripts(matcher: Matcher, posts: list[str]) -> None:
    """The matcher on non-ASCII text, which takes CPython's slower translate path."""
    tenth = posts[: max(1, len(posts) // 10)]
    cyrillic = str.maketrans("abdeiklmnoprstuvz", "абдеиклмнопрстувз")
    for label, variant in (
        ("posts with two accented letters each", [_accented(p) for p in tenth]),
        ("posts in Cyrillic script", [p.translate(cyrillic) for p in tenth]),
    ):
        seconds, _ = _timed(partial(_matched, matcher, variant))
        print(f"  matcher on {label}: {_mb(variant) / seconds:.1f} MB/s (a tenth of the posts)")


def _accented(post: str) -> str:
    return post.replace("o", "ö", 1).replace("a", "à", 1)


def run(mb: float, patterns: int, build_patterns: int) -> dict[str, Any]:
    """Print the figures; return them (every round's) for `--json`."""
    figures: dict[str, Any] = {"patterns": patterns, "build_patterns": build_patterns}
    print(f"catalogue: {patterns} synthetic indicators; text: {mb:g} MB of synthetic posts")
    records = synthetic_catalogue(patterns)
    build_seconds, _ = _timed(lambda: len(Matcher.from_records(records).skipped) + 1)
    matcher = Matcher.from_records(records)
    posts, planted = synthetic_posts(mb, records)
    size = _mb(posts)
    print(
        f"  {len(posts)} posts, {size:.1f} MB (UTF-8), {len(planted)} with a disguised "
        f"indicator; matcher built in {build_seconds:.2f} s"
    )
    found = {n for n, result in enumerate(matcher.match_many(posts)) if result}
    print(f"  planted posts found: {len(found & set(planted))} of {len(planted)}")

    figures["mb"] = size
    raw_rate, matcher_rate = _throughput(matcher, records, posts, figures)
    regex_rate, note = _regex_rate(records, posts)
    figures["regex_mb_s"] = [regex_rate]
    figures["regex_note"] = note
    print(f"  one Python regex alternation:         {regex_rate:8.3f} MB/s {note}")
    _other_scripts(matcher, posts)

    ratio_raw = matcher_rate / raw_rate
    ratio_regex = matcher_rate / regex_rate
    print(
        f"  matcher / raw pyahocorasick: {ratio_raw:.2f}x (target >= 0.5x: {_met(ratio_raw, 0.5)})"
    )
    met = _met(ratio_regex, 100)
    print(f"  matcher / regex alternation: {ratio_regex:.0f}x (target >= 100x: {met})")

    big = synthetic_catalogue(build_patterns, seed=8)
    seconds, _ = _timed(lambda: Matcher.from_records(big).catalogue.text_indicators)
    print(f"  build for {build_patterns} patterns ({len(big)} records): {seconds:.2f} s")
    raw_seconds, _ = _timed(lambda: len(_raw_automaton(big)))
    print(f"  raw pyahocorasick build for the same patterns: {raw_seconds:.2f} s")
    figures["build_seconds"] = seconds
    figures["raw_build_seconds"] = raw_seconds
    return figures


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len(pattern.findall(text))


def _regex_rate(records: list[AnyRecord], posts: list[str]) -> tuple[float, str]:
    values = sorted(set(_values(records)), key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, values)))
    text = "\x00".join(posts)
    # Grow the slice until one measurement takes long enough to be meaningful.
    chars = 20_000
    while True:
        sample = text[:chars]
        seconds, _ = _timed(partial(_count, pattern, sample))
        if seconds > 1.0 or chars >= len(text):
            break
        chars *= 4
    sample_mb = len(sample.encode()) / 1_000_000
    note = "" if chars >= len(text) else f"(measured on {sample_mb:.2f} MB, extrapolated)"
    return sample_mb / seconds, note


def _met(ratio: float, target: float) -> str:
    return "met" if ratio >= target else "NOT met"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="MB of synthetic posts")
    parser.add_argument("--patterns", type=int, default=10_000, help="indicators to match")
    parser.add_argument(
        "--build-patterns", type=int, default=100_000, help="indicators for the build timing"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--json", type=Path, help="also write every round's figures here")
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.patterns, args.build_patterns = 2.0, 1_000, 5_000
    figures = run(args.mb, args.patterns, args.build_patterns)
    if args.json:
        args.json.write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
