"""`python -m feed` is the `kpfeed` command."""

from feed.cli import main

main()
