"""Constants the signing unit tests share with their fixtures."""

from __future__ import annotations

from datetime import UTC, datetime

#: A fixed "now" so expiries in these pure tests are exact.
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"
#: Cheapest scrypt cost the key ring accepts: keeps tests fast, same code path.
FAST_KDF = 10
