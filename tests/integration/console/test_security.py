"""The console's defences, over HTTP: CSRF on every form, the Content-Security-Policy and other
headers, cookie flags, sessions that end when they should, no open redirects."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from feed.api import create_app
from feed.console.install import CONTENT_SECURITY_POLICY
from feed.store import make_engine, transaction
from feed.store.accounts import issue_token, list_users, revoke_token
from feed.store.console import set_password
from feed.store.tables import AuditRow
from tests.integration.console.access import CONSOLE_ACCESS, EDITORS, ORGANISATIONS, PUBLISHERS
from tests.integration.console.common import login_csrf_of, sign_in
from tests.integration.console.workspace import COMPANY, PASSWORD, XSS_ID, Workspace

EDITOR = "synthetic-editor-a"
PUBLISHER = "synthetic-publisher-a"


def _audit_entries(workspace: Workspace) -> int:
    engine = make_engine(workspace.database_url)
    try:
        with transaction(engine) as session:
            return int(session.exec(select(func.count()).select_from(AuditRow)).one())
    finally:
        engine.dispose()


def _real_path(path: str) -> str:
    return (
        path.replace("{record_id}", "symbol:synthetic-0000002")
        .replace("{version}", "2024.2")
        .replace("{feedback_id}", "0" * 32)
    )


@pytest.mark.parametrize("token", ["", "forged-token"], ids=["no-token", "wrong-token"])
def test_every_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, workspace: Workspace, token: str
) -> None:
    before = _audit_entries(workspace)
    posts = [p for m, p in CONSOLE_ACCESS if m == "POST" and p != "/console/login"]
    assert len(posts) == 13
    for path in posts:
        rule = CONSOLE_ACCESS[("POST", path)]
        who = (
            COMPANY
            if rule == ORGANISATIONS
            else PUBLISHER
            if rule in (EDITORS, PUBLISHERS)
            else EDITOR
        )
        sign_in(client, workspace.tokens[who])
        data = {"csrf": token} if token else {}
        answer = client.post(
            _real_path(path),
            data={**data, "comment": "x", "confirm": "yes"},
            follow_redirects=False,
        )
        assert answer.status_code == 403, path
        assert "did not come from this console page" in answer.text
    # Signing in writes audit entries; nothing else may have happened.
    assert _audit_entries(workspace) == before + len(posts)


def test_the_sign_in_form_needs_its_double_submit_cookie(
    client: TestClient, workspace: Workspace
) -> None:
    client.cookies.clear()
    token = login_csrf_of(client.get("/console/login").text)
    credentials = {"method": "token", "token": workspace.tokens[EDITOR]}
    client.cookies.clear()  # a cross-site form can send the field but not our cookie
    forged = client.post("/console/login", data={**credentials, "csrf": token})
    assert forged.status_code == 403
    assert "kpfeed_session" not in forged.headers.get("set-cookie", "")
    client.get("/console/login")
    mismatched = client.post("/console/login", data={**credentials, "csrf": "other"})
    assert mismatched.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/console/records",
        f"/console/records/{XSS_ID}",
        "/console/login",
        "/console/no-such-page",
        "/console/records/not-an-id",
        "/console/editor",
        "/console/static/console.css",
    ],
)
def test_console_answers_carry_the_security_headers(client: TestClient, path: str) -> None:
    client.cookies.clear()
    answer = client.get(path, follow_redirects=False)
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    if not path.startswith("/console/static/"):
        assert answer.headers["cache-control"] == "no-store"


class _Tags(HTMLParser):
    """Every tag of a page with its attribute names, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, [name for name, _ in attrs]))


def test_pages_hold_no_inline_script_style_or_event_handler(
    client: TestClient, workspace: Workspace
) -> None:
    sign_in(client, workspace.tokens[EDITOR])
    for path in (
        f"/console/records/{XSS_ID}",
        f"/console/editor/records/{XSS_ID}",
        "/console/editor/dashboard",
        "/console/editor/releases/2024.2",
    ):
        parser = _Tags()
        parser.feed(client.get(path).text)
        tags = {tag for tag, _ in parser.tags}
        attributes = {name for _, names in parser.tags for name in names}
        assert not tags & {"script", "style", "iframe", "img", "object", "embed"}, path
        assert "style" not in attributes, path
        assert not [a for a in attributes if a.startswith("on")], path
        stylesheets = [t for t in parser.tags if t[0] == "link"]
        assert len(stylesheets) == 1


def test_api_answers_do_not_get_the_console_headers(client: TestClient) -> None:
    answer = client.get("/api/v1/releases")
    assert "content-security-policy" not in answer.headers


def _cookie(header: str, name: str) -> str:
    found = [c for c in header.split(", kpfeed") if name in c]
    assert found, header
    return found[0]


