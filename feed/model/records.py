"""Catalogue records (groups, symbols, manifestos) as strict pydantic models: the contract."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Self, TypeAlias
from uuid import UUID, uuid5

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from feed.model.fields import (
    HTTPS_URL_PATTERN as HTTPS_URL_PATTERN,
)
from feed.model.fields import (
    ID_PATTERN as ID_PATTERN,
)
from feed.model.fields import (
    MAX_SHORT as MAX_SHORT,
)
from feed.model.fields import (
    MAX_TEXT as MAX_TEXT,
)

# The field types live in feed.model.fields; re-exported here, where the models use them.
from feed.model.fields import (
    RECORD_NAMESPACE as RECORD_NAMESPACE,
)
from feed.model.fields import (
    SLUG_PATTERN as SLUG_PATTERN,
)
from feed.model.fields import (
    VERSION_PATTERN as VERSION_PATTERN,
)
from feed.model.fields import (
    CountryCode as CountryCode,
)
from feed.model.fields import (
    HttpsUrl as HttpsUrl,
)
from feed.model.fields import (
    Jurisdiction as Jurisdiction,
)
from feed.model.fields import (
    LanguageTag as LanguageTag,
)
from feed.model.fields import (
    LocalizedText as LocalizedText,
)
from feed.model.fields import (
    LongText as LongText,
)
from feed.model.fields import (
    PartialDate as PartialDate,
)
from feed.model.fields import (
    RecordId as RecordId,
)
from feed.model.fields import (
    ShortText as ShortText,
)
from feed.model.fields import (
    Version as Version,
)
from feed.model.vocab import (
    AliasKind,
    Ambiguity,
    Confidence,
    DerivativeKind,
    EvasionTechnique,
    GroupKind,
    HashAlgorithm,
    Ideology,
    PatternKind,
    PerceptualAlgorithm,
    RelationType,
    Status,
    SymbolCategory,
    Tlp,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Alias(_Strict):
    """Another name a record goes by, in one language and script."""

    value: ShortText = Field(title="Value", description="The alias exactly as written.")
    language: LanguageTag = Field(
        title="Language", description="BCP 47 tag of the language the alias is in."
    )
    script: str | None = Field(
        default=None,
        pattern=r"^[A-Z][a-z]{3}$",
        title="Script",
        description="ISO 15924 script code when it matters, e.g. `Latn`, `Cyrl`, `Runr`.",
    )
    kind: AliasKind = Field(title="Kind", description="How the alias relates to the name.")
    first_seen: PartialDate | None = Field(
        default=None, title="First seen", description="When the alias was first documented."
    )


class LegalDesignation(_Strict):
    """A ban, proscription or listing by an authority, with its citation."""

    authority: ShortText = Field(
        title="Authority", description="Who designated, e.g. `Federal Ministry of the Interior`."
    )
    jurisdiction: Jurisdiction = Field(title="Jurisdiction", description="Where it applies.")
    instrument: ShortText = Field(
        title="Instrument",
        description="The legal instrument, e.g. `Terrorism Act 2000, Schedule 2`.",
    )
    listed: dt.date = Field(title="Date listed", description="When the designation took effect.")
    ended: dt.date | None = Field(
        default=None, title="Date ended", description="When it was lifted, if it was."
    )
    citation: HttpsUrl = Field(
        title="Citation", description="Official publication of the designation."
    )


class Relation(_Strict):
    """A typed link from this record to another record in the catalogue."""

    type: RelationType = Field(title="Relation type", description="What the link means.")
    target: RecordId = Field(title="Target", description="Id of the related record.")
    note: ShortText | None = Field(
        default=None, title="Note", description="Why the link holds, in a sentence."
    )


class Guidance(_Strict):
    """Moderation guidance: what the record signals and how not to over-enforce it."""

    signals: LongText = Field(
        title="What it signals", description="What the presence of this item signals, and when."
    )
    benign_uses: list[LongText] = Field(
        default_factory=list,
        title="Benign uses",
        description="Legitimate uses moderators will meet (heritage, religion, news, numbers).",
    )
    known_collisions: list[LongText] = Field(
        default_factory=list,
        title="Known collisions",
        description="Unrelated things with the same look or spelling (brands, prices, codes).",
    )
    ambiguity: Ambiguity = Field(
        title="Ambiguity",
        description="`low`: may be actioned automatically; `medium`/`high`: context needed; "
        "`high` matches must always go to human review.",
    )


class NormalizationProfile(_Strict):
    """Which normalization steps apply before a text pattern is matched."""

    casefold: bool = Field(
        default=True, title="Case-fold", description="Unicode NFKC plus case folding."
    )
    strip_accents: bool = Field(
        default=True, title="Strip accents", description="Remove combining marks (é -> e)."
    )
    fold_confusables: bool = Field(
        default=True,
        title="Fold confusables",
        description="Map look-alike characters (Cyrillic а, Greek ο) to their Latin forms.",
    )
    strip_invisible: bool = Field(
        default=True,
        title="Strip invisible",
        description="Remove zero-width and other invisible characters.",
    )
    ignore_separators: bool = Field(
        default=False,
        title="Ignore separators",
        description="Ignore spaces and punctuation between characters (`14/88`, `14 88`).",
    )
    leetspeak: bool = Field(
        default=False,
        title="Leetspeak",
        description="Map digits and signs to letters (`h8` -> `hb`); alphabetic patterns only.",
    )


class TextPattern(_Strict):
    """A text indicator: a string to look for, with how to normalize and bound it."""

    value: ShortText = Field(title="Value", description="The pattern as it is usually written.")
    kind: PatternKind = Field(title="Kind", description="What sort of text this is.")
    language: LanguageTag | None = Field(
        default=None, title="Language", description="Language, when the pattern has one."
    )
    normalization: NormalizationProfile = Field(
        default_factory=NormalizationProfile,
        title="Normalization",
        description="Normalization applied to both pattern and text before matching.",
    )
    word_boundaries: bool = Field(
        default=True,
        title="Word boundaries",
        description="Match only as a whole token (`1488` must not fire inside `214889`).",
    )


class NumericCode(_Strict):
    """A number used as a code (e.g. 88, 1488), matched with separators ignored."""

    value: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}$")] = Field(
        title="Digits", description="The code's digits only, e.g. `1488`."
    )
    display: ShortText | None = Field(
        default=None, title="Display form", description="How it is usually written, e.g. `14/88`."
    )
    meaning: ShortText = Field(title="Meaning", description="What the number stands for.")


class Evasion(_Strict):
    """A documented way of disguising one of the record's indicators."""

    value: ShortText = Field(title="Value", description="The disguised form as seen.")
    technique: EvasionTechnique = Field(title="Technique", description="How it is disguised.")
    of: ShortText | None = Field(
        default=None, title="Disguises", description="The pattern or code it stands for."
    )


