"""The `kpfeed` command line: thin commands over the library, one module per area.

Each area's module registers its commands on `main` when imported; `feed.cli.app.COMMAND_MODULES`
says which module holds which command, and the group imports a module only when its command
runs (or all of them for `--help` and the generated reference).
"""

from feed.cli.app import main

__all__ = ["main"]
