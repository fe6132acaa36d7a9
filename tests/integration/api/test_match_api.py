"""`POST /api/v1/match`: the hosted matcher answers with grouped, explained matches from the
release currently published, follows a new publication without a restart, and refuses what it
must (no token, too large, malformed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from feed.accounts import Role
from feed.api import create_app
from feed.api.routes_match import REQUEST_EXAMPLES, RESPONSE_EXAMPLE, MatchResult
from feed.model import AnyRecord, parse_record
from feed.publish import publish_files
from feed.store.db import make_engine, migrate
from feed.synthetic import synthetic_record_data
from tests.integration.api.common import bearer, make_accounts, running, settings_for
from tests.unit.match.catalogue import CODE_88, CODE_1488, NAME, evasion_catalogue, package_data

MATCH_LIMIT = 4096
#: Far below the matcher's own limit: the match route must not use it.
GENERAL_LIMIT = 1024


def _package(records: list[AnyRecord], version: str, sequence: int) -> bytes:
    data: dict[str, Any] = package_data(records)
    data["release"] |= {"version": version, "sequence": sequence}
    return orjson.dumps(data)


def _publish(public: Path, records: list[AnyRecord], version: str, sequence: int) -> None:
    publish_files(public, {"package.json": _package(records, version, sequence)})


pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Served:
    client: httpx.AsyncClient
    app: Any
    public: Path
    tokens: dict[Role, str]

    async def match(self, body: Any, role: Role = Role.COMPANY) -> httpx.Response:
        return await self.client.post("/api/v1/match", json=body, headers=bearer(self.tokens[role]))


@pytest.fixture(scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    folder = tmp_path_factory.mktemp("match-api")
    url = f"sqlite:///{folder / 'kpfeed.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    tokens = make_accounts(url)
    public = folder / "public"
    _publish(public, evasion_catalogue(), "2024.1", 1)
    settings = settings_for(
        folder, url, max_body_bytes=GENERAL_LIMIT, match_max_body_bytes=MATCH_LIMIT
    )
    app = create_app(settings)
    async with running(app) as client:
        yield Served(client, app, public, tokens)


async def test_matches_come_back_grouped_per_record_with_spans_and_guidance(served: Served) -> None:
    text = "V0rbr4x Legion marches; #VorbraxLegion, and 14 88 twice: 14/88"
    response = await served.match({"text": text})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    MatchResult.model_validate(answer)
    assert answer["release"] == {"version": "2024.1", "sequence": 1}
    (document,) = answer["documents"]
    assert (document["index"], document["id"], document["omitted_matches"]) == (0, None, 0)
    by_record = {r["record_id"]: r for r in document["records"]}
    assert list(by_record) == [NAME, CODE_1488]  # in order of their first match
    name, code = by_record[NAME], by_record[CODE_1488]
    assert len(name["matches"]) == 2
    assert len(code["matches"]) == 2
    for group in (name, code):
        assert group["guidance"]["signals"]
        for m in group["matches"]:
            assert text[m["start"] : m["end"]] == m["text"]
            assert m["record_id"] == group["record_id"]
    assert [m["indicator"] for m in name["matches"]] == ["evasion", "text-pattern"]
    assert [m["text"] for m in code["matches"]] == ["14 88", "14/88"]
    assert code["matches"][0]["note"] == "14/88: Synthetic A."
    assert (name["action"], code["action"]) == ("automatic", "context")
    assert (answer["matched"], answer["review"]) == (1, 0)


async def test_a_high_ambiguity_match_is_marked_for_review(served: Served) -> None:
    answer = (await served.match({"text": "they wrote 88 again"})).json()
    (group,) = answer["documents"][0]["records"]
    assert group["record_id"] == CODE_88
    assert group["ambiguity"] == "high"
    assert group["action"] == "review"
    assert [m["action"] for m in group["matches"]] == ["review"]
    assert answer["review"] == 1


async def test_documents_keep_their_order_and_references(served: Served) -> None:
    documents = [
        {"id": "post-1", "text": "nothing to see"},
        {"id": "post-2", "text": "#VorbraxLegion"},
        {"text": "price €14.88 only"},
    ]
    answer = (await served.match({"documents": documents})).json()
    assert [(d["index"], d["id"]) for d in answer["documents"]] == [
        (0, "post-1"),
        (1, "post-2"),
        (2, None),
    ]
    assert answer["documents"][0]["records"] == []
    assert [r["record_id"] for r in answer["documents"][1]["records"]] == [NAME]
    (price,) = answer["documents"][2]["records"]
    assert price["matches"][0]["collision"] == "price"
    assert price["action"] == "review"
    assert (answer["matched"], answer["review"]) == (2, 1)


async def test_matches_past_the_cap_are_counted_not_returned(served: Served) -> None:
    answer = (await served.match({"text": "1488 " * 30, "max_matches_per_record": 5})).json()
    (document,) = answer["documents"]
    assert len(document["records"][0]["matches"]) == 5
    assert document["omitted_matches"] == 25


async def test_the_match_body_limit_is_its_own_and_413_above_it(served: Served) -> None:
    assert GENERAL_LIMIT < 3000 < MATCH_LIMIT
    fits = await served.match({"text": "x" * 3000})
    assert fits.status_code == 200
    too_large = await served.match({"text": "x" * MATCH_LIMIT})
    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == "application/problem+json"
    problem = too_large.json()
    assert problem["type"] == "urn:kpfeed:problem:too-large"
    assert str(MATCH_LIMIT) in problem["detail"]
    # Without Content-Length (chunked), the limit holds while the body is read.

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in (b'{"text": "', b"y" * MATCH_LIMIT, b'"}'):
            yield chunk

    streamed = await served.client.post(
        "/api/v1/match",
        content=chunks(),
        headers={**bearer(served.tokens[Role.COMPANY]), "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413


async def test_without_a_valid_token_the_answer_is_401(served: Served) -> None:
    anonymous = await served.client.post("/api/v1/match", json={"text": "1488"})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.json()["status"] == 401
    wrong = await served.client.post(
        "/api/v1/match", json={"text": "1488"}, headers=bearer("kpf_" + "0" * 16 + "_" + "A" * 43)
    )
    assert wrong.status_code == 401


@pytest.mark.parametrize("role", list(Role))
async def test_every_token_holder_may_match(served: Served, role: Role) -> None:
    assert (await served.match({"text": "1488"}, role)).status_code == 200


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"text": "a", "documents": [{"text": "b"}]}, ""),
        ({}, ""),
        ({"documents": []}, "/documents"),
        ({"documents": [{"id": "x"}]}, "/documents/0/text"),
        ({"text": "a", "max_matches_per_record": 0}, "/max_matches_per_record"),
        ({"text": "a", "unknown": 1}, "/unknown"),
    ],
)
async def test_a_malformed_request_is_refused_with_located_problems(
    served: Served, body: dict[str, Any], pointer: str
) -> None:
    response = await served.match(body)
    assert response.status_code == 422
    entries = response.json()["errors"]
    assert {"in": "body", "pointer": pointer} in [
        {"in": e["in"], "pointer": e["pointer"]} for e in entries
    ], entries


async def test_a_new_publication_is_used_without_a_restart(served: Served) -> None:
    before = (await served.match({"text": "14/88"})).json()
    assert before["release"]["version"] == "2024.1"
    assert before["documents"][0]["records"][0]["record_id"] == CODE_1488
    compiled = served.app.state.matcher.compilations

    changed = [r for r in evasion_catalogue() if r.id != CODE_1488]
    _publish(served.public, changed, "2024.2", 2)
    after = (await served.match({"text": "14/88"})).json()
    assert after["release"] == {"version": "2024.2", "sequence": 2}
    assert CODE_1488 not in {r["record_id"] for r in after["documents"][0]["records"]}
    await served.match({"text": "14/88"})
    assert served.app.state.matcher.compilations == compiled + 1

    _publish(served.public, evasion_catalogue(), "2024.3", 3)  # put 1488 back for other tests
    assert (await served.match({"text": "14/88"})).json()["release"]["version"] == "2024.3"


async def test_the_documented_example_is_what_the_matcher_answers(tmp_path: Path) -> None:
    data = synthetic_record_data(1)
    data["guidance"] = RESPONSE_EXAMPLE["documents"][0]["records"][0]["guidance"]
    data["indicators"] = {"numeric_codes": [{"value": "9017", "meaning": "Synthetic number code."}]}
    public = tmp_path / "public"
    _publish(public, [parse_record(data)], "2022.2", 2)
    url = f"sqlite:///{tmp_path / 'kpfeed.db'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    tokens = make_accounts(url)
    async with running(create_app(settings_for(tmp_path, url))) as client:
        request = REQUEST_EXAMPLES["documents"]["value"]
        answer = await client.post(
            "/api/v1/match", json=request, headers=bearer(tokens[Role.COMPANY])
        )
        documented = (await client.get("/api/v1/openapi.json")).json()["paths"]["/api/v1/match"]
    assert answer.json() == RESPONSE_EXAMPLE
    example = documented["post"]["responses"]["200"]["content"]["application/json"]["example"]
    assert example == _without_nulls(RESPONSE_EXAMPLE)  # FastAPI leaves nulls out of examples


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
