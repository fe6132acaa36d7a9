"""The `kpfeed` command line: thin commands over the library, one module per area."""

# Each area registers its commands on `main` when imported; keep one import per line.
import feed.cli.catalogue  # validate, schemas
import feed.cli.docs  # docs generate
import feed.cli.keys
import feed.cli.store  # noqa: F401  (init, records)
from feed.cli.app import main

__all__ = ["main"]
