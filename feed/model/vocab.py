"""Controlled vocabularies of the catalogue: every enumerated value a record may carry."""

from __future__ import annotations

from enum import StrEnum


class RecordType(StrEnum):
    """The three kinds of record in the Knowledge Package."""

    GROUP = "group"
    SYMBOL = "symbol"
    MANIFESTO = "manifesto"


class Status(StrEnum):
    """Whether a group is still operating, or a symbol/manifesto still circulating."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DISBANDED = "disbanded"
    UNKNOWN = "unknown"


class Ideology(StrEnum):
    """Ideology tags. Broad on purpose: moderators filter by these, analysts refine in text."""

    NEO_NAZISM = "neo-nazism"
    WHITE_SUPREMACY = "white-supremacy"
    ACCELERATIONISM = "accelerationism"
    ETHNO_NATIONALISM = "ethno-nationalism"
    ANTISEMITISM = "antisemitism"
    ANTI_MUSLIM = "anti-muslim"
    ANTI_GOVERNMENT = "anti-government"
    ECO_FASCISM = "eco-fascism"
    FASCISM = "fascism"
    GREAT_REPLACEMENT = "great-replacement-conspiracy"
    MISOGYNY_INCEL = "misogynist-incel"
    JIHADISM = "jihadism"
    LEFT_WING_VIOLENT = "left-wing-violent-extremism"
    ANARCHIST_VIOLENT = "anarchist-violent-extremism"
    ETHNO_SEPARATIST = "ethno-nationalist-separatism"
    CONSPIRACY = "conspiracy-driven"
    OTHER = "other"


class AliasKind(StrEnum):
    """How an alias relates to the record's name."""

    TRANSLATION = "translation"
    TRANSLITERATION = "transliteration"
    ABBREVIATION = "abbreviation"
    FORMER_NAME = "former-name"
    CODED_FORM = "coded-form"
    SPELLING_VARIANT = "spelling-variant"
    ALTERNATIVE_NAME = "alternative-name"


class RelationType(StrEnum):
    """Typed, directed links from one record to another."""

    USES_SYMBOL = "uses-symbol"
    ASSOCIATED_WITH = "associated-with"
    SUCCESSOR_OF = "successor-of"
    VARIANT_OF = "variant-of"
    INSPIRED_BY = "inspired-by"


class Ambiguity(StrEnum):
    """How often the indicator has innocent uses. Decides automatic vs human-review handling."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Confidence(StrEnum):
    """How sure the editors are of the record as a whole."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Tlp(StrEnum):
    """Traffic Light Protocol 2.0 marking: who may receive the record."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"


class SymbolCategory(StrEnum):
    """What kind of thing a symbol is."""

    NUMERIC = "numeric"
    ALPHANUMERIC = "alphanumeric"
    SLOGAN = "slogan"
    HAND_SIGN = "hand-sign"
    RUNE_OR_GLYPH = "rune-or-glyph"
    FLAG = "flag"
    LOGO = "logo"
    MEME = "meme"
    EMOJI = "emoji"


class GroupKind(StrEnum):
    """How a group is organised."""

    ORGANISATION = "organisation"
    MOVEMENT = "movement"
    NETWORK = "network"


class PatternKind(StrEnum):
    """What a text pattern is, which decides its default normalization."""

    NAME = "name"
    SLOGAN = "slogan"
    NUMERIC_CODE = "numeric-code"
    HASHTAG = "hashtag"
    EMOJI_SEQUENCE = "emoji-sequence"
    PHRASE = "phrase"


class EvasionTechnique(StrEnum):
    """Known ways people disguise an indicator."""

    SPACING = "spacing"
    PUNCTUATION = "punctuation"
    LEETSPEAK = "leetspeak"
    HOMOGLYPH = "homoglyph"
    INVISIBLE_CHARACTERS = "invisible-characters"
    MIXED_SCRIPT = "mixed-script"
    ABBREVIATION = "abbreviation"
    ARITHMETIC = "arithmetic"
    EMOJI_SUBSTITUTION = "emoji-substitution"
    OTHER = "other"


class HashAlgorithm(StrEnum):
    """Cryptographic hash algorithms for exact file matching."""

    SHA256 = "sha256"
    MD5 = "md5"
    SHA1 = "sha1"


class PerceptualAlgorithm(StrEnum):
    """Perceptual hash algorithms for near-duplicate image/video matching."""

    PDQ = "pdq"
    PHASH = "phash"
    TMK_PDQF = "tmk-pdqf"


class DerivativeKind(StrEnum):
    """Forms in which a manifesto's content is re-published, all in scope for moderation."""

    TRANSLATION = "translation"
    EXCERPT = "excerpt"
    AUDIO = "audio"
    VIDEO = "video"
    SUMMARY_PROMOTING = "promotional-summary"
    OTHER = "other"


class EditorialState(StrEnum):
    """Where a record is in the editorial workflow (store only; never published)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    RETIRED = "retired"
