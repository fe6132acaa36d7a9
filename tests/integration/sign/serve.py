"""A static file server for tests: serves a folder on 127.0.0.1, port chosen by the system.

Run as `python serve.py FOLDER [--endless URL_PATH ...]`; prints `PORT <n>` once listening.
A URL path given with `--endless` answers with an endless body (no Content-Length) so a test
can show the client stops by itself.
"""

from __future__ import annotations

import argparse
import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(SimpleHTTPRequestHandler):
    endless: frozenset[str] = frozenset()

    def do_GET(self) -> None:
        if self.path in self.endless:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            chunk = b"\0" * 65536
            try:
                while True:
                    self.wfile.write(chunk)
            except OSError:  # the client hung up: that is the point
                return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--endless", action="append", default=[])
    args = parser.parse_args()
    handler = functools.partial(Handler, directory=args.folder)
    Handler.endless = frozenset(args.endless)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
