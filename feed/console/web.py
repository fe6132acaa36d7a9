"""Rendering console pages: the Jinja2 environment (autoescaped), responses, safe redirects.

Every value reaches a page through Jinja2's autoescaping; nothing is marked safe except the
SVG the chart module builds, which escapes every text it places itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from feed.console.forms import field_id
from feed.console.sessions import visitor_of

__all__ = ["PREFIX", "environment", "local_target", "page", "redirect", "yaml_text"]

PREFIX = "/console"

#: Messages a redirect may ask the next page to show (`?done=KEY`): never text from the URL.
DONE = {
    "signed-out": "You are signed out.",
    "saved": "Draft saved.",
    "created": "Draft created.",
    "submitted": "Submitted for review.",
    "approved": "Approved.",
    "rejected": "Sent back to draft with your comment.",
    "retired": "Retired: the next release leaves it out.",
    "feedback": "Thank you: your feedback is stored. Its status is below.",
    "triaged": "Status changed.",
    "drafted": "A draft record was made from the proposal.",
    "release-created": "Draft release created. A publisher approves and publishes it.",
    "release-approved": "Release approved.",
    "release-published": "Release published: it is in the feed now.",
}


def _path(value: object) -> str:
    """A value for a URL path segment (record ids keep their colon)."""
    return quote(str(value), safe=":")


def _when(value: datetime | str | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")


def yaml_text(value: Any) -> str:
    """A value as readable YAML (what editors know from editor files)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # No folding: the page wraps long lines itself.
    text: str = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=1_000_000)
    return text.removesuffix("\n...\n").rstrip("\n")


def _query(params: dict[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return urlencode(kept)


class _Undefined(StrictUndefined):
    """A missing value tests false and iterates as empty, but printing one is a template bug."""

    def __bool__(self) -> bool:  # type: ignore[override]
        return False

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return iter(())

    def __len__(self) -> int:  # type: ignore[override]
        return 0


environment = Environment(
    loader=PackageLoader("feed.console", "templates"),
    autoescape=select_autoescape(["html", "svg"], default=True),
    undefined=_Undefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["path"] = _path
environment.filters["when"] = _when
environment.filters["yaml"] = yaml_text
environment.filters["query"] = _query
environment.filters["field_id"] = field_id
environment.globals["PREFIX"] = PREFIX


def page(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    """Render `template` with the visitor, its CSRF token and a done-message, if any; `code`
    is the HTTP status (every other keyword goes to the template)."""
    visitor = visitor_of(request)
    done = DONE.get(request.query_params.get("done", ""))
    body = environment.get_template(template).render(
        visitor=visitor,
        principal=visitor.principal if visitor else None,
        csrf=visitor.csrf_token if visitor else "",
        done=done,
        request_path=request.url.path,
        **context,
    )
    return HTMLResponse(body, status_code=code)


def local_target(target: str | None, default: str = f"{PREFIX}/") -> str:
    """`target` if it is a path inside the console, else `default` (no open redirects)."""
    if (
        not target
        or not target.startswith(f"{PREFIX}/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 0x20 for ch in target)
    ):
        return default
    return target


def redirect(target: str, done: str | None = None) -> RedirectResponse:
    """A 303 to a console page (after a form), optionally naming a message from DONE."""
    if done is not None:
        assert done in DONE, done
        target += ("&" if "?" in target else "?") + urlencode({"done": done})
    return RedirectResponse(target, status_code=303)
