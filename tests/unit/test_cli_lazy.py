"""The command line loads a command's module only when that command runs."""

from __future__ import annotations

import subprocess
import sys

from feed.cli.app import COMMAND_MODULES, load_all_commands, main


def test_the_table_names_exactly_the_commands_each_module_registers() -> None:
    load_all_commands()
    registered = {
        name: command.callback.__module__
        for name, command in main.commands.items()
        if command.callback is not None
    }
    assert registered == COMMAND_MODULES


def test_validate_runs_without_loading_the_store_or_the_server() -> None:
    probe = (
        "import sys\n"
        "from feed.cli import main\n"
        "try:\n"
        "    main(['validate', 'packages/sample'])\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, None), done.code\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'alembic', 'fastapi', 'feed.store') "
        "if m in sys.modules)\n"
        "print(','.join(heavy) or 'none')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "none"
