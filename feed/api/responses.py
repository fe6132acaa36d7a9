"""JSON responses with a strong ETag over their bytes, and 304 when the client has them."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from feed.api.conditional import etag_matches

__all__ = ["json_with_etag"]


def json_with_etag(request: Request, data: Any) -> Response:
    """`data` as JSON with `ETag` (SHA-256 of the bytes); 304 on a matching If-None-Match.

    `no-cache` lets clients and caches keep the response but makes them revalidate each time,
    which costs a 304 when nothing changed.
    """
    body = orjson.dumps(data)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Authorization"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type="application/json")
