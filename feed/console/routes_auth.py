"""Signing in (with a token or a user's password) and out of the console."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from feed.accounts import EDITORIAL_ROLES, Principal, Role
from feed.config import Settings
from feed.console.sessions import (
    SESSION_COOKIE,
    CheckedForm,
    SignedInVisit,
    Visit,
    check_login_csrf,
    clear_session_cookie,
    login_token,
    set_login_cookie,
    set_session_cookie,
)
from feed.console.web import PREFIX, local_target, page, redirect
from feed.errors import UnauthenticatedError
from feed.store.console import (
    ConsoleSession,
    end_session,
    open_session,
    password_principal,
    token_principal,
)
from feed.store.db import transaction

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def home_of(principal: Principal) -> str:
    """Where a visitor lands after signing in."""
    if principal.role in EDITORIAL_ROLES:
        return f"{PREFIX}/editor"
    if principal.role in (Role.COMPANY, Role.CONTRIBUTOR):
        return f"{PREFIX}/feedback"
    return f"{PREFIX}/records"


def _login_page(
    request: Request, *, error: str | None = None, method: str = "token", name: str = ""
) -> Response:
    token = login_token(request)
    response = page(
        request,
        "login.html",
        code=401 if error else 200,
        login_csrf=token,
        error=error,
        method=method,
        name=name,
        next=local_target(request.query_params.get("next"), ""),
    )
    set_login_cookie(request, response, token)
    return response


@router.get("/login")
def get_login(request: Request, visitor: Visit) -> Response:
    """The sign-in page: a token (any account) or a user's name and password."""
    return _login_page(request)


def _sign_in(engine: Engine, method: str, name: str, secret: str, hours: int) -> ConsoleSession:
    with transaction(engine) as session:
        if method == "password":
            principal = password_principal(session, name, secret)
        else:
            principal = token_principal(session, secret)
        return open_session(session, principal, lifetime=timedelta(hours=hours))


@router.post("/login")
async def post_login(request: Request) -> Response:
    """Check the credentials and open a session; a wrong one says so without saying which."""
    form = await request.form()
    check_login_csrf(request, form)
    method = "password" if form.get("method") == "password" else "token"
    name = str(form.get("name") or "")
    secret = str(form.get("password") if method == "password" else form.get("token") or "")
    settings: Settings = request.app.state.settings
    if not secret.strip():
        return _login_page(request, error="Fill in the form first.", method=method, name=name)
    try:
        opened = await run_in_threadpool(
            _sign_in,
            request.app.state.engine,
            method,
            name,
            secret,
            settings.console_session_hours,
        )
    except UnauthenticatedError as error:
        return _login_page(request, error=f"Not signed in: {error}.", method=method, name=name)
    assert opened.cookie is not None
    target = local_target(str(form.get("next") or ""), home_of(opened.principal))
    response = redirect(target)
    set_session_cookie(
        request, response, opened.cookie, timedelta(hours=settings.console_session_hours)
    )
    return response


def _sign_out(engine: Engine, cookie: str) -> None:
    with transaction(engine) as session:
        end_session(session, cookie)


@router.post("/logout")
async def post_logout(request: Request, visitor: SignedInVisit, _form: CheckedForm) -> Response:
    """End the session in the store (so a copied cookie is useless too) and drop the cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await run_in_threadpool(_sign_out, request.app.state.engine, cookie)
    response = redirect(f"{PREFIX}/login", done="signed-out")
    clear_session_cookie(request, response)
    return response
