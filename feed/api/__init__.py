"""The HTTP server: `create_app()` builds it, `kpfeed serve` runs it."""

from feed.api.app import create_app

__all__ = ["create_app"]
