"""FastAPI dependencies and their `Annotated` aliases: settings, store sessions, principals, roles.

Routes say who may call them by the alias they take (`EditorPrincipal`, `OrganisationPrincipal`
...); the role checks live here and nowhere else. A route that takes no principal alias is open
to anyone, which the role-matrix test makes visible.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from feed.accounts import EDITORIAL_ROLES, ORGANISATION_ROLES, Principal, Role
from feed.config import Settings
from feed.errors import ForbiddenError, UnauthenticatedError
from feed.store.accounts import authenticate
from feed.store.db import transaction

__all__ = [
    "AdminPrincipal",
    "AnyPrincipal",
    "CurrentPrincipal",
    "EditorPrincipal",
    "EngineDep",
    "FeedReader",
    "OptionalPrincipal",
    "OrganisationPrincipal",
    "OrganisationWrite",
    "PublisherPrincipal",
    "RawBody",
    "SessionDep",
    "SettingsDep",
    "WriteCaller",
    "in_transaction",
    "require_roles",
    "write_caller",
]

T = TypeVar("T")


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency on the
# threadpool, and a hop there and back costs more than what these do.


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    """The engine the lifespan created (one per process)."""
    engine: Engine = request.app.state.engine
    return engine


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises.

    Scoped to the route function, so the commit happens *before* the response is sent: a
    client that got a 201 can rely on the data being stored.
    """
    with transaction(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise UnauthenticatedError("the Authorization header must be `Bearer <token>`")
    return credentials.strip()


def _authenticate(engine: Engine, token: str) -> Principal:
    with transaction(engine) as session:
        return authenticate(session, token)


async def get_optional_principal(request: Request, engine: EngineDep) -> Principal | None:
    """The caller's principal, None without a token; a wrong token is refused, not ignored."""
    token = _bearer(request)
    if token is None:
        return None
    principal = await run_in_threadpool(_authenticate, engine, token)
    # The access log names the principal (never the token); see feed.api.observe.
    request.state.principal = principal
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_principal(principal: OptionalPrincipal) -> Principal:
    """The caller's principal; 401 without a token."""
    if principal is None:
        raise UnauthenticatedError("this needs a bearer token")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
#: Any authenticated caller, whatever the role.
AnyPrincipal = CurrentPrincipal


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through only principals with one of `roles` (403 otherwise)."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise ForbiddenError(f"this needs one of the roles: {names}")
        return principal

    check.__name__ = f"require_{'_or_'.join(sorted(r.value for r in allowed))}"
    return check


EditorPrincipal = Annotated[Principal, Depends(require_roles(*EDITORIAL_ROLES))]
PublisherPrincipal = Annotated[Principal, Depends(require_roles(Role.PUBLISHER))]
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
OrganisationPrincipal = Annotated[Principal, Depends(require_roles(*ORGANISATION_ROLES))]
CompanyPrincipal = Annotated[Principal, Depends(require_roles(Role.COMPANY))]


async def read_body(request: Request) -> bytes:
    """The raw request body (the body size limit applies before this)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(read_body)]


@dataclass(frozen=True)
class WriteCaller:
    """The bearer token of a write route that checks it inside its own transaction.

    `CurrentPrincipal` checks a token in a transaction of its own, and a route's session
    dependency opens another: two transactions and three trips to the threadpool per request.
    A hot write route takes this instead and does everything blocking in one threadpool call
    (`in_transaction`): one transaction whose first query is the token check, so a revoked
    token is refused at once, as everywhere else, and the role check still lives here.
    """

    token: str
    roles: frozenset[Role]
    request: Request

    def authorise(self, session: Session) -> Principal:
        """The caller's principal, checked in `session`'s transaction; 401 or 403 otherwise."""
        principal = authenticate(session, self.token)
        # The access log names the principal (never the token); see feed.api.observe.
        self.request.state.principal = principal
        if principal.role not in self.roles:
            names = ", ".join(sorted(r.value for r in self.roles))
            raise ForbiddenError(f"this needs one of the roles: {names}")
        return principal


def write_caller(*roles: Role) -> Callable[[Request], Awaitable[WriteCaller]]:
    """A dependency giving a write route its caller's token, unchecked yet (401 without one)."""
    allowed = frozenset(roles)

    async def caller(request: Request) -> WriteCaller:
        token = _bearer(request)
        if token is None:
            raise UnauthenticatedError("this needs a bearer token")
        return WriteCaller(token, allowed, request)

    caller.__name__ = f"write_caller_{'_or_'.join(sorted(r.value for r in allowed))}"
    return caller


def in_transaction(
    engine: Engine, caller: WriteCaller, work: Callable[[Session, Principal], T]
) -> T:
    """`work(session, principal)` in one write transaction that begins with the caller's token
    check, committed before this returns (run it on the threadpool: it blocks)."""
    with transaction(engine, writes=True) as session:
        return work(session, caller.authorise(session))


#: An organisation's token, for a write route that checks it in its own transaction.
OrganisationWrite = Annotated[WriteCaller, Depends(write_caller(*ORGANISATION_ROLES))]


async def get_feed_reader(request: Request) -> Principal | None:
    """Whoever may read published data: anyone, or any token holder when the feed is restricted.

    Without the restriction no database is touched, so the public feed stays fast.
    """
    settings: Settings = request.app.state.settings
    if not settings.feed_requires_token:
        return None
    engine: Engine = request.app.state.engine
    principal = await get_optional_principal(request, engine)
    if principal is None:
        raise UnauthenticatedError("this deployment serves the feed to token holders only")
    return principal


FeedReader = Annotated[Principal | None, Depends(get_feed_reader)]
