"""A record named `<img src=x onerror=alert(1)>` (and an organisation, comments and notes full of
markup) shows as text on every console page: escaped, never parsed as markup."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.integration.console.access import CONSOLE_ACCESS
from tests.integration.console.common import sign_in
from tests.integration.console.workspace import (
    COMPANY,
    XSS_ALIAS,
    XSS_ID,
    XSS_NAME,
    XSS_ORGANISATION,
    Workspace,
)

#: What must never appear unescaped in a page.
RAW = ["<img src=x", "<script>", "<iframe", "<svg onload", "<b onmouseover", "<b>not bold"]
NAME_AS_TEXT = str(escape(XSS_NAME))


def _feedback_ids(client: TestClient) -> list[str]:
    return re.findall(
        r"/console/editor/feedback/([0-9a-f]{32})", client.get("/console/editor/feedback").text
    )


def _check(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"{raw!r} unescaped in {where}"


def test_every_console_get_page_is_covered_here() -> None:
    pages = {path for method, path in CONSOLE_ACCESS if method == "GET"}
    assert pages <= {p.split("?")[0] for p in COVERED} | PARAMETRISED


PARAMETRISED = {
    "/console/records/{record_id}",
    "/console/releases/{version}",
    "/console/feedback/{feedback_id}",
    "/console/editor/records/{record_id}",
    "/console/editor/feedback/{feedback_id}",
    "/console/editor/releases/{version}",
}
COVERED = [
    "/",
    "/console/",
    "/console/login",
    "/console/records",
    "/console/releases",
    "/console/feedback",
    "/console/feedback/new",
    "/console/editor",
    "/console/editor/records/new",
    "/console/editor/feedback",
    "/console/editor/proposals",
    "/console/editor/releases",
    "/console/editor/dashboard",
]


def test_the_public_pages_show_the_record_as_text(client: TestClient) -> None:
    client.cookies.clear()
    pages = {
        "catalogue": "/console/records",
        "search by alias": "/console/records?q=" + XSS_ALIAS,
        "record": f"/console/records/{XSS_ID}",
        "release adding it": "/console/releases/2024.1",
    }
    for where, path in pages.items():
        html = client.get(path).text
        _check(html, where)
        assert NAME_AS_TEXT in html, where
    releases = client.get("/console/releases").text
    _check(releases, "releases")
    assert "&lt;b&gt;not bold&lt;/b&gt;" in releases
    for path in ("/", "/console/", "/console/login?next=/console/%3Cscript%3E"):
        _check(client.get(path).text, path)


def test_the_organisations_pages_show_it_as_text(client: TestClient, workspace: Workspace) -> None:
    sign_in(client, workspace.tokens[XSS_ORGANISATION])
    listing = client.get("/console/feedback").text
    _check(listing, "my feedback")
    assert str(escape(XSS_ORGANISATION)) in listing  # the header names who is signed in
    for one in set(re.findall(r"/console/feedback/([0-9a-f]{32})", listing)):
        _check(client.get(f"/console/feedback/{one}").text, "one submission")
    form = client.get(
        "/console/feedback/new",
        params={"kind": "false-positive", "record": XSS_NAME, "release": "<script>x"},
    ).text
    _check(form, "a form filled from the query string")
    _check(client.get("/console/feedback/new").text, "kinds")
    sign_in(client, workspace.tokens[COMPANY])
    _check(client.get(f"/console/records/{XSS_ID}").text, "record with report buttons")


def test_the_editors_pages_show_it_as_text(client: TestClient, workspace: Workspace) -> None:
    sign_in(client, workspace.tokens["synthetic-editor-a"])
    pages = [
        "/console/editor",
        f"/console/editor/records/{XSS_ID}",
        "/console/editor/records/new?type=symbol",
        "/console/editor/feedback",
        f"/console/editor/feedback?record={XSS_NAME}",
        "/console/editor/proposals",
        "/console/editor/releases",
        "/console/editor/releases/2024.1",
        "/console/editor/dashboard",
        f"/console/editor/dashboard?cycle={XSS_NAME}",
    ]
    for path in pages:
        _check(client.get(path).text, path)
    editor_page = client.get(f"/console/editor/records/{XSS_ID}").text
    assert str(escape(XSS_NAME)) in editor_page  # the name input's value
    ids = _feedback_ids(client)
    assert ids
    for one in ids:
        _check(client.get(f"/console/editor/feedback/{one}").text, "triage page")
    dashboard = client.get("/console/editor/dashboard").text
    assert str(escape(XSS_ORGANISATION)) in dashboard


@pytest.mark.parametrize(
    "path", ["/console/records/symbol:%3Cimg%20src=x%3E", "/console/%3Cscript%3E"]
)
def test_error_pages_do_not_reflect_markup(client: TestClient, path: str) -> None:
    client.cookies.clear()
    answer = client.get(path)
    assert answer.status_code == 404
    _check(answer.text, path)
