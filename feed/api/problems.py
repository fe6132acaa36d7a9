"""RFC 9457 problem documents: the one table from library errors to HTTP status codes.

Library code raises only `feed.errors` classes; this module is where they become HTTP. The
table is walked along the exception's MRO, so the most specific class wins and a new subclass
inherits its parent's status until it is given its own row.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from feed import errors

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "STATUS_BY_ERROR",
    "STORE_RETRY_AFTER_SECONDS",
    "ProblemDocument",
    "install_problem_handlers",
    "problem_response",
    "problem_type",
    "status_for",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"

#: The one table. Keys are error classes, values HTTP status codes.
STATUS_BY_ERROR: dict[type[errors.KpfeedError], int] = {
    errors.KpfeedError: 500,
    errors.ConfigError: 500,
    errors.InputError: 400,
    errors.SourceFormatError: 400,
    errors.ValidationFailed: 422,
    errors.StoreError: 500,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,
    errors.StateError: 409,
    errors.StoreUnavailableError: 503,
    errors.ReleaseError: 409,
    errors.VersionOrderError: 409,
    errors.FourEyesError: 403,
    errors.ImmutableReleaseError: 409,
    errors.ExportError: 500,
    errors.PublishError: 500,
    errors.KeyStoreError: 500,
    errors.TrustError: 500,
    errors.FetchError: 502,
    errors.TooLargeError: 413,
    errors.DeltaError: 500,
    errors.AuthError: 401,
    errors.UnauthenticatedError: 401,
    errors.ForbiddenError: 403,
    errors.FeedbackError: 400,
    errors.CycleClosedError: 409,
    errors.IdempotencyError: 422,
    errors.RateLimitedError: 429,
}

#: Seconds a client is asked to wait when the database cannot be reached (`Retry-After`): long
#: enough for a database restart or failover, short enough not to stall a retrying client.
STORE_RETRY_AFTER_SECONDS = 5

_log = logging.getLogger("kpfeed.api")


class ValidationEntry(BaseModel):
    """One located problem with the request or with the records it carries."""

    pointer: str = Field(
        description="JSON Pointer (RFC 6901) into the part named by `in` ('' is the whole).",
        examples=["/aliases/0/language"],
    )
    message: str = Field(description="What is wrong, for a person.")
    in_: str | None = Field(
        default=None,
        alias="in",
        description="`body`, `query`, `path` or `header` for request errors.",
    )
    record_id: str | None = Field(default=None, description="Record the problem is in.")


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document (`application/problem+json`)."""

    type: str = Field(
        description="URN naming the problem type.", examples=["urn:kpfeed:problem:not-found"]
    )
    title: str = Field(description="Short summary of the problem type.", examples=["Not found"])
    status: int = Field(description="HTTP status code.", examples=[404])
    detail: str | None = Field(
        default=None, description="What went wrong this time.", examples=["no release 2031.1"]
    )
    instance: str | None = Field(
        default=None, description="The request path the problem occurred at."
    )
    errors: list[ValidationEntry] | None = Field(
        default=None, description="Located problems, for validation errors."
    )
    retry_after: int | None = Field(
        default=None, description="Seconds to wait before retrying (also in `Retry-After`)."
    )
    next_window_opens: datetime | None = Field(
        default=None, description="When the next feedback window opens (UTC), if one is planned."
    )


def status_for(error: BaseException) -> int:
    """The HTTP status of a library error: the row of the most specific class in the table."""
    for cls in type(error).__mro__:
        status = STATUS_BY_ERROR.get(cls)
        if status is not None:
            return status
    return 500


