"""The read API over published releases: filters, search, stable paging, history, diffs, ETags."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from feed.model import parse_record
from feed.store.db import make_engine, transaction
from feed.store.notes import add_note
from feed.store.tables import NoteKind
from tests.integration.api.catalogue import SEARCHABLE, Catalogue, build_catalogue
from tests.integration.api.common import client_for, settings_for

pytestmark = pytest.mark.anyio

SEARCHABLE_ID = f"group:synthetic-{SEARCHABLE:07d}"


async def _all_pages(client: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("paging did not end")


async def test_releases_lists_only_published_releases_newest_first(
    tmp_path: Path, store_url: str, catalogue: Catalogue
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        listed = (await client.get("/api/v1/releases")).json()
        one = await client.get("/api/v1/releases/2024.1")
        draft = await client.get("/api/v1/releases/2024.3")
    assert [r["version"] for r in listed["items"]] == ["2024.2", "2024.1"]
    assert one.json()["counts"]["total"] == 20
    assert "created_by" not in one.text
    assert "synthetic-publisher" not in one.text
    assert draft.status_code == 404
    assert draft.headers["content-type"] == "application/problem+json"


async def test_records_default_to_the_newest_published_release_and_match_the_model(
    tmp_path: Path, store_url: str, catalogue: Catalogue
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        items = await _all_pages(client, "/api/v1/records", limit=7)
    assert [r["id"] for r in items] == sorted(catalogue.releases["2024.2"])
    for item in items:
        record = parse_record(item)
        assert record.revision == catalogue.releases["2024.2"][record.id]
        assert record.first_released_in in ("2024.1", "2024.2")
    changed = next(r for r in items if r["id"] == "symbol:synthetic-0000001")
    assert changed["summary"]["en"].startswith("Changed (variant 1)")
    assert changed["first_released_in"] == "2024.1"
    assert changed["last_changed_in"] == "2024.2"


async def test_a_cursor_pins_its_release_and_pages_neither_repeat_nor_skip(
    tmp_path: Path, store_url: str, catalogue: Catalogue
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        first = (
            await client.get("/api/v1/records", params={"release": "2024.1", "limit": 6})
        ).json()
        rest = await _all_pages(client, "/api/v1/records", cursor=first["next_cursor"], limit=6)
        mismatch = await client.get(
            "/api/v1/records", params={"release": "2024.2", "cursor": first["next_cursor"]}
        )
        forged = await client.get("/api/v1/records", params={"cursor": "bm90LWEtY3Vyc29y"})
    ids = [r["id"] for r in first["items"] + rest]
    assert ids == sorted(catalogue.releases["2024.1"])
    assert len(ids) == len(set(ids))
    assert mismatch.status_code == 400
    assert forged.status_code == 400
    assert forged.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"type": "symbol"}, lambda r: r["type"] == "symbol"),
        ({"ambiguity": "high"}, lambda r: r["guidance"]["ambiguity"] == "high"),
        ({"ideology": "accelerationism"}, lambda r: "accelerationism" in r["ideologies"]),
        ({"region": "DE"}, lambda r: "DE" in r["regions"]),
        ({"status": "active"}, lambda r: r["status"] == "active"),
        (
            {"type": "group", "region": "AT", "ideology": "accelerationism"},
            lambda r: (
                r["type"] == "group"
                and "AT" in r["regions"]
                and "accelerationism" in r["ideologies"]
            ),
        ),
    ],
)
async def test_filters_return_exactly_the_matching_records(
    tmp_path: Path, store_url: str, catalogue: Catalogue, params: dict[str, str], predicate: Any
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        everything = await _all_pages(client, "/api/v1/records", limit=200)
        filtered = await _all_pages(client, "/api/v1/records", limit=3, **params)
    expected = [r["id"] for r in everything if predicate(r)]
    assert expected, "the fixture must hold matching records for the test to mean anything"
    assert [r["id"] for r in filtered] == expected


@pytest.mark.parametrize(
    "q",
    [
        "Synthétique Ràd-Wheel",
        "synthetique radwheel",
        "SYNTHETIQUE-RAD WHEEL",
        "zynth orb",
        "ÖRB30",
    ],
)
async def test_search_ignores_case_accents_and_separators_over_names_and_aliases(
    tmp_path: Path, store_url: str, catalogue: Catalogue, q: str
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        found = await _all_pages(client, "/api/v1/records", q=q)
    assert [r["id"] for r in found] == [SEARCHABLE_ID]


async def test_search_does_not_match_across_two_names_or_text_without_letters(
    tmp_path: Path, store_url: str, catalogue: Catalogue
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        across = await _all_pages(client, "/api/v1/records", q="0000030 zynth")
        empty = await client.get("/api/v1/records", params={"q": "- / -"})
        old = await _all_pages(client, "/api/v1/records", q="zynth", release="2024.1")
    assert across == []
    assert empty.status_code == 400
    assert old == []


async def test_one_record_with_its_history_by_release(
    tmp_path: Path, store_url: str, catalogue: Catalogue
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        current = (await client.get("/api/v1/records/symbol:synthetic-0000001")).json()
        old = (
            await client.get(
                "/api/v1/records/symbol:synthetic-0000001", params={"release": "2024.1"}
            )
        ).json()
        gone = await client.get("/api/v1/records/manifesto:synthetic-0000002")
        gone_before = (
            await client.get(
                "/api/v1/records/manifesto:synthetic-0000002", params={"release": "2024.1"}
            )
        ).json()
        draft_only = await client.get("/api/v1/records/symbol:synthetic-0000025")
    assert current["release"] == "2024.2"
    assert current["record"]["revision"] == 2
    assert old["record"]["revision"] == 1
    assert current["history"] == [
        {"version": "2024.1", "op": "ADD", "revision": 1},
        {"version": "2024.2", "op": "MOD", "revision": 2},
    ]
    assert gone.status_code == 404
    assert gone_before["history"] == [
        {"version": "2024.1", "op": "ADD", "revision": 1},
        {"version": "2024.2", "op": "DEL", "revision": None},
    ]
    assert draft_only.status_code == 404


async def test_diff_between_two_releases_in_both_directions(
    tmp_path: Path, store_url: str, catalogue: Catalogue
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        forward = await _all_pages(
            client, "/api/v1/diff", limit=2, **{"from": "2024.1", "to": "2024.2"}
        )
        backward = await _all_pages(client, "/api/v1/diff", **{"from": "2024.2", "to": "2024.1"})
        same = await _all_pages(client, "/api/v1/diff", **{"from": "2024.2", "to": "2024.2"})
        draft = await client.get("/api/v1/diff", params={"from": "2024.2", "to": "2024.3"})
    ops = {e["id"]: e["op"] for e in forward}
    assert ops.pop("symbol:synthetic-0000001") == "MOD"
    assert ops.pop("manifesto:synthetic-0000002") == "DEL"
    assert ops.pop(SEARCHABLE_ID) == "ADD"
    assert set(ops.values()) == {"ADD"}
    assert len(ops) == 5
    mod = next(e for e in forward if e["op"] == "MOD")
    assert "summary" in mod["fields"]
    assert mod["fields"] == sorted(mod["fields"])
    assert not {"revision", "modified", "last_changed_in"} & set(mod["fields"])
    assert (mod["from_revision"], mod["to_revision"]) == (1, 2)
    assert {e["id"]: e["op"] for e in backward} == {
        e["id"]: {"ADD": "DEL", "DEL": "ADD", "MOD": "MOD"}[e["op"]] for e in forward
    }
    assert same == []
    assert draft.status_code == 404


async def test_read_responses_carry_an_etag_and_answer_304(
    tmp_path: Path, store_url: str, catalogue: Catalogue
) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        first = await client.get("/api/v1/records", params={"type": "group"})
        again = await client.get(
            "/api/v1/records",
            params={"type": "group"},
            headers={"If-None-Match": first.headers["etag"]},
        )
        other = await client.get(
            "/api/v1/records",
            params={"type": "symbol"},
            headers={"If-None-Match": first.headers["etag"]},
        )
    assert again.status_code == 304
    assert again.content == b""
    assert other.status_code == 200


async def test_nothing_published_yet_is_a_404_problem(tmp_path: Path, store_url: str) -> None:
    async with client_for(settings_for(tmp_path, store_url)) as client:
        response = await client.get("/api/v1/records")
        releases = await client.get("/api/v1/releases")
    assert response.status_code == 404
    assert response.json()["detail"] == "no release has been published yet"
    assert releases.json() == {"items": []}


async def test_editorial_text_never_reaches_a_read_api_response(
    tmp_path: Path, store_url: str
) -> None:
    canary = "CANARY-7f3a9c-editorial"
    catalogue = build_catalogue(store_url, comment=f"{canary} revision comment")
    engine = make_engine(store_url)
    with transaction(engine) as session:
        for rid in catalogue.releases["2024.2"]:
            add_note(session, rid, author=f"{canary}-author", text=f"{canary} internal note")
            add_note(
                session,
                rid,
                author=f"{canary}-reviewer",
                text=f"{canary} review",
                kind=NoteKind.REVIEW_COMMENT,
            )
    engine.dispose()
    requests: list[tuple[str, dict[str, str | int]]] = [
        ("/api/v1/records", {"limit": 200}),
        ("/api/v1/records", {"limit": 200, "release": "2024.1"}),
        ("/api/v1/records/symbol:synthetic-0000001", {}),
        ("/api/v1/releases", {}),
        ("/api/v1/releases/2024.2", {}),
        ("/api/v1/diff", {"from": "2024.1", "to": "2024.2"}),
    ]
    async with client_for(settings_for(tmp_path, store_url)) as client:
        bodies = [(await client.get(url, params=params)).text for url, params in requests]
    assert all('"items"' in b or '"record"' in b or '"version"' in b for b in bodies)
    for body in bodies:
        assert canary not in body
        assert "synthetic-editor" not in body  # revision authors are editorial too