@pytest.mark.parametrize(
    ("scheme", "behind_tls_proxy", "secure"),
    [("http", False, False), ("https", False, True), ("http", True, True)],
    ids=["http", "https", "https-proxy"],
)
def test_session_and_sign_in_cookies_are_httponly_strict_and_secure_under_https(
    workspace: Workspace, scheme: str, behind_tls_proxy: bool, secure: bool
) -> None:
    settings = workspace.settings(console_https=behind_tls_proxy)
    with TestClient(create_app(settings), base_url=f"{scheme}://testserver") as c:
        login = c.get("/console/login")
        login_cookie = login.headers["set-cookie"]
        if behind_tls_proxy:  # the browser talks https to the proxy, which sends the cookie on
            c.cookies.set("kpfeed_login", login_csrf_of(login.text), path="/console/login")
        answer = c.post(
            "/console/login",
            data={
                "csrf": login_csrf_of(login.text),
                "method": "token",
                "token": workspace.tokens[COMPANY],
            },
            follow_redirects=False,
        )
    session_cookie = answer.headers["set-cookie"]
    for cookie in (login_cookie, session_cookie):
        lowered = cookie.lower()
        assert "httponly" in lowered
        assert "samesite=strict" in lowered
        assert ("secure" in lowered.replace("samesite", "")) is secure
    assert "Path=/console/login" in login_cookie
    assert "kpfeed_session=" in session_cookie
    assert "Path=/console;" in session_cookie or session_cookie.endswith("Path=/console")


def test_signing_out_ends_the_session_everywhere(client: TestClient, workspace: Workspace) -> None:
    csrf = sign_in(client, workspace.tokens[EDITOR])
    stolen = client.cookies.get("kpfeed_session")
    assert client.get("/console/editor").status_code == 200
    out = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.headers["location"] == "/console/login?done=signed-out"
    assert 'kpfeed_session=""' in out.headers["set-cookie"]
    client.cookies.set("kpfeed_session", stolen or "", path="/console")
    again = client.get("/console/editor", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/console/login?next=%2Fconsole%2Feditor"


def test_a_revoked_token_ends_the_sessions_opened_with_it(
    client: TestClient, workspace: Workspace
) -> None:
    engine = make_engine(workspace.database_url)
    try:
        with transaction(engine) as session:
            user = next(u for u in list_users(session) if u.name == EDITOR)
            issued = issue_token(session, f"user:{user.id}", actor="test-operator")
        sign_in(client, issued.token)
        assert client.get("/console/editor").status_code == 200
        with transaction(engine) as session:
            revoke_token(session, issued.token_id, actor="test-operator")
    finally:
        engine.dispose()
    assert client.get("/console/editor", follow_redirects=False).status_code == 303


def _password_sign_in(client: TestClient, name: str, password: str) -> int:
    client.cookies.clear()
    login = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={
            "csrf": login_csrf_of(login.text),
            "method": "password",
            "name": name,
            "password": password,
        },
        follow_redirects=False,
    )
    code: int = answer.status_code
    return code


def test_password_sign_in_and_a_new_password_ends_password_sessions(
    client: TestClient, workspace: Workspace
) -> None:
    assert _password_sign_in(client, "nobody-at-all", PASSWORD) == 401
    unknown = client.cookies.get("kpfeed_session")
    assert _password_sign_in(client, EDITOR, "a wrong password!") == 401
    assert unknown is None
    assert _password_sign_in(client, EDITOR, PASSWORD) == 303
    assert client.get("/console/editor").status_code == 200
    engine = make_engine(workspace.database_url)
    try:
        with transaction(engine) as session:
            set_password(session, EDITOR, "another synthetic password", actor="test-operator")
        assert client.get("/console/editor", follow_redirects=False).status_code == 303
        with transaction(engine) as session:
            set_password(session, EDITOR, PASSWORD, actor="test-operator")
    finally:
        engine.dispose()


def test_wrong_name_and_wrong_password_get_the_same_answer(client: TestClient) -> None:
    pages = []
    for name, password in (("nobody-at-all", PASSWORD), (EDITOR, "a wrong password!")):
        client.cookies.clear()
        login = client.get("/console/login")
        pages.append(
            client.post(
                "/console/login",
                data={
                    "csrf": login_csrf_of(login.text),
                    "method": "password",
                    "name": name,
                    "password": password,
                },
            ).text
        )
    messages = [re.search(r'role="alert">([^<]+)<', p).group(1) for p in pages]  # type: ignore[union-attr]
    assert messages[0] == messages[1] == "Not signed in: the name or password is wrong."


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/api/v1/me", "/console\\@evil.example"],
)
def test_sign_in_never_redirects_outside_the_console(
    client: TestClient, workspace: Workspace, target: str
) -> None:
    client.cookies.clear()
    login = client.get("/console/login", params={"next": target})
    answer = client.post(
        "/console/login",
        data={
            "csrf": login_csrf_of(login.text),
            "method": "token",
            "token": workspace.tokens[COMPANY],
            "next": target,
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/feedback"


def test_a_console_session_is_named_in_the_audit_log(
    client: TestClient, workspace: Workspace
) -> None:
    engine = make_engine(workspace.database_url)
    try:
        assert _password_sign_in(client, EDITOR, PASSWORD) == 303
        with transaction(engine) as session:
            entry = session.exec(
                select(AuditRow)
                .where(AuditRow.action == "console.sign_in")
                .order_by(AuditRow.id.desc())  # type: ignore[union-attr]
            ).first()
    finally:
        engine.dispose()
    assert entry is not None
    assert entry.actor == EDITOR
    detail = entry.detail or {}
    assert detail == {"session": detail["session"], "via": "password"}
    assert entry.token_id == f"s:{detail['session'][:14]}"
