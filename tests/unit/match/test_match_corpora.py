"""The evasion corpus must match; the benign corpus must not, or only as the guidance says."""

from __future__ import annotations

import pytest

from feed.match import Action, Matcher
from tests.unit.match.catalogue import CODE_88, CODE_1488, CYRILLIC, EMOJI, NAME, SLOGAN, WORD

# (text, record that must match, the original text the match must cover)
EVASIONS = [
    # numeric codes with separators, and digits that are not ASCII
    ("we are 1488 strong", CODE_1488, "1488"),
    ("we are 14/88 strong", CODE_1488, "14/88"),
    ("we are 14 88 strong", CODE_1488, "14 88"),
    ("we are 14-88 strong", CODE_1488, "14-88"),
    ("we are 14.88 strong", CODE_1488, "14.88"),
    ("we are 14_88 strong", CODE_1488, "14_88"),
    ("we are 14|88 strong", CODE_1488, "14|88"),
    ("we are 1 4 8 8 strong", CODE_1488, "1 4 8 8"),
    ("we are 14 / 88 strong", CODE_1488, "14 / 88"),
    ("we are 14\u00a088 strong", CODE_1488, "14\u00a088"),
    ("we are 14\u200b88 strong", CODE_1488, "14\u200b88"),
    ("we are １４８８ strong", CODE_1488, "１４８８"),
    ("we are ①④⑧⑧ strong", CODE_1488, "①④⑧⑧"),
    ("we are 1️⃣4️⃣8️⃣8️⃣ strong", CODE_1488, "1️⃣4️⃣8️⃣8️⃣"),
    ("we are ١٤٨٨ strong", CODE_1488, "١٤٨٨"),
    ("#1488 forever", CODE_1488, "1488"),
    ("sign off: 88!", CODE_88, "88"),
    # names: case, accents, homoglyphs, compatibility forms, invisible characters
    ("join the Vorbrax Legion today", NAME, "Vorbrax Legion"),
    ("join the VORBRAX LEGION today", NAME, "VORBRAX LEGION"),
    ("join the vorbrax   legion today", NAME, "vorbrax   legion"),
    ("join the Vörbräx Légion today", NAME, "Vörbräx Légion"),
    ("join the Vo\u0308rbrax Legion today", NAME, "Vo\u0308rbrax Legion"),
    ("join the Vоrbrах Lеgiоn today", NAME, "Vоrbrах Lеgiоn"),  # Cyrillic о, х, е
    ("join the Vοrbrαx Legion today", NAME, "Vοrbrαx Legion"),  # Greek ο, α
    ("join the ＶＯＲＢＲＡＸ ＬＥＧＩＯＮ today", NAME, "ＶＯＲＢＲＡＸ ＬＥＧＩＯＮ"),
    ("join the 𝐕𝐨𝐫𝐛𝐫𝐚𝐱 𝐋𝐞𝐠𝐢𝐨𝐧 today", NAME, "𝐕𝐨𝐫𝐛𝐫𝐚𝐱 𝐋𝐞𝐠𝐢𝐨𝐧"),
    ("join the ᴠᴏʀʙʀᴀx ʟᴇɢɪᴏɴ today", NAME, "ᴠᴏʀʙʀᴀx ʟᴇɢɪᴏɴ"),
    ("join the Vor\u200bbrax Le\u200cgi\u2060on today", NAME, "Vor\u200bbrax Le\u200cgi\u2060on"),
    ("join the Vor\u00adbrax Legion today", NAME, "Vor\u00adbrax Legion"),
    ("join the \ufeffVorbrax Legion\u200d today", NAME, "Vorbrax Legion"),
    ("#VorbraxLegion all day", NAME, "#VorbraxLegion"),
    ("#vorbraxlegion all day", NAME, "#vorbraxlegion"),
    ("my v0rbr4x crew", NAME, "v0rbr4x"),
    # a Cyrillic-script name, written in mixed scripts
    ("слава Ворбракс", CYRILLIC, "Ворбракс"),
    ("слава ВОРБРАКС", CYRILLIC, "ВОРБРАКС"),
    ("слава Bopбpakc", CYRILLIC, "Bopбpakc"),  # Latin B, o, p, a, k, c among Cyrillic
    # a slogan whose profile ignores separators and reads leetspeak
    ("kelmar tides rise", SLOGAN, "kelmar tides rise"),
    ("k e l m a r t i d e s r i s e", SLOGAN, "k e l m a r t i d e s r i s e"),
    ("Kelmar-tides-rise!", SLOGAN, "Kelmar-tides-rise"),
    ("kelmar.tides.rise", SLOGAN, "kelmar.tides.rise"),
    ("kelmar\ntides, rise", SLOGAN, "kelmar\ntides, rise"),
    ("k3lm4r t1d3s r1s3", SLOGAN, "k3lm4r t1d3s r1s3"),
    ("KELM@R TIDE$ RISE", SLOGAN, "KELM@R TIDE$ RISE"),
    ("k3lmar-tid3s-ri5e", SLOGAN, "k3lmar-tid3s-ri5e"),
    ("kelmаr tidеs risе", SLOGAN, "kelmаr tidеs risе"),  # Cyrillic а, е
    # emoji sequences, with presentation selectors and skin tones around them
    ("look 🦩🌵 here", EMOJI, "🦩🌵"),
    ("look 🦩\ufe0f🌵 here", EMOJI, "🦩\ufe0f🌵"),
    ("look🦩🌵🏽here", EMOJI, "🦩🌵🏽"),
]


