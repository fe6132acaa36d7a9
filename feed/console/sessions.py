"""Who is visiting the console: session cookies, CSRF checks, and role checks as dependencies.

Routes say who may open them by the alias they take (`EditorVisit`, `OrganisationVisit` ...),
as the API's routes do with `feed.api.deps`; the checks live here and nowhere else. A route
without one is open to anyone (the role-matrix tests make that visible).

The session cookie is HttpOnly, SameSite=Strict, limited to `/console` and Secure when the
request came over https. Every form carries the session's CSRF token, compared in constant
time; the sign-in form, which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from feed.accounts import EDITORIAL_ROLES, ORGANISATION_ROLES, Role
from feed.config import Settings
from feed.editing import stamp_audit_token
from feed.errors import ForbiddenError, UnauthenticatedError
from feed.store.console import ConsoleSession, resolve_session
from feed.store.db import transaction

__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "CheckedForm",
    "EditorVisit",
    "Form",
    "OrganisationVisit",
    "PublisherVisit",
    "ReaderVisit",
    "SignedInVisit",
    "Visit",
    "audited",
    "check_login_csrf",
    "clear_session_cookie",
    "login_token",
    "set_login_cookie",
    "set_session_cookie",
    "visitor_of",
]

SESSION_COOKIE = "kpfeed_session"
LOGIN_COOKIE = "kpfeed_login"
_COOKIE_PATH = "/console"
_LOGIN_PATH = "/console/login"
_FORM_EXPIRED = (
    "the form has expired or did not come from this console page; go back, reload the page "
    "and send it again"
)


def visitor_of(request: Request) -> ConsoleSession | None:
    """The session `visit` resolved for this request (None when signed out)."""
    visitor: ConsoleSession | None = getattr(request.state, "console_session", None)
    return visitor


def _resolve(engine: Engine, cookie: str) -> ConsoleSession | None:
    try:
        with transaction(engine) as session:
            return resolve_session(session, cookie)
    except UnauthenticatedError:
        return None


def visit(request: Request) -> ConsoleSession | None:
    """The visitor's live session, or None (no cookie, or one that has ended)."""
    if hasattr(request.state, "console_session"):
        return visitor_of(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    engine: Engine = request.app.state.engine
    visitor = _resolve(engine, cookie) if cookie else None
    request.state.console_session = visitor
    if visitor is not None:
        # The access log names the principal (never the cookie); see feed.api.observe.
        request.state.principal = visitor.principal
    return visitor


Visit = Annotated[ConsoleSession | None, Depends(visit)]


@contextmanager
def audited(engine: Engine, visitor: ConsoleSession) -> Iterator[Session]:
    """One transaction whose audit entries name the visitor's token (or session label)."""
    with transaction(engine) as session:
        stamp_audit_token(session, visitor.principal.token_id)
        yield session


def _signed_in(visitor: Visit) -> ConsoleSession:
    if visitor is None:
        raise UnauthenticatedError("sign in to the console first")
    return visitor


def require(*roles: Role) -> Callable[[ConsoleSession | None], ConsoleSession]:
    """A dependency that lets in only visitors signed in with one of `roles`."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    def check(visitor: Visit) -> ConsoleSession:
        signed_in = _signed_in(visitor)
        if signed_in.principal.role not in allowed:
            raise ForbiddenError(f"this page is for these roles: {names}")
        return signed_in

    check.__name__ = f"console_{'_or_'.join(sorted(r.value for r in allowed))}"
    return check


def reader(request: Request, visitor: Visit) -> ConsoleSession | None:
    """Whoever may read published data: anyone, or signed-in visitors when the deployment
    restricts the feed to token holders (the read API's rule)."""
    settings: Settings = request.app.state.settings
    if settings.feed_requires_token and visitor is None:
        raise UnauthenticatedError("this deployment shows the catalogue to signed-in users only")
    return visitor


ReaderVisit = Annotated[ConsoleSession | None, Depends(reader)]
SignedInVisit = Annotated[ConsoleSession, Depends(_signed_in)]
EditorVisit = Annotated[ConsoleSession, Depends(require(*EDITORIAL_ROLES))]
PublisherVisit = Annotated[ConsoleSession, Depends(require(Role.PUBLISHER))]
OrganisationVisit = Annotated[ConsoleSession, Depends(require(*ORGANISATION_ROLES))]


class Form:
    """A submitted form's text fields (files are ignored: no console form takes any)."""

    def __init__(self, data: FormData) -> None:
        self._data = data

    def text(self, name: str, default: str = "") -> str:
        """The field's text with line endings made `\\n` (browsers send `\\r\\n`)."""
        value = self._data.get(name)
        return value.replace("\r\n", "\n") if isinstance(value, str) else default

    def texts(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes, multi-selects)."""
        return [v for v in self._data.getlist(name) if isinstance(v, str)]

    def names(self) -> list[str]:
        return [k for k in self._data if isinstance(self._data.get(k), str)]

    def has(self, name: str) -> bool:
        return name in self._data


async def checked_form(request: Request, visitor: Visit) -> Form:
    """The form of a signed-in visitor's POST, if its CSRF token is the session's."""
    data = await request.form()
    sent = data.get("csrf")
    if (
        visitor is None
        or not isinstance(sent, str)
        or not hmac.compare_digest(sent.encode(), visitor.csrf_token.encode())
    ):
        raise ForbiddenError(_FORM_EXPIRED)
    return Form(data)


CheckedForm = Annotated[Form, Depends(checked_form)]


def _secure(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return request.url.scheme == "https" or settings.console_https


def set_session_cookie(
    request: Request, response: Response, value: str, lifetime: timedelta
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=int(lifetime.total_seconds()),
        path=_COOKIE_PATH,
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=_COOKIE_PATH, secure=_secure(request), httponly=True, samesite="strict"
    )


def login_token(request: Request) -> str:
    """The sign-in form's CSRF token: the one in its cookie, or a new one."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    """The double-submit cookie of the sign-in form, sent back only to the sign-in page."""
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=_LOGIN_PATH,
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def check_login_csrf(request: Request, form: FormData) -> None:
    """The sign-in form's token must equal its cookie (a cross-site page can set neither)."""
    cookie = request.cookies.get(LOGIN_COOKIE)
    sent = form.get("csrf")
    if (
        not cookie
        or not isinstance(sent, str)
        or not hmac.compare_digest(sent.encode(), cookie.encode())
    ):
        raise ForbiddenError(_FORM_EXPIRED)