def _slug(name: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(name.removesuffix("Error")):
        if ch.isupper() and i:
            out.append("-")
        out.append(ch.lower())
    return "".join(out)


def problem_type(error: BaseException) -> tuple[str, str]:
    """The URN and title naming an error's problem type, e.g. `urn:kpfeed:problem:not-found`."""
    name = type(error).__name__
    slug = _slug(name)
    title = slug.replace("-", " ").capitalize()
    return f"urn:kpfeed:problem:{slug}", title


_HTTP_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Rate limited",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_response(
    status: int,
    *,
    type_: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A ready `application/problem+json` response."""
    title = title or _HTTP_TITLES.get(status, "Error")
    doc: dict[str, Any] = {
        "type": type_ or f"urn:kpfeed:problem:http-{status}",
        "title": title,
        "status": status,
    }
    if detail:
        doc["detail"] = detail
    if instance:
        doc["instance"] = instance
    if extra:
        doc.update(extra)
    hdrs = dict(headers or {})
    if status == 401:
        hdrs.setdefault("WWW-Authenticate", 'Bearer realm="kpfeed"')
    return Response(
        orjson.dumps(doc), status_code=status, headers=hdrs, media_type=PROBLEM_MEDIA_TYPE
    )


def _error_entries(error: errors.KpfeedError) -> list[dict[str, Any]] | None:
    problems: Sequence[errors.Problem] = ()
    if isinstance(error, errors.ValidationFailed):
        problems = error.problems
    elif isinstance(error, errors.SourceFormatError):
        problems = [error.problem]
    if not problems:
        return None
    entries = []
    for p in problems:
        entry: dict[str, Any] = {"pointer": p.pointer, "message": p.message}
        if p.record_id:
            entry["record_id"] = p.record_id
        entries.append(entry)
    return entries


def _first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else ""


def library_problem(error: errors.KpfeedError, instance: str | None) -> Response:
    """The problem document for a library error, with its status from the table."""
    status = status_for(error)
    type_, title = problem_type(error)
    detail = str(error)
    if status >= 500:
        # Server-side failures may name paths, keys or hosts: the log gets the message, the
        # client the class's generic description.
        _log.error("request failed: %s: %s", type(error).__name__, error)
        detail = _first_line(type(error).__doc__)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    entries = _error_entries(error)
    if entries is not None:
        extra["errors"] = entries
    if isinstance(error, errors.RateLimitedError):
        extra["retry_after"] = error.retry_after
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, errors.StoreUnavailableError):
        # A write cut off at its commit may or may not have been stored: the answer says how
        # to retry safely rather than promising either.
        detail = (
            f"The database cannot be reached at the moment; retry in {STORE_RETRY_AFTER_SECONDS} "
            "seconds (a feedback submission sent again with the same Idempotency-Key is stored "
            "only once)."
        )
        extra["retry_after"] = STORE_RETRY_AFTER_SECONDS
        headers["Retry-After"] = str(STORE_RETRY_AFTER_SECONDS)
    if isinstance(error, errors.CycleClosedError) and error.next_opens is not None:
        extra["next_window_opens"] = error.next_opens.isoformat().replace("+00:00", "Z")
    return problem_response(
        status,
        type_=type_,
        title=title,
        detail=detail,
        instance=instance,
        extra=extra,
        headers=headers,
    )


def _pointer(loc: Sequence[int | str]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in loc)


def request_validation_problem(exc: RequestValidationError, instance: str) -> Response:
    """FastAPI's request validation errors as a 422 problem with located entries."""
    entries: list[dict[str, Any]] = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        where = str(loc.pop(0)) if loc else "body"
        entries.append({"in": where, "pointer": _pointer(loc), "message": str(err.get("msg"))})
    count = len(entries)
    return problem_response(
        422,
        type_="urn:kpfeed:problem:request-validation",
        title="Request validation failed",
        detail=f"{count} problem{'s' if count != 1 else ''} in the request",
        instance=instance,
        extra={"errors": entries},
    )


async def _on_library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.KpfeedError)
    return library_problem(exc, request.url.path)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        exc.status_code, detail=detail, instance=request.url.path, headers=exc.headers
    )


async def _on_request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return request_validation_problem(exc, request.url.path)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    _log.exception("unexpected error at %s", request.url.path, exc_info=exc)
    return problem_response(
        500, detail="an unexpected error occurred; it has been logged", instance=request.url.path
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""
    app.add_exception_handler(errors.KpfeedError, _on_library_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(Exception, _on_unexpected)
