"""Run the shell blocks a documentation page marks `<!-- test: run -->`, in order, like a reader.

Convention (for docs/**/*.md):

    <!-- test: run -->
    ```sh
    kpfeed init
    ```

- `sh`/`bash` blocks are run as written; in `console` blocks only the `$ ` lines are commands
  (a line ending in `\\` continues on the next), the rest is sample output and is ignored;
  `python` blocks are run by the `python` on the reader's PATH, in the page's folder, with the
  variables earlier blocks exported;
- `<!-- test: run, fails -->` marks a block that must fail (a refusal the page shows);
- `<!-- test: run, file=NAME -->` writes the block, as shown, to the file NAME (relative to the
  current folder) instead of running it: a script the page asks the reader to save;
- blocks of one page share one workspace folder, exported variables and the current folder,
  as one terminal session would; each block runs under `set -euo pipefail`;
- a process a block leaves running in the background (a server the page starts) may be used by
  later blocks; whatever is still running when the page ends is stopped.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "BlockFailed", "clean_environment", "run_page", "runnable_blocks"]

_MARKED = re.compile(
    r"^<!--\s*test:\s*run(?P<options>[^>]*?)\s*-->[ \t]*\n"
    r"```(?P<lang>[a-z]+)[^\n]*\n(?P<body>.*?)^```[ \t]*$",
    re.M | re.S,
)


@dataclass(frozen=True)
class Block:
    """One marked block: where it is, the commands it runs, and whether it must fail."""

    page: Path
    line: int
    code: str
    must_fail: bool

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


class BlockFailed(AssertionError):
    """A block did not do what the page says (failed, or succeeded where it must fail)."""


def runnable_blocks(page: Path) -> list[Block]:
    """The marked blocks of a page, in order."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _MARKED.finditer(text):
        lang, body = match.group("lang"), match.group("body")
        options = {o.strip() for o in match.group("options").split(",") if o.strip()}
        files = {o.partition("=")[2] for o in options if o.startswith("file=")}
        unknown = {o for o in options if not o.startswith("file=")} - {"fails"}
        if unknown or len(files) > 1 or "" in files:
            raise ValueError(f"{page}: unknown test options {sorted(options)}")
        if not files and lang not in ("sh", "bash", "console", "python"):
            raise ValueError(f"{page}: a `{lang}` block cannot be marked `test: run`")
        if files:
            name = files.pop()
            code = f"cat > {shlex.quote(name)} <<'RUNBOOK_FILE'\n{body}RUNBOOK_FILE\n"
        elif lang == "console":
            code = _console_commands(body)
        elif lang == "python":
            code = f"python - <<'RUNBOOK_PYTHON'\n{body}RUNBOOK_PYTHON\n"
        else:
            code = body
        line = text.count("\n", 0, match.start("body")) + 1
        blocks.append(Block(page, line, code, "fails" in options))
    return blocks


def _console_commands(body: str) -> str:
    commands: list[str] = []
    continuing = False
    for line in body.splitlines():
        if continuing:
            commands[-1] += "\n" + line
        elif line.startswith("$ "):
            commands.append(line[2:])
        else:
            continue
        continuing = line.endswith("\\")
    return "\n".join(commands) + "\n"


def clean_environment(workspace: Path, **extra: str) -> dict[str, str]:
    """A reader's environment: kpfeed on PATH, a home of its own, no KPFEED_* settings."""
    home = workspace / ".home"
    home.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join(
        [
            str(Path(sys.executable).parent),
            "/usr/local/bin",
            "/usr/bin",
            "/bin",
            "/usr/sbin",
            "/sbin",
        ]
    )
    return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **extra}


def run_page(
    page: Path,
    workspace: Path,
    env: Mapping[str, str],
    *,
    substitutions: Mapping[str, str] | None = None,
    timeout: float = 180,
) -> list[Block]:
    """Run every marked block of `page` in `workspace`; raise BlockFailed at the first that
    does not behave as the page says. Returns the blocks run."""
    blocks = runnable_blocks(page)
    if not blocks:
        raise BlockFailed(f"{page} has no `<!-- test: run -->` blocks")
    state = workspace / ".runbook"
    state.mkdir(parents=True, exist_ok=True)
    (state / "env").write_text("", encoding="utf-8")
    (state / "cwd").write_text(str(workspace), encoding="utf-8")
    sessions: list[int] = []
    try:
        for number, block in enumerate(blocks, 1):
            code = block.code
            for old, new in (substitutions or {}).items():
                code = code.replace(old, new)
            script = state / f"block-{number}.sh"
            save = "" if block.must_fail else f'export -p > "{state}/env"\npwd > "{state}/cwd"\n'
            setup = f'source "{state}/env"\ncd "$(cat "{state}/cwd")"\nset -euo pipefail\n'
            script.write_text(f"{setup}{code}\n{save}", encoding="utf-8")
            _run_block(block, script, code, workspace, env, timeout, sessions)
    finally:
        _stop_sessions(sessions)
    return blocks


def _run_block(
    block: Block,
    script: Path,
    code: str,
    workspace: Path,
    env: Mapping[str, str],
    timeout: float,
    sessions: list[int],
) -> None:
    # Each block leads a session of its own, so what it leaves running can be found and stopped.
    process = subprocess.Popen(
        ["bash", str(script)],
        cwd=workspace,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    sessions.append(process.pid)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BlockFailed(f"{block.where}: still running after {timeout:.0f} s") from None
    output = output[-4000:]
    # A refusal the page shows must be kpfeed's, not a missing command (126, 127).
    if block.must_fail and process.returncode in (0, 126, 127):
        raise BlockFailed(
            f"{block.where}: must be refused but exited {process.returncode}:\n{code}\n{output}"
        )
    if not block.must_fail and process.returncode != 0:
        raise BlockFailed(
            f"{block.where}: failed with status {process.returncode}:\n{code}\n{output}"
        )


def _stop_sessions(sessions: list[int]) -> None:
    """Stop what the page's blocks left running: SIGTERM, then SIGKILL after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for group in sessions:
            try:
                os.killpg(group, sig)
            except (ProcessLookupError, PermissionError):
                continue
            alive.append(group)
        if not alive:
            return
        for _ in range(50):
            if not any(_group_alive(group) for group in alive):
                return
            time.sleep(0.1)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