@pytest.mark.parametrize(("text", "record_id", "covered"), EVASIONS)
def test_evasions_of_an_indicator_still_match(
    evasion_matcher: Matcher, text: str, record_id: str, covered: str
) -> None:
    found = {r.record_id: r for r in evasion_matcher.match(text)}
    assert record_id in found, f"{record_id} not found in {text!r}"
    spans = [(m.start, m.end, m.text) for m in found[record_id].matches]
    start = text.index(covered)
    assert (start, start + len(covered), covered) in spans


# Texts where an indicator's characters appear but the indicator is not there.
NOT_MATCHING = [
    "born in 1988, retired in 2014",  # 88 and 14 inside years
    "order 214889 has shipped",  # 1488 inside a longer number
    "invoice 14880, ref 881488x",
    "tel. 0301488123",
    "the 88mph scene",  # a number glued to a word is part of that word
    "model B88 and x1488",
    "Vorbraxian studies",  # the name inside a longer word
    "preVorbrax Legionnaires",
    "vorbraxlegion",  # a name with its space dropped: that profile keeps separators
    "Vorbrax, Legion",  # ... and its punctuation
    "tidewater and riptide",  # a word inside longer words
    "kelmar tides risen",
    "1337 h4x0r",  # digits only are a number, never leetspeak for a word
    "k3lmar tides ri5en",
    "a 🦩 and a 🌵",
]


@pytest.mark.parametrize("text", NOT_MATCHING)
def test_benign_look_alikes_do_not_match(evasion_matcher: Matcher, text: str) -> None:
    assert evasion_matcher.match(text) == []


# Texts where a code stands as a number of its own but reads as something benign: the match
# is reported, for a person, with why it may be benign.
NUMBERS_FOR_REVIEW = [
    ("only €14.88 today", CODE_1488, "price"),
    ("only 14,88 € today", CODE_1488, "price"),
    ("only 14.88 EUR today", CODE_1488, "price"),
    ("EUR 14.88 only", CODE_1488, "price"),
    ("pay $88 now", CODE_88, "price"),
    ("we met on 1/4/88", CODE_1488, "date"),
    ("we met on 14.8.8", CODE_1488, "date"),
    ("1,488 people came", CODE_1488, "number-format"),
    ("1.488 Teilnehmer", CODE_1488, "number-format"),
    ("call +49 30 1488 1234", CODE_1488, "longer-number"),
    ("born 19 88", CODE_88, "longer-number"),
    ("row 1: 88 seats", CODE_88, "longer-number"),
    ("88% agree", CODE_88, "quantity"),
]


@pytest.mark.parametrize(("text", "record_id", "collision"), NUMBERS_FOR_REVIEW)
def test_numbers_that_look_benign_go_to_review(
    evasion_matcher: Matcher, text: str, record_id: str, collision: str
) -> None:
    found = {r.record_id: r for r in evasion_matcher.match(text)}
    assert set(found) == {record_id}
    (match,) = found[record_id].matches
    assert match.collision == collision
    assert match.action is Action.REVIEW
    assert found[record_id].action is Action.REVIEW


# The word or number in an unrelated sense: matched, but never for automatic action, because
# the record's guidance says it is ambiguous.
AMBIGUOUS_SENSES = [
    ("the tide is high", WORD, Action.REVIEW),
    ("Route 88 is closed", CODE_88, Action.REVIEW),
    ("I am 88 years old", CODE_88, Action.REVIEW),
    ("Columbus was not there in 1488", CODE_1488, Action.CONTEXT),
]


@pytest.mark.parametrize(("text", "record_id", "action"), AMBIGUOUS_SENSES)
def test_ambiguous_records_are_never_actioned_automatically(
    evasion_matcher: Matcher, text: str, record_id: str, action: Action
) -> None:
    (found,) = evasion_matcher.match(text)
    assert found.record_id == record_id
    assert found.action is action
    assert all(m.action is action for m in found.matches)


def test_low_ambiguity_match_without_collision_may_be_automatic(
    evasion_matcher: Matcher,
) -> None:
    (found,) = evasion_matcher.match("the Vorbrax Legion marched")
    assert found.action is Action.AUTOMATIC
    assert found.guidance.ambiguity == "low"


def test_a_code_inside_a_longer_matched_code_is_not_reported_twice(
    evasion_matcher: Matcher,
) -> None:
    found = {r.record_id: r for r in evasion_matcher.match("we say 14 88")}
    assert set(found) == {CODE_1488}


def test_matches_of_one_record_are_grouped_in_text_order(evasion_matcher: Matcher) -> None:
    text = "#VorbraxLegion: the VORBRAX legion and v0rbr4x, with 88"
    records = evasion_matcher.match(text)
    assert [r.record_id for r in records] == [NAME, CODE_88]
    name = records[0]
    assert [m.text for m in name.matches] == ["#VorbraxLegion", "VORBRAX legion", "v0rbr4x"]
    assert [m.indicator for m in name.matches] == ["text-pattern", "text-pattern", "evasion"]
    assert name.matches[2].note == "leetspeak evasion of Vorbrax"
