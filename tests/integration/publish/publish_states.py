"""Deterministic publication states for the crash tests, and the check a reader makes.

State `k` holds top-level files that change with every state, immutable files for every
release 1..k under `releases/<j>/`, and `current.json`, a manifest naming the state and the
SHA-256 of every other file. A reader that sees a manifest and files that agree with it, and
with the state number, has seen one complete publication.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def _blob(label: str, size: int) -> bytes:
    seed = hashlib.sha256(label.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def release_files(j: int) -> dict[str, bytes]:
    """The immutable files of release j (never change once written)."""
    return {
        f"releases/{j}/package.json": _blob(f"package {j}", 20_000 + 97 * j),
        f"releases/{j}/changes.json": _blob(f"changes {j}", 3_000 + j),
    }


def state_files(k: int) -> dict[str, bytes]:
    """Every file of publication state k."""
    files: dict[str, bytes] = {
        "feed.json": _blob(f"feed {k}", 40_000 + k),
        "feed.atom": _blob(f"atom {k}", 30_000 + k),
        "package.json": _blob(f"package {k}", 20_000 + 97 * k),
        f"only-in-{k % 3}.txt": _blob(f"rotating {k}", 100),
    }
    for j in range(1, k + 1):
        files.update(release_files(j))
    manifest = {
        "state": k,
        "files": {p: hashlib.sha256(b).hexdigest() for p, b in sorted(files.items())},
    }
    files["current.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


def check_state(root: Path) -> int:
    """Read a publication rooted at `root` (a resolved generation); return its state number.

    Raises AssertionError when what is there is not exactly one complete state.
    """
    manifest = json.loads((root / "current.json").read_bytes())
    k = int(manifest["state"])
    expected = state_files(k)
    found = set()
    for folder, _dirs, names in os.walk(root):
        for name in names:
            found.add((Path(folder) / name).relative_to(root).as_posix())
    assert found == set(expected), f"state {k}: files differ: {sorted(found ^ set(expected))}"
    for path, data in expected.items():
        assert (root / path).read_bytes() == data, f"state {k}: {path} differs"
    return k
