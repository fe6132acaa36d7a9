"""Validation reports every problem at once, each located and in words a person understands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feed.errors import Problem, ValidationFailed
from feed.model import PackageManifest, record_uuid
from feed.source import SourceRecord, write_package
from feed.synthetic import synthetic_record_data, synthetic_records
from feed.validate import check_catalogue, load_and_validate, validate_items

from .helpers import item, synthetic_items

SYMBOL = "symbol:synthetic-0000001"
SYMBOL_FILE = "pkg/symbols/synthetic-0000001.yaml"


def symbol(**changes: Any) -> dict[str, Any]:
    return synthetic_record_data(1) | changes


def problems_of(*items: SourceRecord, known_ids: tuple[str, ...] = ()) -> list[Problem]:
    _, problems = validate_items(list(items), known_ids=known_ids)
    return sorted(problems)


def only_problem(data: dict[str, Any]) -> tuple[str, str]:
    [problem] = problems_of(item(data))
    assert (problem.file, problem.record_id) == (SYMBOL_FILE, data["id"])
    return problem.pointer, problem.message


def test_valid_records_pass_and_come_back_as_models() -> None:
    records, problems = validate_items(synthetic_items(*range(9)))
    assert problems == []
    assert records == list(synthetic_records(9))


def test_unknown_fields_are_named_with_the_allowed_ones() -> None:
    data = symbol()
    data["guidance"]["colour"] = "red"
    assert only_problem(data) == (
        "/guidance/colour",
        "unknown field 'colour' (allowed: signals, benign_uses, known_collisions, ambiguity)",
    )


def test_a_misspelt_field_gets_a_suggestion() -> None:
    data = symbol()
    data["sumary"] = data.pop("summary")
    [unknown, missing] = problems_of(item(data))
    assert (missing.pointer, missing.message) == ("/summary", "missing required field 'summary'")
    assert unknown.pointer == "/sumary"
    assert unknown.message.startswith("unknown field 'sumary' (did you mean 'summary'? allowed: id")


@pytest.mark.parametrize(
    ("changes", "pointer", "message"),
    [
        ({"name": 1488}, "/name", "must be text, not the number 1488 (put it in quotes)"),
        ({"aliases": "none"}, "/aliases", "must be a list, not the text 'none'"),
        ({"summary": {"en": ""}}, "/summary/en", "must not be empty"),
        ({"summary": {"de": "nur"}}, "/summary/en", "missing required field 'en'"),
        ({"status": "dormant"}, "/status", "'dormant' is not allowed (allowed: active, "
         "inactive, disbanded, unknown)"),
        ({"tlp": "RED"}, "/tlp", "'RED' is not allowed (allowed: CLEAR, GREEN, AMBER)"),
        ({"sources": []}, "/sources", "needs at least one entry"),
        ({"name": "x" * 501}, "/name", "is too long: 501 characters (at most 500)"),
        ({"description": 5}, "/description", "must be a mapping (key: value) (or null), "
         "not the number 5"),
        ({"uuid": "not-a-uuid"}, "/uuid", "'not-a-uuid' is not a UUID"),
        ({"id": "symbol:Bad_Slug"}, "/id", "'symbol:Bad_Slug' is not a record id `<type>:<slug>` "
         "(e.g. symbol:sonnenrad; the slug is lowercase letters and digits joined by single "
         "hyphens)"),
        ({"id": "group:synthetic-0000001"}, "/id", "the id prefix 'group' does not match the "
         "record type 'symbol' (the id must start with 'symbol:')"),
        ({"revision": 3}, "/revision", "'revision' is set by the store and releases, not in "
         "editor files: remove it"),
    ],
)  # fmt: skip
def test_wrong_values_get_a_located_plain_message(
    changes: dict[str, Any], pointer: str, message: str
) -> None:
    problems = problems_of(item(symbol(**changes), file=SYMBOL_FILE))
    assert [(p.pointer, p.message) for p in problems if p.pointer == pointer] == [
        (pointer, message)
    ]


def test_a_uuid_that_is_not_the_ids_uuid5_is_refused_naming_the_right_one() -> None:
    data = symbol(uuid="00000000-0000-5000-8000-000000000000")
    assert only_problem(data) == (
        "/uuid",
        f"must be the UUID v5 of the id, {record_uuid(SYMBOL)} (or leave it out: it is derived)",
    )
    assert problems_of(item(symbol(uuid=str(record_uuid(SYMBOL))))) == []


def test_wrong_types_deep_inside_lists_are_located() -> None:
    data = symbol()
    data["indicators"]["numeric_codes"][0]["value"] = 1488
    data["aliases"][1]["kind"] = "nickname"
    assert problems_of(item(data)) == [
        Problem(SYMBOL_FILE, SYMBOL, "/aliases/1/kind", "'nickname' is not allowed (allowed: "
                "translation, transliteration, abbreviation, former-name, coded-form, "
                "spelling-variant, alternative-name)"),
        Problem(SYMBOL_FILE, SYMBOL, "/indicators/numeric_codes/0/value",
                "must be text, not the number 1488 (put it in quotes)"),
    ]  # fmt: skip


def test_http_urls_are_refused() -> None:
    data = symbol()
    data["sources"][0]["url"] = "http://example.org/synthetic"
    assert only_problem(data) == (
        "/sources/0/url",
        "must be an https:// URL, not 'http://example.org/synthetic'",
    )


def test_urls_must_be_valid_uris() -> None:
    data = symbol()
    data["sources"][0]["url"] = "https://example.org/Zürich"
    assert only_problem(data) == (
        "/sources/0/url",
        "'https://example.org/Zürich' is not a valid URL (percent-encode spaces and non-ASCII "
        "characters)",
    )


def test_impossible_dates_are_refused() -> None:
    data = symbol()
    data["sources"][0]["accessed"] = "2023-02-29"
    assert only_problem(data) == (
        "/sources/0/accessed",
        "'2023-02-29' is not a valid date YYYY-MM-DD",
    )


def test_unregistered_language_tags_are_refused() -> None:
    data = symbol()
    data["aliases"][0]["language"] = "xx"
    data["summary"]["zz"] = "Synthetic."
    assert problems_of(item(data)) == [
        Problem(SYMBOL_FILE, SYMBOL, "/aliases/0/language",
                "'xx' is not a valid BCP 47 language tag (e.g. en, de, sr-Latn)"),
        Problem(SYMBOL_FILE, SYMBOL, "/summary/zz",
                "'zz' is not a valid BCP 47 language tag (e.g. en, de, sr-Latn)"),
    ]  # fmt: skip


def test_malformed_language_tags_are_refused_by_form() -> None:
    data = symbol()
    data["summary"]["english"] = "Synthetic."
    assert only_problem(data) == (
        "/summary/english",
        "key 'english' is not a BCP 47 language tag (e.g. en, de, sr-Latn)",
    )


def test_country_codes_must_be_assigned_iso_3166_codes() -> None:
    data = symbol(regions=["DE", "XX", "de", "XK"])
    data["designations"] = [
        {
            "authority": "Synthetic Ministry",
            "jurisdiction": "QQ",
            "instrument": "Synthetic Act",
            "listed": "2020-01-01",
            "citation": "https://example.org/synthetic/act",
        },
    ]
    assert problems_of(item(data)) == [
        Problem(SYMBOL_FILE, SYMBOL, "/designations/0/jurisdiction",
                "'QQ' is not an ISO 3166-1 country code"),
        Problem(SYMBOL_FILE, SYMBOL, "/regions/1", "'XX' is not an ISO 3166-1 country code"),
        Problem(SYMBOL_FILE, SYMBOL, "/regions/2",
                "'de' is not an ISO 3166-1 country code (two capital letters, e.g. DE)"),
    ]  # fmt: skip


def test_a_designation_cannot_end_before_it_was_listed() -> None:
    designation = {
        "authority": "Synthetic Ministry",
        "jurisdiction": "EU",
        "instrument": "Synthetic Act",
        "listed": "2021-05-01",
        "ended": "2020-12-31",
        "citation": "https://example.org/synthetic/act",
    }
    assert only_problem(symbol(designations=[designation])) == (
        "/designations/0/ended",
        "ended (2020-12-31) is before listed (2021-05-01)",
    )


def test_duplicate_aliases_are_found_ignoring_case() -> None:
    data = symbol()
    data["aliases"].append(data["aliases"][0] | {"value": data["aliases"][0]["value"].upper()})
    value = data["aliases"][0]["value"].upper()
    language = data["aliases"][0]["language"]
    assert only_problem(data) == (
        "/aliases/3",
        f"duplicate alias '{value}' in language '{language}' (same as /aliases/0, ignoring case)",
    )


def test_the_same_alias_in_another_language_is_fine() -> None:
    data = symbol()
    data["aliases"].append(data["aliases"][0] | {"language": "sr-Latn"})
    assert problems_of(item(data)) == []


def test_control_characters_in_any_text_are_refused() -> None:
    data = symbol(name="Synthetic\x07name")
    data["guidance"]["benign_uses"] = ["ok\ttab\nnewline", "C1 \x85 here"]
    data["summary"]["en"] = "lone \ud800 surrogate"
    assert problems_of(item(data)) == [
        Problem(SYMBOL_FILE, SYMBOL, "/guidance/benign_uses/1", "the text holds the control "
                "character U+0085 at position 3: only tab and newline are allowed"),
        Problem(SYMBOL_FILE, SYMBOL, "/name", "the text holds the control character U+0007 at "
                "position 9: only tab and newline are allowed"),
        Problem(SYMBOL_FILE, SYMBOL, "/summary/en",
                "the text holds a lone surrogate U+D800 (not valid Unicode)"),
    ]  # fmt: skip


def test_an_escaped_backslash_is_not_taken_for_a_control_character() -> None:
    assert problems_of(item(symbol(name="C:\\\\bfr\\u0001 literally"))) == []


def test_duplicate_ids_name_both_files() -> None:
    data = synthetic_record_data(1)
    problems = problems_of(item(data), item(data, file="other/symbols/synthetic-0000001.json"))
    assert problems == [
        Problem("other/symbols/synthetic-0000001.json", SYMBOL, "/id",
                f"duplicate id '{SYMBOL}': also in {SYMBOL_FILE}"),
        Problem(SYMBOL_FILE, SYMBOL, "/id",
                f"duplicate id '{SYMBOL}': also in other/symbols/synthetic-0000001.json"),
    ]  # fmt: skip


def test_relations_to_missing_records_are_dangling_unless_the_store_has_them() -> None:
    data = synthetic_record_data(7)  # relates to synthetic 4
    problems = problems_of(item(data))
    assert problems == [
        Problem("pkg/symbols/synthetic-0000007.yaml", data["id"], "/relations/0/target",
                "points at 'symbol:synthetic-0000004', which does not exist (not in these "
                "sources and not in the store)"),
    ]  # fmt: skip
    assert problems_of(item(data), known_ids=("symbol:synthetic-0000004",)) == []


def test_relations_and_affiliates_to_the_record_itself_are_refused() -> None:
    group = synthetic_record_data(0)
    group["relations"] = [{"type": "associated-with", "target": group["id"]}]
    group["affiliates"] = [group["id"]]
    file = "pkg/groups/synthetic-0000000.yaml"
    assert problems_of(item(group)) == [
        Problem(file, group["id"], "/affiliates/0", "points at the record itself"),
        Problem(file, group["id"], "/relations/0/target", "points at the record itself"),
    ]


def test_affiliates_must_be_groups_and_uses_symbol_must_point_at_a_symbol() -> None:
    group = synthetic_record_data(0)
    group["affiliates"] = ["symbol:synthetic-0000001"]
    group["relations"] = [{"type": "uses-symbol", "target": "manifesto:synthetic-0000002"}]
    file = "pkg/groups/synthetic-0000000.yaml"
    assert problems_of(item(group), *synthetic_items(1, 2)) == [
        Problem(file, group["id"], "/affiliates/0",
                "affiliates are groups, but 'symbol:synthetic-0000001' is not"),
        Problem(file, group["id"], "/relations/0/target",
                "'uses-symbol' must point at a symbol, not 'manifesto:synthetic-0000002'"),
    ]  # fmt: skip


def test_file_name_and_folder_must_match_the_id_and_type() -> None:
    data = synthetic_record_data(1)
    assert problems_of(item(data, file="pkg/groups/sonnenrad.yaml")) == [
        Problem("pkg/groups/sonnenrad.yaml", SYMBOL, "/id", "the file name 'sonnenrad.yaml' "
                "does not match the id: name the file 'synthetic-0000001.yaml' or change the id"),
        Problem("pkg/groups/sonnenrad.yaml", SYMBOL, "/type",
                "a symbol record in groups/: move it to symbols/"),
    ]  # fmt: skip


def test_data_not_from_a_record_file_is_not_held_to_a_file_name() -> None:
    assert problems_of(item(synthetic_record_data(1), file="<upload>")) == []


def test_a_file_without_a_mapping_or_a_type_is_refused() -> None:
    assert problems_of(SourceRecord("pkg/symbols/a.yaml", ["a", "list"])) == [
        Problem("pkg/symbols/a.yaml", None, "", "a record file must hold one mapping of fields, "
                "but this one is a list"),
    ]  # fmt: skip
    assert problems_of(SourceRecord("elsewhere/a.yaml", {"name": "x"})) == [
        Problem("elsewhere/a.yaml", None, "/type",
                "missing required field 'type' (group, symbol or manifesto)"),
    ]  # fmt: skip


def test_a_missing_type_is_inferred_from_the_folder_to_check_the_rest() -> None:
    data = synthetic_record_data(1)
    del data["type"], data["category"]
    assert [(p.pointer, p.message) for p in problems_of(item(data))] == [
        ("/category", "missing required field 'category'"),
        ("/type", "missing required field 'type'"),
    ]


def test_many_problems_in_many_files_are_all_reported_at_once() -> None:
    broken_symbol = symbol(status="dormant", regions=["XX"])
    broken_symbol["sources"][0]["url"] = "http://example.org/synthetic"
    broken_group = synthetic_record_data(3) | {"colour": "red"}
    broken_group["relations"] = [{"type": "associated-with", "target": "group:nowhere"}]
    problems = problems_of(item(broken_symbol), item(broken_group), *synthetic_items(0, 2))
    assert [(p.record_id, p.pointer) for p in problems] == [
        ("group:synthetic-0000003", "/colour"),
        ("group:synthetic-0000003", "/relations/0/target"),
        (SYMBOL, "/regions/0"),
        (SYMBOL, "/sources/0/url"),
        (SYMBOL, "/status"),
    ]


def test_records_with_only_catalogue_problems_are_still_returned() -> None:
    records, problems = validate_items([item(synthetic_record_data(7))])
    assert [r.id for r in records] == ["symbol:synthetic-0000007"]
    assert len(problems) == 1


def test_check_catalogue_checks_models_from_the_store_or_api() -> None:
    records = list(synthetic_records(8))
    assert check_catalogue(records) == []
    problems = check_catalogue(records[5:], files={records[5].id: "api"})
    assert problems == [
        Problem("api", records[5].id, "/relations/0/target",
                "points at 'manifesto:synthetic-0000002', which does not exist (not in these "
                "sources and not in the store)"),
        Problem(None, records[6].id, "/relations/0/target",
                "points at 'group:synthetic-0000003', which does not exist (not in these "
                "sources and not in the store)"),
        Problem(None, records[7].id, "/relations/0/target",
                "points at 'symbol:synthetic-0000004', which does not exist (not in these "
                "sources and not in the store)"),
    ]  # fmt: skip
    assert check_catalogue(records[5:], known_ids={r.id for r in records}) == []
    twice = check_catalogue([records[0], records[0]])
    assert [p.message for p in twice] == [
        "duplicate id 'group:synthetic-0000000': the batch holds it 2 times"
    ] * 2


def test_load_and_validate_reports_read_and_validation_problems_together(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    write_package(tmp_path / "pkg", manifest, synthetic_records(9))
    (tmp_path / "pkg" / "symbols" / "synthetic-0000004.yaml").write_text("name: [broken\n")
    (tmp_path / "pkg" / "groups" / "synthetic-0000003.yaml").write_text(
        (tmp_path / "pkg" / "groups" / "synthetic-0000003.yaml")
        .read_text()
        .replace("status: active", "status: dormant")
    )
    with pytest.raises(ValidationFailed) as caught:
        load_and_validate([tmp_path / "pkg"])
    # symbol 7 relates to the unreadable symbol 4: not reported as dangling on top
    assert [(Path(p.file or "").name, p.pointer) for p in caught.value.problems] == [
        ("synthetic-0000003.yaml", "/status"),
        ("synthetic-0000004.yaml", ""),
    ]


def test_load_and_validate_returns_records_with_their_files(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    write_package(tmp_path / "pkg", manifest, synthetic_records(4), fmt="json")
    result = load_and_validate([tmp_path / "pkg"])
    assert result.manifest == manifest
    assert result.files == {
        r.id: f"{tmp_path}/pkg/{r.type}s/{r.slug}.json" for r in synthetic_records(4)
    }


def test_problems_in_yaml_files_name_their_line(tmp_path: Path, manifest: PackageManifest) -> None:
    write_package(tmp_path / "pkg", manifest, synthetic_records(3))
    path = tmp_path / "pkg" / "symbols" / "synthetic-0000001.yaml"
    text = path.read_text().replace("  ambiguity: medium", "  ambiguity: hgh")
    path.write_text(text.replace("status: active\n", ""))
    line = path.read_text().splitlines().index("  ambiguity: hgh") + 1
    with pytest.raises(ValidationFailed) as caught:
        load_and_validate([tmp_path / "pkg"])
    assert [(p.pointer, p.message) for p in caught.value.problems] == [
        ("/guidance/ambiguity", f"line {line}: 'hgh' is not allowed (did you mean 'high'? "
         "allowed: low, medium, high)"),
        ("/status", "missing required field 'status'"),  # no single line to point at
    ]  # fmt: skip


def test_problems_in_json_files_name_their_line_too(
    tmp_path: Path, manifest: PackageManifest
) -> None:
    write_package(tmp_path / "pkg", manifest, synthetic_records(3), fmt="json")
    path = tmp_path / "pkg" / "groups" / "synthetic-0000000.json"
    path.write_text(path.read_text().replace('"status": "active"', '"status": "dormant"'))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "dormant" in text)
    with pytest.raises(ValidationFailed) as caught:
        load_and_validate([tmp_path / "pkg"])
    [problem] = caught.value.problems
    assert problem.message.startswith(f"line {line}: 'dormant' is not allowed")


def test_a_boolean_where_text_belongs_is_named_as_such() -> None:
    assert only_problem(symbol(name=True)) == ("/name", "must be text, not true")
