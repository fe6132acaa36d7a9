"""The TAXII 2.1 peer's consumer: fetch a collection with taxii2-client, as a user of it would.

Runs in the peer's own virtual environment (bench/.peer-venv, made by `bench/run`), never in
kpfeed's: it imports nothing from kpfeed.

    bench/.peer-venv/bin/python bench/peer_client.py URL [--added-after TS] [--repeat N]

Each fetch is timed from an empty client: server discovery, the API root, its collections,
then every page of `Get Objects` (`added_after` for the incremental case), each page's JSON
parsed. Prints one JSON document: per fetch its seconds, bytes received, requests and objects.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from taxii2client.v21 import Server, as_pages

USER = PASSWORD = "bench"  # noqa: S105 (a throwaway local test server)


def fetch(url: str, page: int, added_after: str | None) -> dict[str, Any]:
    counted = {"requests": 0, "bytes": 0}

    def count(response: Any, *args: Any, **kwargs: Any) -> None:
        counted["requests"] += 1
        counted["bytes"] += len(response.content)

    start = time.perf_counter()
    server = Server(f"{url}taxii2/", user=USER, password=PASSWORD)
    server._conn.session.hooks["response"].append(count)
    root = server.api_roots[0]  # the client makes one connection per API root
    root._conn.session.hooks["response"].append(count)
    collection = root.collections[0]
    filters = {"added_after": added_after} if added_after else {}
    objects = 0
    for envelope in as_pages(collection.get_objects, per_request=page, **filters):
        objects += len(envelope.get("objects", []))
    seconds = time.perf_counter() - start
    root.close()
    server.close()
    return {"seconds": seconds, "objects": objects, **counted}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("url", help="the server's base URL, ending in /")
    parser.add_argument("--added-after", help="only objects added after this timestamp")
    parser.add_argument("--page", type=int, default=1000, help="objects per request")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    runs = [fetch(args.url, args.page, args.added_after) for _ in range(args.repeat)]
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()