class FileHash(_Strict):
    """A cryptographic hash of a known file."""

    algorithm: HashAlgorithm = Field(title="Algorithm", description="Hash algorithm.")
    value: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32,128}$")] = Field(
        title="Value", description="Lowercase hexadecimal digest."
    )
    description: ShortText | None = Field(
        default=None, title="Description", description="Which file this is (format, edition)."
    )


class PerceptualHash(_Strict):
    """A perceptual hash of an image or video, for near-duplicate matching."""

    algorithm: PerceptualAlgorithm = Field(title="Algorithm", description="Hash algorithm.")
    value: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16,512}$")] = Field(
        title="Value", description="Lowercase hexadecimal hash."
    )
    quality: int | None = Field(
        default=None, ge=0, le=100, title="Quality", description="Quality score, where defined."
    )
    description: ShortText | None = Field(
        default=None, title="Description", description="Which image or video this is."
    )


class Indicators(_Strict):
    """Everything a moderation tool can look for to find the record in content."""

    text_patterns: list[TextPattern] = Field(
        default_factory=list, title="Text patterns", description="Strings to look for."
    )
    numeric_codes: list[NumericCode] = Field(
        default_factory=list, title="Numeric codes", description="Numbers used as codes."
    )
    evasions: list[Evasion] = Field(
        default_factory=list, title="Known evasions", description="Documented disguised forms."
    )
    file_hashes: list[FileHash] = Field(
        default_factory=list, title="File hashes", description="Hashes of known files."
    )
    perceptual_hashes: list[PerceptualHash] = Field(
        default_factory=list,
        title="Perceptual hashes",
        description="Perceptual hashes of known images or videos.",
    )


