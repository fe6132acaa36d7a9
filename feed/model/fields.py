"""Constrained field types and id patterns shared by the record, release and feedback models."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

#: Namespace for the UUID v5 of every record id; fixed forever (STIX and MISP ids derive from it).
RECORD_NAMESPACE = UUID("6f1c4c1e-2d0a-5b8e-9a3e-4b7e0c6f1d21")

ID_PATTERN = r"^(group|symbol|manifesto):[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
VERSION_PATTERN = r"^[0-9]{4}\.[1-9][0-9]*$"

MAX_TEXT = 20_000
MAX_SHORT = 500

RecordId = Annotated[
    str,
    StringConstraints(pattern=ID_PATTERN, max_length=200),
    Field(
        title="Record id",
        description="Stable id `<type>:<slug>`, never reused, e.g. `symbol:sonnenrad`.",
        examples=["symbol:sonnenrad"],
    ),
]
LanguageTag = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length=35),
    Field(
        title="Language tag",
        description="BCP 47 language tag, e.g. `de`, `en-GB`, `sr-Latn`.",
        examples=["de"],
    ),
]
CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    Field(
        title="Country code",
        description="ISO 3166-1 alpha-2 country code, e.g. `DE`.",
        examples=["DE"],
    ),
]
Jurisdiction = Annotated[
    str,
    StringConstraints(pattern=r"^([A-Z]{2}|EU|UN)$"),
    Field(
        title="Jurisdiction",
        description="ISO 3166-1 alpha-2 country code, or `EU` or `UN` for those bodies.",
        examples=["DE", "EU"],
    ),
]
# ASCII only, the characters RFC 3986 allows: what the schema's `format: uri` accepts too, so the
# model and the published schema refuse the same URLs (an IRI must be percent-encoded first).
HTTPS_URL_PATTERN = r"^https://[A-Za-z0-9\[][A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$"
HttpsUrl = Annotated[
    str,
    StringConstraints(pattern=HTTPS_URL_PATTERN, max_length=2000),
    Field(
        title="HTTPS URL",
        description="An absolute https:// URL (ASCII; percent-encode anything else).",
        json_schema_extra={"format": "uri"},
    ),
]
PartialDate = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"),
    Field(
        title="Partial date",
        description="A date as precise as the sources allow: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.",
        examples=["1994", "2019-03", "2019-03-15"],
    ),
]
Version = Annotated[
    str,
    StringConstraints(pattern=VERSION_PATTERN),
    Field(title="Release version", description="Release version `YYYY.N`, e.g. `2022.1`."),
]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SHORT)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
LocalizedText = Annotated[
    dict[LanguageTag, LongText],
    Field(
        title="Localized text",
        description="Text by BCP 47 language tag; `en`, where present, is the reference version.",
        examples=[{"en": "A neo-Nazi group.", "de": "Eine neonazistische Gruppe."}],
    ),
]
