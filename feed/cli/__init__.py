"""The `kpfeed` command line: thin commands over the library, one module per area."""

from feed.cli.app import main

# Each area registers its commands on `main` when imported; keep one import per line.

__all__ = ["main"]
