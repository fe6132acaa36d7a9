"""The `kpfeed` command line: thin commands over the library, one module per area."""

# Each area registers its commands on `main` when imported; keep one import per line.
import feed.cli.accounts
import feed.cli.catalogue
import feed.cli.client
import feed.cli.demo
import feed.cli.docs
import feed.cli.export
import feed.cli.keys
import feed.cli.match
import feed.cli.release
import feed.cli.serve
import feed.cli.store  # noqa: F401
from feed.cli.app import main

__all__ = ["main"]
