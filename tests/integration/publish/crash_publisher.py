"""Publishes states FIRST, FIRST+1, ... into DIR forever; the crash test SIGKILLs it.

Usage: python crash_publisher.py DIR FIRST
Prints `published K` after each commit (flushed), so the test knows it is running.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from feed.publish import publish_files
from tests.integration.publish.publish_states import state_files


def run(out_dir: Path, first: int) -> None:
    k = first
    while True:
        publish_files(out_dir, state_files(k))
        print(f"published {k}", flush=True)
        k += 1


if __name__ == "__main__":
    run(Path(sys.argv[1]), int(sys.argv[2]))
