"""Helpers of the console tests: CSRF tokens from pages, signing a test client in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_LOGIN_CSRF = re.compile(r'action="/console/login">.*?name="csrf" value="([^"]+)"', re.DOTALL)


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def login_csrf_of(html: str) -> str:
    """The CSRF token of the sign-in form (the page may also hold the sign-out form)."""
    match = _LOGIN_CSRF.search(html)
    assert match, "the page has no sign-in form"
    return match.group(1)


def sign_in(client: TestClient, token: str) -> str:
    """Sign the client in with a token (its old cookies dropped); the session's CSRF token."""
    client.cookies.clear()
    login = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"csrf": login_csrf_of(login.text), "method": "token", "token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/console/records").text)
