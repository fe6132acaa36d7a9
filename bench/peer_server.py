"""The TAXII 2.1 peer: kpfeed's STIX export of a release, served by medallion (memory backend).

medallion is the OASIS reference TAXII 2.1 server. It runs from its own virtual environment
(bench/.peer-venv, which `bench/run` makes), on a free port of 127.0.0.1, from a data file
holding one API root with one collection: the STIX objects and their manifest entries, each
object "added" at the time of the release that brought it.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.feed_get_bench import free_port

REPO = Path(__file__).resolve().parent.parent
PEER_PYTHON = REPO / "bench" / ".peer-venv" / "bin" / "python"
COLLECTION = "6b9f2f6c-3b1e-4c8e-9a55-2f4d3c1b0a01"
USER = PASSWORD = "bench"  # noqa: S105 (a throwaway local test server)
PAGE = 1000  # medallion's max_page_size here, and what the client asks for
STIX_MEDIA = "application/stix+json;version=2.1"
TAXII_MEDIA = "application/taxii+json;version=2.1"


def stix_objects(package_json: bytes) -> list[dict[str, Any]]:
    """The STIX objects `kpfeed export stix` writes for this package.

    Leaves out the two `extension-definition` objects: medallion 3.0's memory backend reads
    their `version` property ("1.0.0", the extension's version) as the object's TAXII version
    timestamp and fails with a 500 on every Get Objects. The objects that use the extension
    still carry it; a TAXII client would fetch its definition once.
    """
    from feed.export import to_stix
    from feed.export.mirror import parse_package

    bundle = orjson.loads(to_stix(parse_package(package_json)))
    return [o for o in bundle["objects"] if o["type"] != "extension-definition"]


def _version(obj: dict[str, Any]) -> str | None:
    value = obj.get("modified", obj.get("created"))
    return None if value is None else str(value)


def new_versions(
    before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Objects of `after` that are not in `before` as the same version (id and modified)."""
    known = {(o["id"], _version(o)) for o in before}
    return [o for o in after if (o["id"], _version(o)) not in known]


def taxii_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def collection_data(
    base_url: str, batches: Sequence[tuple[datetime, Sequence[dict[str, Any]]]]
) -> dict[str, Any]:
    """medallion's memory-backend document: objects with manifest entries, by batch."""
    objects: list[dict[str, Any]] = []
    manifest = []
    for added, batch in batches:
        stamp = taxii_time(added)
        for obj in batch:
            version = _version(obj)
            if version is None:  # an SCO: medallion versions it by the time it was added
                obj = {**obj, "_date_added": stamp}
                version = stamp
            objects.append(obj)
            manifest.append(
                {"id": obj["id"], "date_added": stamp, "version": version, "media_type": STIX_MEDIA}
            )
    root = f"{base_url}api1/"
    return {
        "/discovery": {
            "title": "kpfeed benchmark peer",
            "default": root,
            "api_roots": [root],
        },
        "api1": {
            "information": {
                "title": "kpfeed benchmark peer",
                "versions": [TAXII_MEDIA],
                "max_content_length": 1 << 30,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "Synthetic knowledge package",
                    "can_read": True,
                    "can_write": False,
                    "media_types": [STIX_MEDIA],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }


@contextmanager
def medallion(
    folder: Path, batches: Sequence[tuple[datetime, Sequence[dict[str, Any]]]]
) -> Iterator[str]:
    """medallion serving `batches` on a free port of 127.0.0.1; its base URL. Stopped after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    data, config = folder / "data.json", folder / "config.json"
    data.write_bytes(orjson.dumps(collection_data(url, batches)))
    config.write_text(
        json.dumps(
            {
                "backend": {
                    "module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend",
                    "filename": str(data),
                },
                "users": {USER: PASSWORD},
                "taxii": {"max_page_size": PAGE},
            }
        )
    )
    log = (folder / "medallion.log").open("ab")
    cmd = [str(PEER_PYTHON), "-m", "medallion.scripts.run", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*cmd, "--port", str(port), "--log-level", "ERROR", str(config)],
        stdout=log,
        stderr=log,
    )
    try:
        _wait_ready(url, process, folder / "medallion.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"medallion exited: {log.read_text()[-2000:]}")
        try:
            response = httpx.get(
                f"{url}taxii2/",
                auth=(USER, PASSWORD),
                headers={"Accept": TAXII_MEDIA},
                timeout=2,
            )
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"medallion did not start: {log.read_text()[-2000:]}")