class Source(_Strict):
    """A public source for the facts in a record."""

    title: ShortText = Field(title="Title", description="Title of the cited document or page.")
    publisher: ShortText = Field(title="Publisher", description="Who published it.")
    url: HttpsUrl = Field(title="URL", description="Where it can be read.")
    accessed: dt.date = Field(title="Accessed", description="When an editor last checked it.")


class ReferenceImage(_Strict):
    """A reference image of a symbol, identified by hash (images are not shipped in the feed)."""

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        title="SHA-256", description="SHA-256 of the image file held by the editors."
    )
    description: ShortText = Field(title="Description", description="What the image shows.")
    perceptual_hashes: list[PerceptualHash] = Field(
        default_factory=list, title="Perceptual hashes", description="Hashes of the image."
    )


class Attack(_Strict):
    """The attack a manifesto is associated with."""

    date: dt.date = Field(title="Date", description="Date of the attack.")
    place: ShortText = Field(title="Place", description="Town or city, as reported.")
    country: CountryCode = Field(title="Country", description="Country of the attack.")


class FileVariant(_Strict):
    """A known file form of a manifesto, identified only by hashes."""

    format: ShortText = Field(title="Format", description="File format, e.g. `PDF`, `DOCX`.")
    language: LanguageTag | None = Field(
        default=None, title="Language", description="Language of this variant."
    )
    hashes: list[FileHash] = Field(
        min_length=1, title="Hashes", description="Hashes identifying this exact file."
    )
    description: ShortText | None = Field(
        default=None, title="Description", description="What distinguishes this variant."
    )


class Derivative(_Strict):
    """A derivative form of a manifesto that is in scope for moderation."""

    kind: DerivativeKind = Field(title="Kind", description="What form the derivative takes.")
    language: LanguageTag | None = Field(
        default=None, title="Language", description="Language of the derivative."
    )
    description: LongText = Field(
        title="Description", description="How to recognise it, without reproducing it."
    )


class RecordBase(_Strict):
    """Fields every record has."""

    id: RecordId
    uuid: UUID | None = Field(
        default=None,
        title="UUID",
        description="UUID v5 of `id` in kpfeed's namespace; used for STIX and MISP ids. "
        "Optional in editor files (it is derived), always present in published files.",
    )
    name: ShortText = Field(title="Name", description="The name moderators know it by.")
    aliases: list[Alias] = Field(
        default_factory=list, title="Aliases", description="Other names, by language."
    )
    summary: LocalizedText = Field(
        title="Summary",
        description="One or two sentences, by language; the `en` text is required.",
        json_schema_extra={"required": ["en"]},
    )
    description: LocalizedText | None = Field(
        default=None, title="Description", description="A longer account, by language."
    )
    ideologies: list[Ideology] = Field(
        default_factory=list, title="Ideologies", description="Ideology tags."
    )
    regions: list[CountryCode] = Field(
        default_factory=list, title="Regions", description="Countries where it is active or seen."
    )
    status: Status = Field(title="Status", description="Whether it is active or circulating.")
    designations: list[LegalDesignation] = Field(
        default_factory=list,
        title="Legal designations",
        description="Bans, proscriptions and listings.",
    )
    relations: list[Relation] = Field(
        default_factory=list, title="Relations", description="Links to other records."
    )
    guidance: Guidance = Field(title="Moderation guidance", description="How to moderate it.")
    indicators: Indicators = Field(
        default_factory=Indicators, title="Indicators", description="What to look for."
    )
    sources: list[Source] = Field(
        min_length=1, title="Sources", description="Public sources for the facts in the record."
    )
    tlp: Tlp = Field(default=Tlp.CLEAR, title="TLP", description="TLP 2.0 marking.")
    confidence: Confidence = Field(
        default=Confidence.MEDIUM, title="Confidence", description="Editors' confidence."
    )
    revision: int = Field(
        default=1, ge=1, title="Revision", description="Increases by one with every change."
    )
    created: AwareDatetime | None = Field(
        default=None, title="Created", description="When the record was first stored (UTC)."
    )
    modified: AwareDatetime | None = Field(
        default=None, title="Modified", description="When this revision was stored (UTC)."
    )
    first_released_in: Version | None = Field(
        default=None, title="First released in", description="Release that first carried it."
    )
    last_changed_in: Version | None = Field(
        default=None,
        title="Last changed in",
        description="First release with this revision.",
    )
    retired_in: Version | None = Field(
        default=None,
        title="Retired in",
        description="Release that retired it; a retired record stays as a tombstone.",
    )

    @model_validator(mode="after")
    def _derive_uuid(self) -> Self:
        expected = record_uuid(self.id)
        if self.uuid is None:
            object.__setattr__(self, "uuid", expected)
        elif self.uuid != expected:
            raise ValueError(f"uuid must be the UUID v5 of the id, {expected}")
        if "en" not in self.summary:
            raise ValueError("summary needs an `en` text (the reference version)")
        prefix = self.id.split(":", 1)[0]
        if prefix != getattr(self, "type", prefix):
            raise ValueError(f"id prefix '{prefix}' does not match type '{self.type}'")  # type: ignore[attr-defined]
        return self

    @property
    def slug(self) -> str:
        return self.id.split(":", 1)[1]


