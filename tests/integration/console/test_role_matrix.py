"""Who may open what in the console: every console route, signed in with every role and not
signed in, with the feed open and restricted. Refusals are a redirect to the sign-in page
(not signed in) or 403 (signed in, wrong role); every POST carries the session's CSRF token,
so the role check is what decides."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from feed.accounts import Role
from feed.api import create_app
from tests.integration.console.access import CONSOLE_ACCESS, EVERYONE, PUBLISHED, SIGNED_IN, Caller
from tests.integration.console.common import login_csrf_of, sign_in
from tests.integration.console.workspace import ACCOUNTS, Workspace

#: Values for path parameters: none exists, so an allowed action changes nothing.
PATH_VALUES = {
    "{record_id}": "group:no-such-record",
    "{version}": "2031.1",
    "{feedback_id}": "0" * 32,
}
#: One account per role, by role.
BY_ROLE = {Role(str(role)): name for name, (role, _) in ACCOUNTS.items()}


def _url(path: str) -> str:
    for template, value in PATH_VALUES.items():
        path = path.replace(template, value)
    assert "{" not in path, f"add a value for the parameter in {path} to PATH_VALUES"
    return path


def _refused(caller: Caller, response: Response) -> bool | None:
    """True when refused as expected, False when let in, None for a wrong kind of refusal."""
    location = response.headers.get("location", "")
    to_sign_in = response.status_code == 303 and (
        location == "/console/login" or location.startswith("/console/login?next=")
    )
    if caller is None:
        return True if to_sign_in else (None if response.status_code == 403 else False)
    return True if response.status_code == 403 else (None if to_sign_in else False)


def _request(client: TestClient, method: str, path: str, csrf: str) -> Response:
    response: Response
    if method == "GET":
        response = client.get(_url(path), follow_redirects=False)
        return response
    data = {"csrf": csrf}
    if path == "/console/login":
        data = {"csrf": login_csrf_of(client.get("/console/login").text), "token": ""}
    response = client.post(_url(path), data=data, follow_redirects=False)
    return response


@pytest.mark.parametrize("restricted", [False, True], ids=["open-feed", "restricted-feed"])
def test_each_console_route_lets_in_exactly_the_allowed_callers(
    workspace: Workspace, restricted: bool
) -> None:
    app = create_app(workspace.settings(feed_requires_token=restricted))
    outcome: dict[tuple[str, str], set[Caller]] = {key: set() for key in CONSOLE_ACCESS}
    wrong: list[str] = []
    # Signing out ends the session: it goes last.
    routes = sorted(CONSOLE_ACCESS, key=lambda key: (key[1] == "/console/logout", key))
    with TestClient(app, base_url="http://testserver") as client:
        for caller in [None, *Role]:
            csrf = "not-a-session"
            client.cookies.clear()
            if caller is not None:
                csrf = sign_in(client, workspace.tokens[BY_ROLE[caller]])
            for method, path in routes:
                refused = _refused(caller, _request(client, method, path, csrf))
                if refused is None:
                    wrong.append(f"{method} {path} as {caller}: wrong kind of refusal")
                elif not refused:
                    outcome[(method, path)].add(caller)
    expected = {
        key: set(SIGNED_IN if restricted else EVERYONE) if rule == PUBLISHED else set(rule)
        for key, rule in CONSOLE_ACCESS.items()
    }
    assert outcome == expected
    assert wrong == []
