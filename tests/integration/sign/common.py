"""Constants and types the signing integration tests share with their fixtures."""

from __future__ import annotations

from collections.abc import Callable

PASSPHRASE = "integration passphrase"
#: Cheapest scrypt cost the key ring accepts: keeps tests fast, same code path.
FAST_KDF = 10

#: `serve(folder, endless=())` -> base URL of `folder`, served from another process.
Serve = Callable[..., str]
