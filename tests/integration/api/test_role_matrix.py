"""Who may call what: every route of the app, with every role and with no token.

THE TABLE BELOW IS THE ACCESS POLICY of the API. A route that is in neither it nor the
console's table (tests/integration/console/access.py, checked with session cookies by the
console's own matrix test) fails `test_every_route_of_the_app_is_in_the_access_table`, so
whoever adds a route must decide who may call it. Values are the callers allowed: `None` is
"no token", the rest are roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import BaseRoute

from feed.accounts import Role
from feed.api import create_app
from tests.integration.api.common import bearer, running, settings_for
from tests.integration.console.access import CONSOLE_ACCESS

pytestmark = pytest.mark.anyio

Caller = Role | None
EVERYONE: frozenset[Caller] = frozenset({None, *Role})
TOKEN_HOLDERS: frozenset[Caller] = frozenset(Role)
ORGANISATIONS: frozenset[Caller] = frozenset({Role.COMPANY, Role.CONTRIBUTOR})
EDITORS: frozenset[Caller] = frozenset({Role.EDITOR, Role.PUBLISHER})
PUBLISHERS: frozenset[Caller] = frozenset({Role.PUBLISHER})
#: Published data (feed files, read API): everyone, or token holders when the feed is restricted.
PUBLISHED = "published"

ACCESS: dict[tuple[str, str], frozenset[Caller] | str] = {
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/readyz"): EVERYONE,
    ("GET", "/metrics"): EVERYONE,
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("HEAD", "/api/v1/openapi.json"): EVERYONE,
    ("GET", "/api/v1/docs"): EVERYONE,
    ("HEAD", "/api/v1/docs"): EVERYONE,
    ("GET", "/api/v1/me"): TOKEN_HOLDERS,
    ("GET", "/api/v1/records"): PUBLISHED,
    ("GET", "/api/v1/records/{record_id}"): PUBLISHED,
    ("GET", "/api/v1/releases"): PUBLISHED,
    ("GET", "/api/v1/releases/{version}"): PUBLISHED,
    ("GET", "/api/v1/diff"): PUBLISHED,
    ("GET", "/feed/{path:path}"): PUBLISHED,
    ("HEAD", "/feed/{path:path}"): PUBLISHED,
    # The hosted matcher reveals nothing beyond the published package, which every token holder
    # may read; anonymous callers are kept out because matching costs CPU.
    ("POST", "/api/v1/match"): TOKEN_HOLDERS,
    ("POST", "/api/v1/feedback"): ORGANISATIONS,
    ("GET", "/api/v1/feedback"): ORGANISATIONS,
    ("GET", "/api/v1/feedback/{feedback_id}"): ORGANISATIONS,
    ("GET", "/api/v1/editor/feedback"): EDITORS,
    ("GET", "/api/v1/editor/feedback.csv"): EDITORS,
    ("GET", "/api/v1/editor/feedback/aggregates"): EDITORS,
    ("GET", "/api/v1/editor/feedback/aggregates.csv"): EDITORS,
    ("GET", "/api/v1/editor/feedback/{feedback_id}"): EDITORS,
    ("POST", "/api/v1/editor/feedback/{feedback_id}/triage"): EDITORS,
    ("POST", "/api/v1/editor/feedback/{feedback_id}/draft"): EDITORS,
    ("GET", "/api/v1/editor/cycles"): EDITORS,
    ("POST", "/api/v1/editor/cycles"): EDITORS,
    ("GET", "/api/v1/editor/cycles/{name}"): EDITORS,
    ("POST", "/api/v1/editor/cycles/{name}/open"): EDITORS,
    ("POST", "/api/v1/editor/cycles/{name}/close"): EDITORS,
    ("GET", "/api/v1/editor/records"): EDITORS,
    ("POST", "/api/v1/editor/records"): EDITORS,
    ("GET", "/api/v1/editor/records/{record_id}"): EDITORS,
    ("PUT", "/api/v1/editor/records/{record_id}"): EDITORS,
    ("POST", "/api/v1/editor/records/{record_id}/submit"): EDITORS,
    ("POST", "/api/v1/editor/records/{record_id}/approve"): EDITORS,
    ("POST", "/api/v1/editor/records/{record_id}/reject"): EDITORS,
    ("POST", "/api/v1/editor/records/{record_id}/retire"): EDITORS,
    ("GET", "/api/v1/editor/releases"): EDITORS,
    ("POST", "/api/v1/editor/releases"): EDITORS,
    ("GET", "/api/v1/editor/releases/{version}"): EDITORS,
    # Publishers are the second pair of eyes on a release and hold the signing step.
    ("POST", "/api/v1/editor/releases/{version}/approve"): PUBLISHERS,
    ("POST", "/api/v1/editor/releases/{version}/publish"): PUBLISHERS,
}

#: Values for path parameters and required query strings, so a request reaches the route.
PATH_VALUES = {
    "{path:path}": "feed.json",
    "{record_id}": "group:synthetic-0000000",
    "{version}": "2024.1",
    "{feedback_id}": "0" * 32,
    "{name}": "2024",
}
QUERIES = {"/api/v1/diff": {"from": "2024.1", "to": "2024.2"}}


def _routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI's included routers
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app answers."""
    return {
        (method, str(getattr(route, "path", "")))
        for route in _routes(app.router.routes)
        for method in (getattr(route, "methods", None) or ())
    }


def _allowed(rule: frozenset[Caller] | str, restricted: bool) -> frozenset[Caller]:
    if rule == PUBLISHED:
        return TOKEN_HOLDERS if restricted else EVERYONE
    assert isinstance(rule, frozenset)
    return rule


def _url(path: str) -> str:
    for template, value in PATH_VALUES.items():
        path = path.replace(template, value)
    assert "{" not in path, f"add a value for the parameter in {path} to PATH_VALUES"
    return path


def test_every_route_of_the_app_is_in_the_access_table(tmp_path: Path) -> None:
    assert set(ACCESS).isdisjoint(CONSOLE_ACCESS)
    assert app_routes(create_app(settings_for(tmp_path))) == set(ACCESS) | set(CONSOLE_ACCESS)


@pytest.mark.parametrize("restricted", [False, True], ids=["open-feed", "restricted-feed"])
async def test_each_route_lets_in_exactly_the_allowed_callers(
    tmp_path: Path, store_url: str, tokens: dict[Role, str], public: Path, restricted: bool
) -> None:
    settings = settings_for(tmp_path, store_url, feed_requires_token=restricted)
    outcome: dict[tuple[str, str], set[Caller]] = {}
    wrong: list[str] = []
    async with running(create_app(settings)) as client:
        for method, path in sorted(ACCESS):
            let_in: set[Caller] = set()
            for caller in [None, *Role]:
                headers: dict[str, Any] = bearer(tokens[caller]) if caller else {}
                response = await client.request(
                    method, _url(path), headers=headers, params=QUERIES.get(path)
                )
                if response.status_code not in (401, 403):
                    let_in.add(caller)
                elif response.status_code != (401 if caller is None else 403):
                    wrong.append(f"{method} {path} as {caller}: {response.status_code}")
            outcome[(method, path)] = let_in
    expected = {key: set(_allowed(rule, restricted)) for key, rule in ACCESS.items()}
    assert outcome == expected
    assert wrong == []
