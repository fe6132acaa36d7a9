"""Normalization tables agree with their per-character definition and map back exactly."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feed.match.chars import CONFUSABLES, STROKES
from feed.match.normalize import (
    LEET_TABLE,
    SEARCH_PROFILE,
    SourceMap,
    comparable,
    fold_char,
    search_form,
    source_index,
    translation_table,
)
from feed.model import NormalizationProfile

FLAGS = ("casefold", "strip_accents", "fold_confusables", "strip_invisible", "ignore_separators")
PROFILES = [
    NormalizationProfile(**dict(zip(FLAGS, values, strict=True)), leetspeak=leet)
    for values in itertools.product([False, True], repeat=len(FLAGS))
    for leet in (False, True)
]

# Profiles a catalogue is likely to use, for the tests that build whole tables (0.1 s each).
COMMON_PROFILES = [
    NormalizationProfile(),
    SEARCH_PROFILE,
    NormalizationProfile(ignore_separators=True, leetspeak=True),
    NormalizationProfile(leetspeak=True),
    NormalizationProfile(casefold=False),
    NormalizationProfile(fold_confusables=False, strip_accents=False),
    NormalizationProfile(
        casefold=False, strip_accents=False, fold_confusables=False, strip_invisible=False
    ),
]

# Any code point a post may carry, surrogates excluded (they cannot be encoded).
characters = st.characters(blacklist_categories=["Cs"])
texts = st.text(alphabet=characters, max_size=60)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(COMMON_PROFILES), characters)
def test_the_table_of_a_profile_is_its_per_character_definition(
    profile: NormalizationProfile, ch: str
) -> None:
    assert ch.translate(translation_table(profile)) == fold_char(ch, profile)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(PROFILES), characters)
def test_what_a_profile_equates_the_search_form_equates_too(
    profile: NormalizationProfile, ch: str
) -> None:
    # The one search pass finds every candidate only if the search form is coarser than each
    # pattern profile: folding under the profile first never changes the search form.
    folded = fold_char(ch, profile)
    if profile.leetspeak:
        assert search_form(folded).translate(LEET_TABLE) == search_form(ch).translate(LEET_TABLE)
    else:
        assert search_form(folded) == search_form(ch)


# The basic plane (surrogates excepted) and the supplementary blocks evaders use: mathematical
# letters and digits, enclosed letters, emoji with their modifiers, tag characters.
WHOLE_PLANES = [
    *range(0xD800),
    *range(0xE000, 0x10000),
    *range(0x1D400, 0x1D800),
    *range(0x1F100, 0x1F700),
    *range(0xE0000, 0xE0080),
]


@pytest.mark.parametrize("profile", COMMON_PROFILES, ids=str)
def test_the_search_form_equates_what_common_profiles_equate_for_every_character(
    profile: NormalizationProfile,
) -> None:
    leet = LEET_TABLE if profile.leetspeak else {}
    table = translation_table(profile)
    for cp in WHOLE_PLANES:
        ch = chr(cp)
        folded = ch.translate(table)
        assert search_form(folded).translate(leet) == search_form(ch).translate(leet), hex(cp)


@settings(deadline=None)
@given(texts)
def test_the_search_form_is_idempotent(text: str) -> None:
    assert search_form(search_form(text)) == search_form(text)


def test_ascii_maps_to_single_ascii_characters_or_nothing_so_translate_stays_fast() -> None:
    # CPython's ASCII fast path for str.translate only handles these two kinds of entry.
    for profile in COMMON_PROFILES:
        table = translation_table(profile)
        for cp in range(128):
            out = table.get(cp, chr(cp))
            assert out is None or (len(out) == 1 and out.isascii()), (profile, chr(cp))


@given(texts)
def test_source_index_points_at_the_character_each_search_character_comes_from(
    text: str,
) -> None:
    form = search_form(text)
    index = source_index(text)
    assert len(index) == len(form)
    assert index == sorted(index)
    assert all(0 <= i < len(text) for i in index)
    # Character j of the form is part of what text[index[j]] becomes on its own.
    for i, group in itertools.groupby(range(len(form)), key=index.__getitem__):
        assert "".join(form[j] for j in group) == search_form(text[i])


@given(texts)
def test_source_map_answers_like_the_full_index(text: str) -> None:
    index = source_index(text)
    source = SourceMap(text)
    assert [source[j] for j in range(len(index))] == index


@given(st.text(alphabet=st.sampled_from("ab ./-1\u200béßﬁ½"), max_size=400))
def test_source_map_handles_long_ascii_and_mixed_segments(text: str) -> None:
    index = source_index(text)
    source = SourceMap(text)
    assert [source[j] for j in range(len(index))] == index


def test_folds_of_the_default_profile() -> None:
    default = NormalizationProfile()
    assert comparable("ＨＡＴＥ Straße", default) == "hate strasse"
    assert comparable("Łódź Æsir", default) == "lodz aesir"
    assert comparable("НАТЕ", default) == "hate"  # Cyrillic capitals
    assert comparable("h\u200ba\u00adt\u2060e\ufeff", default) == "hate"
    assert comparable("a  b\u00a0\tc", default) == "a b c"
    assert comparable("𝐡𝐚𝐭𝐞 Ⓗⓐⓣⓔ ʜᴀᴛᴇ", default) == "hate hate hate"
    assert comparable("١٤٨٨ ①④⑧⑧", default) == "1488 1488"


def test_separators_leetspeak_and_kept_case() -> None:
    loose = NormalizationProfile(ignore_separators=True, leetspeak=True)
    assert comparable("H4T3 w@v3!", loose) == "hatewave"
    assert comparable("14/88", NormalizationProfile(ignore_separators=True)) == "1488"
    strict = NormalizationProfile(
        casefold=False, strip_accents=False, fold_confusables=False, strip_invisible=False
    )
    assert comparable("Vé\u200b", strict) == "Vé\u200b"
    assert comparable("НАТЕ", NormalizationProfile(casefold=False)) == "HATE"


def test_only_letters_digits_and_kept_signs_survive_the_search_form() -> None:
    form = search_form("Hello, World! #tag @name $5 … «quoted» 14/88 ½")
    assert form == "helloworld#tag@name$5quoted148812"
    assert all(unicodedata.category(c)[0] in "LN" or c in "#@$" for c in form)


def test_every_look_alike_is_reached_after_case_folding() -> None:
    # The tables fold case before look-alikes; a key that case folding or decomposition
    # changes would never be seen.
    for key in [*CONFUSABLES, *STROKES]:
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", key).casefold())
        assert folded == key, key
    assert not any(c.isdigit() for c in CONFUSABLES.values())
