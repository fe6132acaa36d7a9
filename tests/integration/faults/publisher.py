"""A publishing process the kill test SIGKILLs: imports kpfeed once, then forks one child per
publication, so a kill costs a publication and not an interpreter start.

Usage: python publisher.py DATABASE_URL KEY_DIR OUT_DIR
Reads `publish VERSION` lines on stdin. For each it forks; the child prints `started PID`,
runs `publish_release` (a fresh engine of its own) and prints `published VERSION HOW SECONDS`
(HOW: `whole`, or `finished` for an interrupted publication it completed). The test
kills the child by its PID, then writes `reap`: only then does the parent wait for the child
and print `exited STATUS` (negative: killed by that signal), so the PID cannot have been
reused by another process when the test kills it. Anything else, or the end of stdin, stops
the parent.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from feed.releasing import PublishOptions, publish_release
from feed.sign.keys import Keyring, load_keyring
from feed.store import make_engine
from tests.integration.release.common import LINKS


def _say(line: str) -> None:
    # One write per line: parent and child share the pipe.
    os.write(sys.stdout.fileno(), f"{line}\n".encode())


def _child(database_url: str, keyring: Keyring, out_dir: Path, version: str) -> None:
    _say(f"started {os.getpid()}")
    began = time.monotonic()
    engine = make_engine(database_url)
    report = publish_release(
        engine,
        version,
        out_dir,
        keyring=keyring,
        options=PublishOptions(links=LINKS),
        now=datetime.now(UTC),
    )
    how = "finished" if report.finished_interrupted else "whole"
    _say(f"published {version} {how} {time.monotonic() - began:.3f}")


def main(database_url: str, key_dir: str, out_dir: str) -> None:
    keyring = load_keyring(Path(key_dir), None)
    _say("ready")
    for line in sys.stdin:
        command, _, version = line.strip().partition(" ")
        if command != "publish":
            break
        pid = os.fork()
        if pid == 0:  # the child: publish, then leave without running the parent's cleanup
            code = 0
            try:
                _child(database_url, keyring, Path(out_dir), version)
            except BaseException as error:
                _say(f"failed {type(error).__name__}: {error}")
                code = 1
            os._exit(code)
        if sys.stdin.readline().strip() != "reap":
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        _, status = os.waitpid(pid, 0)
        _say(f"exited {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
