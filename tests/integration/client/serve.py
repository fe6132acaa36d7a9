"""A static file server for client tests, like `python -m http.server`, with ETag and Range.

Run as `python serve.py FOLDER`; prints `PORT <n>` once listening on 127.0.0.1. It serves
FOLDER like a CDN would (ETag from the content, `304` to a matching `If-None-Match`, `206` to
`Range: bytes=A-B`), also as a forward proxy (a request line with an absolute URL is served
from its path), and misbehaves on request: each first-level subfolder (one per test) may hold
`.rules.json`:

    {"token": "T",                      every request needs `Authorization: Bearer T`
     "paths": {"/sub/x.json": "huge"}}  "huge": 2 GiB of zeros made on the fly, announced
                                        "huge-unannounced": the same without Content-Length
                                        "drop": half the body, then the connection is cut
                                        "html": a login page instead of the file
                                        "503": that status

and gets `.requests.log`, one JSON line per request (path, status, some headers).
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

HUGE = 2 * 1024**3
LOGIN_PAGE = b"<!doctype html><html><body><h1>Sign in to continue</h1></body></html>"


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root: Path

    def do_GET(self) -> None:
        if self.path.startswith(("http://", "https://")):  # forward-proxy form
            self.path = urlsplit(self.path).path
        path = unquote(self.path.split("?", 1)[0])
        folder = self.root / path.lstrip("/").split("/", 1)[0]
        rules = _rules(folder)
        token = rules.get("token")
        if token and self.headers.get("Authorization") != f"Bearer {token}":
            return self._answer(folder, path, 401, b"token required", "text/plain")
        rule = rules.get("paths", {}).get(path)
        if rule == "html":
            return self._answer(folder, path, 200, LOGIN_PAGE, "text/html; charset=utf-8")
        if rule == "503":
            return self._answer(folder, path, 503, b"busy", "text/plain")
        if rule in ("huge", "huge-unannounced"):
            return self._huge(folder, path, announce=rule == "huge")
        file = self.root / path.lstrip("/")
        if not file.is_file() or ".." in path.split("/"):
            return self._answer(folder, path, 404, b"not found", "text/plain")
        data = file.read_bytes()
        etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
        if self.headers.get("If-None-Match") == etag:
            return self._answer(folder, path, 304, b"", None, etag=etag)
        if rule == "drop":
            return self._drop(folder, path, data)
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes=") and "-" in wanted:
            first, last = wanted.removeprefix("bytes=").split("-", 1)
            start, end = int(first or 0), min(int(last or len(data) - 1), len(data) - 1)
            return self._answer(folder, path, 206, data[start : end + 1], "application/json")
        return self._answer(folder, path, 200, data, "application/json", etag=etag)

    def _answer(
        self,
        folder: Path,
        path: str,
        status: int,
        body: bytes,
        content_type: str | None,
        *,
        etag: str | None = None,
    ) -> None:
        self._log(folder, path, status)
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def _huge(self, folder: Path, path: str, *, announce: bool) -> None:
        self._log(folder, path, 200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if announce:
            self.send_header("Content-Length", str(HUGE))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            for _ in range(HUGE // len(chunk)):  # produced lazily, never held
                self.wfile.write(chunk)
        except OSError:  # the client hung up: that is the point
            self.close_connection = True

    def _drop(self, folder: Path, path: str, data: bytes) -> None:
        self._log(folder, path, 200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)  # cut mid-body; the client sees a short read

    def _log(self, folder: Path, path: str, status: int) -> None:
        if not folder.is_dir():
            return
        entry = {
            "path": path,
            "status": status,
            "authorization": self.headers.get("Authorization"),
            "if_none_match": self.headers.get("If-None-Match"),
            "range": self.headers.get("Range"),
            "proxied": self.requestline.split(" ")[1].startswith("http"),
        }
        with (folder / ".requests.log").open("a") as log:
            log.write(json.dumps(entry) + "\n")

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


def _rules(folder: Path) -> dict[str, Any]:
    try:
        rules: dict[str, Any] = json.loads((folder / ".rules.json").read_text())
    except (OSError, ValueError):
        return {}
    return rules


def main() -> None:
    Handler.root = Path(sys.argv[1]).resolve()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
