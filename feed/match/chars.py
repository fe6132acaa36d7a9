"""Character data behind normalization: look-alikes, invisibles, separators, leetspeak.

Every table here is small and meant to be read. The confusables table is the definition of
"fold confusables": change it here and the matcher, its docs and its tests follow.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "CONFUSABLES",
    "EMOJI_MODIFIERS",
    "EXTRA_SEPARATORS",
    "INVISIBLE",
    "KEPT_PUNCTUATION",
    "LEET",
    "STROKES",
    "VARIATION_SELECTORS",
    "extend_over_marks",
    "is_invisible",
    "is_separator",
    "joins_words",
]

#: Look-alikes folded to a Latin letter, keyed by their *case-folded* form, because folding runs
#: after case folding (see `normalize.py`). Derived from Unicode's confusables (UTS #39,
#: confusables.txt) for the letters attackers actually swap in: Cyrillic, Greek, Armenian,
#: Latin small capitals and a few Latin variants. Where the capital and the small form of a
#: letter look like different Latin letters (Greek Η/η, Cyrillic Н/н), the capital wins: text in
#: capitals is where the swap is hard to see. Digits are never targets, so numeric codes are
#: untouched by confusable folding.
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a",
    "в": "b",  # В
    "г": "r",
    "е": "e",
    "і": "i",
    "ј": "j",
    "к": "k",  # К
    "м": "m",  # М
    "н": "h",  # Н
    "о": "o",
    "п": "n",
    "р": "p",
    "с": "c",
    "т": "t",  # Т
    "у": "y",
    "х": "x",
    "ь": "b",
    "ѕ": "s",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ӏ": "l",
    "һ": "h",
    "ү": "y",
    "ѵ": "v",
    "ѡ": "w",
    "ԍ": "g",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "y",
    "ε": "e",
    "ζ": "z",  # Ζ
    "η": "h",  # Η
    "ι": "i",
    "κ": "k",
    "μ": "m",  # Μ
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ϳ": "j",
    # Armenian
    "օ": "o",
    "ս": "u",
    "հ": "h",
    "ո": "n",
    "ց": "g",
    # Latin small capitals and variants NFKD leaves alone
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ғ": "f",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ʀ": "r",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
    "ɑ": "a",
    "ɡ": "g",
    "ı": "i",
    "ɩ": "i",
    "ȷ": "j",
}

#: Letters with a stroke or ligatures that canonical decomposition does not split; removed with
#: the accents (`strip_accents`), keyed by case-folded form.
STROKES: dict[str, str] = {
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ħ": "h",
    "ŧ": "t",
    "ƀ": "b",
    "ɨ": "i",
    "ƶ": "z",
    "ǥ": "g",
    "ɍ": "r",
    "ʉ": "u",
    "ȼ": "c",
    "ɇ": "e",
    "ɏ": "y",
    "æ": "ae",
    "œ": "oe",
}

#: Emoji skin-tone modifiers: to an emoji what an accent is to a letter (`strip_accents`).
EMOJI_MODIFIERS: frozenset[str] = frozenset(map(chr, range(0x1F3FB, 0x1F400)))
#: Variation selectors choose a glyph style (text or emoji) without changing the character.
VARIATION_SELECTORS: frozenset[str] = frozenset(
    [*map(chr, range(0xFE00, 0xFE10)), *map(chr, range(0xE0100, 0xE01F0))]
)

#: Characters that render as nothing (or as blank space inside a word) and are used to break
#: up a word without changing how it looks. All of category Cf is invisible as well.
INVISIBLE: frozenset[str] = VARIATION_SELECTORS | frozenset(
    [
        "\u034f",  # combining grapheme joiner
        "\u115f",  # Hangul choseong filler
        "\u1160",  # Hangul jungseong filler
        "\u17b4",  # Khmer inherent vowels
        "\u17b5",
        "\u2800",  # Braille blank
        "\u3164",  # Hangul filler
        "\uffa0",  # halfwidth Hangul filler
        *map(chr, range(0x180B, 0x1810)),  # Mongolian variation selectors, vowel separator
    ]
)

#: Punctuation that is part of a token rather than between tokens: hashtags and mentions.
KEPT_PUNCTUATION = frozenset("#@")
#: Symbols (not punctuation in Unicode) that people put between digits or letters to split them.
EXTRA_SEPARATORS = frozenset("|~^`\u2044\u2215\u00a6")

#: Leetspeak, as an equivalence applied to pattern and text alike (so `1` stands for i and l).
#: Only digits and two signs: `!` and `|` mostly end or split sentences, where reading them as
#: letters would glue a word to its neighbour.
LEET: dict[str, str] = {
    "0": "o",
    "1": "i",
    "2": "z",
    "3": "e",
    "4": "a",
    "5": "s",
    "6": "g",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "l": "i",
}

# Scripts written without spaces between words: no word boundary can be seen next to them.
_CONTINUOUS_SCRIPTS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3040, 0x31FF),  # Hiragana, Katakana, Bopomofo
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA000, 0xA4CF),  # Yi
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


def is_invisible(ch: str) -> bool:
    """True for zero-width and other invisible characters (and all format characters, Cf)."""
    return ch in INVISIBLE or unicodedata.category(ch) == "Cf"


def is_separator(ch: str) -> bool:
    """True for whitespace and punctuation between tokens (`14/88`, `14 88`, `s.i.e.g`)."""
    if ch in KEPT_PUNCTUATION or unicodedata.normalize("NFKC", ch) in KEPT_PUNCTUATION:
        return False
    category = unicodedata.category(ch)
    return category[0] in "ZP" or ch in EXTRA_SEPARATORS or (category == "Cc" and ch.isspace())


def _continuous(ch: str) -> bool:
    cp = ord(ch)
    return cp >= _CONTINUOUS_SCRIPTS[0][0] and any(lo <= cp <= hi for lo, hi in _CONTINUOUS_SCRIPTS)


def joins_words(ch: str, *, leet: bool = False) -> bool:
    """True if `ch` next to a pattern means the pattern is only part of a longer token.

    Letters, digits, marks and `_` join; characters of scripts written without spaces do not
    (a Latin name next to Chinese text is still a whole name). With leetspeak, `@` and `$` are
    letters too.
    """
    if ch.isalnum() or ch == "_" or unicodedata.category(ch)[0] == "M":
        return not _continuous(ch)
    return leet and ch in "@$"


def extend_over_marks(text: str, end: int) -> int:
    """Move `end` past combining marks, variation selectors and skin tones that belong to the
    character before it, so a span never splits a letter from its accent."""
    while end < len(text) and (
        unicodedata.category(text[end])[0] == "M"
        or text[end] in VARIATION_SELECTORS
        or text[end] in EMOJI_MODIFIERS
    ):
        end += 1
    return end
