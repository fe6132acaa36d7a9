"""Publishes one release of a test catalogue; the crash test SIGKILLs it at random moments.

Usage: python publish_child.py DATABASE_URL KEY_DIR OUT_DIR VERSION
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from feed.releasing import PublishOptions, publish_release
from feed.sign.keys import load_keyring
from feed.store import make_engine
from tests.integration.release.common import LINKS


def main(database_url: str, key_dir: str, out_dir: str, version: str) -> None:
    options = PublishOptions(links=LINKS)
    print("started", flush=True)
    publish_release(
        make_engine(database_url),
        version,
        Path(out_dir),
        keyring=load_keyring(Path(key_dir), None),
        options=options,
        now=datetime.now(UTC),
    )
    print("published", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
