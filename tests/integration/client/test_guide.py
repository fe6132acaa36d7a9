"""Every command in docs/guides/consumer.md runs, in order, against a real HTTP server.

`sh` blocks run with bash and `python` blocks with this interpreter, in one folder that holds
the pinned `pin/root.json` and `pin/minisign.pub`, with the documented feed URL replaced by
the test server's. Each `console` block must match what the command before it printed (its
first line, digits and key ids aside): the examples in the guide are real output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.integration.client.conftest import Served
from tests.unit.client.site import changed, records

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "guides" / "consumer.md"
DOCUMENTED_URL = "https://feed.example.org/kp/"
_BLOCK = re.compile(r"^```(sh|python|console)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _shape(line: str) -> str:
    """A line with what changes from run to run (numbers, key ids, dates) masked."""
    return re.sub(r"[0-9A-F]{16}|\d", "#", line.strip())


def _run(kind: str, code: str, url: str, home: Path) -> str:
    code = code.replace(DOCUMENTED_URL, url)
    env = {
        **os.environ,
        "FEED": url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    command = (
        ["bash", "-euo", "pipefail", "-c", code] if kind == "sh" else [sys.executable, "-c", code]
    )
    done = subprocess.run(
        command, cwd=home, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{kind} block failed:\n{code}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_every_command_in_the_consumer_guide_works_as_shown(
    served: Served, pinned: Path, tmp_path: Path
) -> None:
    blocks = _BLOCK.findall(GUIDE.read_text())
    runnable = [kind for kind, _ in blocks if kind != "console"]
    assert runnable.count("sh") >= 5
    assert runnable.count("python") == 2
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(pinned, home / "pin")

    pulls = 0
    output = ""
    for kind, code in blocks:
        if kind == "console":
            assert _shape(output.splitlines()[0]) == _shape(code.splitlines()[0]), (
                f"documented:\n{code}\nactual:\n{output}"
            )
            continue
        if "kpfeed pull" in code and pulls == 1:
            # The guide's second pull shows a delta: the publisher releases 2026.2 first.
            site = served.site
            current = [changed(r, 1) if i < 2 else r for i, r in enumerate(site.current.records)]
            site.release([*current, *records(1, start=len(current))])
            served.publish()
        pulls += "kpfeed pull" in code
        output = _run(kind, code, served.url, home)

    assert (home / "mirror" / "package.json").read_bytes() == served.site.files["package.json"]
    assert (home / "downloads" / "tuf-package.json").read_bytes() == served.site.files[
        "package.json"
    ]
