"""A canary in every internal field never reaches anything a company or the public gets.

Internal: the names of the editors and publisher (revision authors, approvers, release creators),
revision comments, review comments, editorial notes and triage notes. The whole editorial
process runs through the editor API (records, four-eyes review, two releases created, approved
and published), a company's feedback is triaged with an internal note, and then every output is
searched: every published file, the feed over HTTP, the read API, the company's feedback views,
the hosted matcher. The editors' own views must show the canary, so it was really planted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from feed.accounts import OrganisationKind, UserRole
from feed.api import create_app
from feed.model import PackageManifest
from feed.sign.keys import init_keys
from feed.store import make_engine, migrate, set_manifest, transaction
from feed.store.accounts import add_organisation, add_user
from feed.store.notes import add_note
from feed.store.tables import NoteKind
from feed.synthetic import synthetic_record_data
from tests.integration.api.common import bearer, running, settings_for

pytestmark = pytest.mark.anyio

CANARY = "CANARY-5d1e-internal"
RECORDS = 9


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


def _accounts(url: str) -> dict[str, str]:
    engine = make_engine(url)
    migrate(engine)
    tokens: dict[str, str] = {}
    try:
        with transaction(engine) as session:
            manifest = PackageManifest(
                name="synthetic",
                catalogue="kpfeed-synthetic-canary",
                title="Synthetic canary catalogue",
                publisher="kpfeed tests",
            )
            set_manifest(session, manifest, actor=f"{CANARY}-operator")
            for kind in OrganisationKind:
                _, issued = add_organisation(session, f"Synthetic {kind.value}", kind, actor="t")
                tokens[kind.value] = issued.token
            for handle, role in (
                ("editor", UserRole.EDITOR),
                ("editor2", UserRole.EDITOR),
                ("publisher", UserRole.PUBLISHER),
            ):
                _, issued = add_user(session, f"{CANARY}-{handle}", role, actor="t")
                tokens[handle] = issued.token
    finally:
        engine.dispose()
    return tokens


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture(scope="module")
async def workspace(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, dict[str, str]], Path, str]]:
    folder = tmp_path_factory.mktemp("canary")
    url = f"sqlite:///{folder / 'kpfeed.db'}"
    tokens = _accounts(url)
    settings = settings_for(folder, url, key_dir=folder / "keys")
    init_keys(settings.key_dir, passphrase=None, now=datetime.now(UTC), scrypt_log_n=10)
    headers = {handle: bearer(token) for handle, token in tokens.items()}
    editor, editor2, publisher = headers["editor"], headers["editor2"], headers["publisher"]
    async with running(create_app(settings)) as client:
        records = "/api/v1/editor/records"
        for n in range(RECORDS):
            body = {"record": synthetic_record_data(n), "comment": f"{CANARY} revision comment"}
            rid = (await _ok(await client.post(records, json=body, headers=editor), 201))["id"]
            await _ok(await client.post(f"{records}/{rid}/submit", headers=editor))
            if n == 0:  # a review comment, sent back and resubmitted
                back = {"comment": f"{CANARY} review comment"}
                await _ok(await client.post(f"{records}/{rid}/reject", json=back, headers=editor2))
                await _ok(await client.post(f"{records}/{rid}/submit", headers=editor))
            approval = {"comment": f"{CANARY} approval comment"}
            await _ok(await client.post(f"{records}/{rid}/approve", json=approval, headers=editor2))
        engine = make_engine(url)
        with transaction(engine) as session:
            for n in range(RECORDS):
                rid = synthetic_record_data(n)["id"]
                add_note(session, rid, author=f"{CANARY}-note-author", text=f"{CANARY} note")
                add_note(
                    session, rid, author="x", text=f"{CANARY} review", kind=NoteKind.REVIEW_COMMENT
                )
        engine.dispose()

        async def release(version: str) -> None:
            notes = {"version": version, "notes": f"Synthetic release {version}."}
            await _ok(await client.post("/api/v1/editor/releases", json=notes, headers=editor), 201)
            path = f"/api/v1/editor/releases/{version}"
            await _ok(await client.post(f"{path}/approve", headers=publisher))
            await _ok(await client.post(f"{path}/publish", headers=publisher))

        await release("2024.1")
        changed = synthetic_record_data(1, variant=1)
        edit = {"record": changed, "comment": f"{CANARY} second revision"}
        await _ok(await client.put(f"{records}/{changed['id']}", json=edit, headers=editor))
        await _ok(await client.post(f"{records}/{changed['id']}/submit", headers=editor))
        await _ok(await client.post(f"{records}/{changed['id']}/approve", headers=editor2))
        await release("2024.2")

        cycle = {
            "name": "canary",
            "window_start": "2024-01-01T00:00:00Z",
            "window_end": "2099-01-01T00:00:00Z",
            "release_target": "next",
        }
        await _ok(await client.post("/api/v1/editor/cycles", json=cycle, headers=editor), 201)
        await _ok(await client.post("/api/v1/editor/cycles/canary/open", headers=editor))
        about = {"release": "2024.2", "record": changed["id"]}
        sent = await _ok(
            await client.post(
                "/api/v1/feedback",
                json={"kind": "false-positive", "reason": "quotation", **about},
                headers=headers["company"],
            ),
            201,
        )
        for step in (
            {"status": "under_review", "note": f"{CANARY} triage note"},
            {"status": "declined", "reason": "In scope.", "note": f"{CANARY} second note"},
        ):
            triage = f"/api/v1/editor/feedback/{sent['id']}/triage"
            await _ok(await client.post(triage, json=step, headers=editor))
        yield client, headers, settings.public_dir, sent["id"]


async def test_no_internal_field_reaches_a_published_file_or_a_company(
    workspace: tuple[httpx.AsyncClient, dict[str, dict[str, str]], Path, str],
) -> None:
    client, headers, public, feedback_id = workspace
    outputs: dict[str, bytes] = {}
    files = sorted(p for p in public.resolve().rglob("*") if p.is_file())
    assert len(files) > 40
    for path in files:
        outputs[f"file {path.relative_to(public.resolve())}"] = path.read_bytes()
    for name in ("feed.json", "feed.atom", "releases.json", "releases/2024.2/changes.json"):
        outputs[f"GET /feed/{name}"] = (await client.get(f"/feed/{name}")).content
    company = headers["company"]
    gets = [
        "/api/v1/records?limit=200",
        "/api/v1/records?limit=200&release=2024.1",
        "/api/v1/releases",
        "/api/v1/releases/2024.2",
        "/api/v1/diff?from=2024.1&to=2024.2",
        "/api/v1/feedback",
        f"/api/v1/feedback/{feedback_id}",
        "/api/v1/me",
    ]
    gets += [f"/api/v1/records/{synthetic_record_data(n)['id']}" for n in range(RECORDS)]
    for url in gets:
        response = await client.get(url, headers=company)
        assert response.status_code == 200, (url, response.text)
        outputs[f"GET {url}"] = response.content
    words = " ".join(f"synthword{n:07d}" for n in range(RECORDS))
    matched = await client.post("/api/v1/match", json={"text": words}, headers=company)
    assert len(matched.json()["documents"][0]["records"]) == RECORDS
    outputs["POST /api/v1/match"] = matched.content
    leaks = [where for where, body in outputs.items() if CANARY.encode() in body]
    assert leaks == []

    # Planted for real: the editors' views carry every kind of internal text.
    editor = headers["editor"]
    record = (
        await client.get("/api/v1/editor/records/symbol:synthetic-0000001", headers=editor)
    ).text
    triaged = (await client.get(f"/api/v1/editor/feedback/{feedback_id}", headers=editor)).text
    releases = (await client.get("/api/v1/editor/releases", headers=editor)).text
    for planted in ("revision comment", "second revision", "note", "approval comment"):
        assert f"{CANARY} {planted}" in record, planted
    assert f"{CANARY} triage note" in triaged
    assert f"{CANARY}-publisher" in releases
    first = (
        await client.get("/api/v1/editor/records/group:synthetic-0000000", headers=editor)
    ).text
    assert f"{CANARY} review comment" in first
