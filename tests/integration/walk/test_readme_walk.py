"""The README's walk against a real `kpfeed demo` process (issue 5, 'Done when'): start the demo,
pull the feed with ETags, submit every kind of feedback as a company and follow it, triage it as
an editor, change a record with four eyes, create, approve and publish a new release through
the API, then see the new release everywhere: feed, read API, verified pull, matcher, and the
company's feedback marked as addressed in it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from feed.cli import main
from feed.store import list_audit, make_engine, transaction
from tests.integration.walk.demo import Demo, demo_environment, running_demo

pytestmark = pytest.mark.slow

HANDLES = ("company", "contributor", "editor", "editor2", "publisher", "admin")
#: One line per demo account in the demo's output: handle, role, name, token.
ACCOUNT_LINE = re.compile(r"^    (\S+) +(\S+) +(.+?) +(kpf_[0-9a-f]{16}_\S{43})$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("readme-walk")) as started:
        yield started


def test_demo_prints_every_account_with_its_token_as_tokens_json_holds_them(demo: Demo) -> None:
    text = demo.output.read_text()
    printed = {
        m.group(1): (m.group(2), m.group(3), m.group(4))
        for m in map(ACCOUNT_LINE.match, text.splitlines())
        if m
    }
    saved = json.loads((demo.root / "tokens.json").read_text())
    assert set(printed) == set(saved["tokens"]) == set(HANDLES)
    for handle, (role, name, token) in printed.items():
        entry = saved["tokens"][handle]
        assert (role, name, token) == (entry["role"], entry["name"], entry["token"])
    assert "DEMO ONLY" in text
    assert "Anyone who can read this file" in saved["warning"]
    assert (demo.root / "tokens.json").stat().st_mode & 0o077 == 0
    assert f"serving the feed on {demo.url}/feed/" in text
    with httpx.Client(base_url=demo.url) as client:
        for handle in HANDLES:
            me = client.get("/api/v1/me", headers=demo.headers(handle)).json()
            assert me["role"] == saved["tokens"][handle]["role"]


def _kinds(release: str, record: str) -> dict[str, dict[str, Any]]:
    """One submission of every kind about `record` of `release` (retraction: filled in later)."""
    about = {"release": release, "record": record}
    return {
        "true-positive": {"kind": "true-positive", **about},
        "false-positive": {
            "kind": "false-positive",
            **about,
            "reason": "news-or-research",
            "comment": "Demo: matched in a news report about the group.",
        },
        "inconclusive": {"kind": "inconclusive", **about},
        "sighting": {
            "kind": "sighting",
            **about,
            "count": 42,
            "period": {"start": "2022-01-01", "end": "2022-01-31"},
            "regions": ["DE"],
        },
        "label-dispute": {
            "kind": "label-dispute",
            **about,
            "field": "/guidance/ambiguity",
            "argument": "Demo: the name is widely quoted in reporting; review every match.",
        },
        "correction": {
            "kind": "correction",
            **about,
            "field": "/aliases/0/language",
            "proposed_value": "de",
            "evidence": "https://example.org/demo-evidence",
        },
        "suggestion": {
            "kind": "suggestion",
            **about,
            "proposal": {
                "what": "alias",
                "alias": {"value": "demo alias", "language": "en", "kind": "coded-form"},
            },
        },
        "usage-report": {
            "kind": "usage-report",
            "release": release,
            "period": {"start": "2022-01-01", "end": "2022-03-31"},
            "integration": "human-review",
            "matches": 1200,
        },
    }


def _editable(record: dict[str, Any]) -> dict[str, Any]:
    """A record as the editor API shows it, without the fields the store sets."""
    return {k: v for k, v in record.items() if k not in ("created", "modified", "revision")}


def test_readme_walk_from_the_demo_to_a_new_release_through_the_api(
    demo: Demo, tmp_path: Path
) -> None:
    client = httpx.Client(base_url=demo.url, timeout=60)
    company, editor = demo.headers("company"), demo.headers("editor")

    # -- a consumer pulls the feed with ETags, and the verified package into a mirror
    first = client.get("/feed/feed.json")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert client.get("/feed/feed.json", headers={"If-None-Match": etag}).status_code == 304
    assert first.json()["_kpfeed"]["version"] == "2022.2"
    assert first.json()["feed_url"] == f"{demo.url}/feed/feed.json"  # links follow --port
    mirror, root = tmp_path / "mirror", demo.root / "public" / "tuf" / "metadata" / "1.root.json"
    runner = CliRunner()
    pulled = runner.invoke(
        main, ["pull", f"{demo.url}/feed/", "--into", str(mirror), "--trusted-root", str(root)]
    )
    assert pulled.exit_code == 0, pulled.output
    assert "2022.2" in pulled.output

    # -- a company reads the release and submits every kind of feedback, idempotently
    releases = client.get("/api/v1/releases").json()["items"]
    assert [r["version"] for r in releases] == ["2022.2", "2022.1"]
    groups = client.get(
        "/api/v1/records", params={"release": "2022.2", "type": "group", "ambiguity": "medium"}
    ).json()["items"]
    record_id = groups[0]["id"]
    sent: dict[str, dict[str, Any]] = {}
    for kind, body in _kinds("2022.2", record_id).items():
        keyed = {**company, "Idempotency-Key": str(uuid.uuid4())}
        answer = client.post("/api/v1/feedback", json=body, headers=keyed)
        assert answer.status_code == 201, (kind, answer.text)
        assert answer.headers["location"] == f"/api/v1/feedback/{answer.json()['id']}"
        again = client.post("/api/v1/feedback", json=body, headers=keyed)
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == answer.json()["id"]
        sent[kind] = answer.json()
    retraction = client.post(
        "/api/v1/feedback",
        json={"kind": "retraction", "retracts": sent["inconclusive"]["id"]},
        headers={**company, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert retraction.status_code == 201, retraction.text
    sent["retraction"] = retraction.json()

    # -- ... and follows their status
    mine = client.get("/api/v1/feedback", headers=company).json()["items"]
    assert {item["id"] for item in mine} == {view["id"] for view in sent.values()}
    assert {item["status"] for item in mine} == {"received"}
    assert len(sent) == 9  # every kind of design.md
    inconclusive = client.get(f"/api/v1/feedback/{sent['inconclusive']['id']}", headers=company)
    assert inconclusive.json()["retracted_by"] == sent["retraction"]["id"]

    # -- an editor sees all feedback and triages it
    everything = client.get("/api/v1/editor/feedback", headers=editor).json()["items"]
    assert len(everything) == 9
    dispute = sent["label-dispute"]["id"]
    reviewed = client.post(
        f"/api/v1/editor/feedback/{dispute}/triage",
        json={"status": "under_review", "note": "INTERNAL: check the reporting first"},
        headers=editor,
    )
    assert reviewed.status_code == 200, reviewed.text
    declined = client.post(
        f"/api/v1/editor/feedback/{sent['false-positive']['id']}/triage",
        json={"status": "declined", "reason": "News use is already listed as a benign use."},
        headers=editor,
    )
    assert declined.status_code == 200, declined.text
    followed = client.get(f"/api/v1/feedback/{dispute}", headers=company).json()
    assert followed["status"] == "under_review"
    assert "INTERNAL" not in json.dumps(followed)

    # -- the change, with four eyes: one editor edits, the other approves
    current = client.get(f"/api/v1/editor/records/{record_id}", headers=editor).json()
    changed = _editable(current["record"])
    changed["guidance"] = {**changed["guidance"], "ambiguity": "high"}
    edited = client.put(
        f"/api/v1/editor/records/{record_id}",
        json={"record": changed, "comment": "Demo: ambiguity raised after feedback."},
        headers=editor,
    )
    assert edited.status_code == 200, edited.text
    revision = edited.json()["revision"]
    assert client.post(f"/api/v1/editor/records/{record_id}/submit", headers=editor).is_success
    own = client.post(f"/api/v1/editor/records/{record_id}/approve", headers=editor)
    assert own.status_code == 403
    approved = client.post(
        f"/api/v1/editor/records/{record_id}/approve", headers=demo.headers("editor2")
    )
    assert approved.status_code == 200, approved.text

    # -- a release through the API: an editor creates it, the publisher approves and publishes
    created = client.post(
        "/api/v1/editor/releases",
        json={"version": "2022.3", "notes": "Demo release made through the API (README walk)."},
        headers=editor,
    )
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "draft"
    assert created.json()["changes"] == [
        {"op": "MOD", "id": record_id, "revision": revision, "fields": ["guidance"]}
    ]
    accepted = client.post(
        f"/api/v1/editor/feedback/{dispute}/triage",
        json={
            "status": "accepted",
            "reason": "Ambiguity raised to high: every match goes to review.",
            "addressed_in": "2022.3",
            "record_change": {"record": record_id, "revision": revision},
        },
        headers=editor,
    )
    assert accepted.status_code == 200, accepted.text
    refused = client.post("/api/v1/editor/releases/2022.3/approve", headers=editor)
    assert refused.status_code == 403
    publisher = demo.headers("publisher")
    approve = client.post("/api/v1/editor/releases/2022.3/approve", headers=publisher)
    assert approve.status_code == 200, approve.text
    assert approve.json()["approved_by"] == "publisher-carol"
    published = client.post("/api/v1/editor/releases/2022.3/publish", headers=publisher)
    assert published.status_code == 200, published.text
    assert published.json()["version"] == "2022.3"

    # -- the new release everywhere: feed (new ETag), read API, diff, verified pull, matchers
    fresh = client.get("/feed/feed.json", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag
    assert fresh.json()["_kpfeed"]["version"] == "2022.3"
    newest = client.get("/api/v1/releases").json()["items"][0]
    assert newest["version"] == "2022.3"
    diff = client.get("/api/v1/diff", params={"from": "2022.2", "to": "2022.3"}).json()
    assert [(d["op"], d["id"], d["fields"]) for d in diff["items"]] == [
        ("MOD", record_id, ["guidance"])
    ]
    pulled = runner.invoke(main, ["pull", f"{demo.url}/feed/", "--into", str(mirror), "--json"])
    assert pulled.exit_code == 0, pulled.output
    result = json.loads(pulled.output)
    assert (result["to_version"], result["method"], result["changed"]) == ("2022.3", "delta", 1)
    posts = tmp_path / "posts.txt"
    posts.write_text("nothing here\nthey posted 14/88 again\n")
    matched = runner.invoke(main, ["match", "--mirror", str(mirror), "--lines", str(posts)])
    assert matched.exit_code == 3, matched.output
    assert "REVIEW" in matched.output
    assert "symbol:code-1488" in matched.output
    assert "(release 2022.3)" in matched.output
    hosted = client.post("/api/v1/match", json={"text": "they posted 14/88 again"}, headers=company)
    assert hosted.status_code == 200, hosted.text
    assert hosted.json()["release"]["version"] == "2022.3"
    (group,) = hosted.json()["documents"][0]["records"]
    assert (group["record_id"], group["action"]) == ("symbol:code-1488", "review")

    # -- the company sees what became of its feedback
    addressed = client.get(f"/api/v1/feedback/{dispute}", headers=company).json()
    assert addressed["status"] == "accepted"
    assert addressed["addressed_in"] == "2022.3"
    assert addressed["record_change"] == {"record": record_id, "revision": revision}
    assert "INTERNAL" not in json.dumps(addressed)
    no = client.get(f"/api/v1/feedback/{sent['false-positive']['id']}", headers=company).json()
    assert (no["status"], no["status_reason"]) == (
        "declined",
        "News use is already listed as a benign use.",
    )
    client.close()

    # -- every write is in the audit log with the token that made it; no token is in the log
    ids = {handle: token.split("_")[1] for handle, token in demo.tokens.items()}
    engine = make_engine(f"sqlite:///{demo.root / 'kpfeed.db'}")
    try:
        with transaction(engine) as session:
            audit = {(e.action, e.target): e.token_id for e in list_audit(session, limit=None)}
    finally:
        engine.dispose()
    assert audit[("release.create", "2022.3")] == ids["editor"]
    assert audit[("release.approve", "2022.3")] == ids["publisher"]
    assert audit[("release.publish", "2022.3")] == ids["publisher"]
    assert audit[("feedback.triage", f"feedback:{dispute}")] == ids["editor"]
    assert audit[("feedback.submit", f"feedback:{sent['sighting']['id']}")] == ids["company"]
    # The server's log is what follows the demo's own printout (which shows the tokens).
    log = demo.output.read_text().split("serving the feed on", 1)[1]
    assert '"route":"/api/v1/editor/releases/{version}/publish"' in log
    for token in demo.tokens.values():
        assert token.split("_", 2)[2] not in log

    # -- running the demo again on its folder reuses it, releases and tokens included
    rerun = subprocess.run(
        [sys.executable, "-m", "feed", "demo", "--dir", str(demo.root), "--no-serve"],
        env=demo_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "reused" in rerun.stdout
    assert "releases 2022.1, 2022.2, 2022.3" in rerun.stdout
    assert demo.tokens["company"] in rerun.stdout