class Group(RecordBase):
    """A violent extremist organisation, movement or network."""

    type: Literal["group"] = Field(title="Type", description="Always `group`.")
    kind: GroupKind = Field(title="Kind", description="How the group is organised.")
    founded: PartialDate | None = Field(default=None, title="Founded", description="Founding date.")
    dissolved: PartialDate | None = Field(
        default=None,
        title="Dissolved",
        description="When it dissolved or was dissolved by a ban.",
    )
    affiliates: list[RecordId] = Field(
        default_factory=list,
        title="Affiliates",
        description="Ids of affiliated group records (chapters, fronts, splinters).",
    )


class Symbol(RecordBase):
    """A symbol, code, slogan, gesture or image used by violent extremists."""

    type: Literal["symbol"] = Field(title="Type", description="Always `symbol`.")
    category: SymbolCategory = Field(title="Category", description="What kind of symbol it is.")
    visual_description: LongText | None = Field(
        default=None,
        title="Visual description",
        description="How it looks, in words, for symbols that are seen rather than read.",
    )
    reference_images: list[ReferenceImage] = Field(
        default_factory=list,
        title="Reference images",
        description="Images held by the editors, by hash.",
    )


class Manifesto(RecordBase):
    """A document published by an attacker; described, never reproduced or linked."""

    type: Literal["manifesto"] = Field(title="Type", description="Always `manifesto`.")
    title: ShortText = Field(title="Title", description="Title under which it circulates.")
    attack: Attack | None = Field(
        default=None, title="Attack", description="The attack it is associated with."
    )
    languages: list[LanguageTag] = Field(
        default_factory=list, title="Languages", description="Languages of the original."
    )
    file_variants: list[FileVariant] = Field(
        default_factory=list,
        title="File variants",
        description="Known files, by hash only; never links or text.",
    )
    derivatives: list[Derivative] = Field(
        default_factory=list,
        title="In-scope derivatives",
        description="Translations, excerpts, audio and other forms also in scope.",
    )


Record: TypeAlias = Annotated[Group | Symbol | Manifesto, Field(discriminator="type")]
RECORD_ADAPTER: TypeAdapter[Group | Symbol | Manifesto] = TypeAdapter(Record)
RECORD_CLASSES: dict[str, type[RecordBase]] = {
    "group": Group,
    "symbol": Symbol,
    "manifesto": Manifesto,
}
#: Lifecycle fields are managed by the store and releases, not by editors.
LIFECYCLE_FIELDS = frozenset(
    {"revision", "created", "modified", "first_released_in", "last_changed_in", "retired_in"}
)


def record_uuid(record_id: str) -> UUID:
    """The UUID v5 of a record id; stable forever."""
    return uuid5(RECORD_NAMESPACE, record_id)


def parse_record(data: Any) -> Group | Symbol | Manifesto:
    """Build a record from plain data (raises pydantic.ValidationError)."""
    return RECORD_ADAPTER.validate_python(data)


def dump_record(record: RecordBase) -> dict[str, Any]:
    """Plain JSON-ready data for a record: the canonical form, with unset optionals left out."""
    return record.model_dump(mode="json", exclude_none=True)


def content_of(record: RecordBase) -> dict[str, Any]:
    """A record's editable content, without lifecycle fields: what a revision changes."""
    data = dump_record(record)
    for name in LIFECYCLE_FIELDS:
        data.pop(name, None)
    return data
