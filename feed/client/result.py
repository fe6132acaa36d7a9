"""`PullResult`: what a pull did, for people (`describe`) and for scripts (`to_dict`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from feed.client.state import PACKAGE

__all__ = ["PullResult"]


@dataclass(frozen=True)
class PullResult:
    """What a pull did: from which release to which, how, and what it cost."""

    mirror: Path
    catalogue: str
    from_version: str | None
    from_sequence: int | None
    to_version: str
    to_sequence: int
    method: Literal["unchanged", "delta", "full"]
    #: Releases whose changes were applied, oldest first (delta only).
    deltas: tuple[str, ...]
    #: None when the old mirror could not be read to compare with (it was repaired).
    added: int | None
    changed: int | None
    retired: int | None
    total: int
    requests: int
    bytes_received: int
    #: Why deltas were not used although the mirror was behind (the full package was).
    delta_refused: str | None = None

    @property
    def changed_anything(self) -> bool:
        return self.method != "unchanged"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mirror"] = str(self.mirror)
        data["deltas"] = list(self.deltas)
        return data

    def describe(self) -> list[str]:
        """Lines for a person: what changed, how, and the cost."""
        target = f"{self.to_version} (sequence {self.to_sequence})"
        if self.method == "unchanged":
            head = f"{self.catalogue}: {target} is current; nothing to do"
        else:
            origin = (
                f"{self.from_version} (sequence {self.from_sequence})"
                if self.from_version
                else "an empty mirror"
            )
            how = (
                f"by delta ({', '.join(f'releases/{v}/changes.json' for v in self.deltas)})"
                if self.method == "delta"
                else "with the full package.json"
            )
            head = f"{self.catalogue}: {origin} -> {target} {how}"
        lines = [head]
        if self.method != "unchanged":
            if self.added is None:
                counts = "old mirror unreadable, so no counts"
            else:
                counts = f"{self.added} added, {self.changed} changed, {self.retired} retired"
            lines.append(f"  {counts}; {self.total} records")
        if self.delta_refused:
            lines.append(f"  delta not used: {self.delta_refused}")
        lines.append(f"  {self.bytes_received:,} bytes received in {self.requests} request(s)")
        lines.append(f"  mirror: {self.mirror / PACKAGE}")
        return lines
