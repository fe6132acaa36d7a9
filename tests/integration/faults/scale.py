"""The size of the fault campaign: `reduced` (the default, CI) or `full`.

Chosen with `pytest --faults=full` or `KPFEED_FAULTS=full` (the option wins). Tests ask the
`fault_scale` fixture (tests/conftest.py) for a count: `fault_scale.pick(reduced=12, full=55)`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["ENV", "OPTION", "SIZES", "FaultScale", "scale_from"]

OPTION = "--faults"
ENV = "KPFEED_FAULTS"
SIZES = ("reduced", "full")


@dataclass(frozen=True)
class FaultScale:
    """How hard the fault tests push: kills, outages, generated examples."""

    size: str

    @property
    def full(self) -> bool:
        return self.size == "full"

    def pick(self, reduced: int, full: int) -> int:
        """The count for this size."""
        return full if self.full else reduced


def scale_from(option: str | None) -> FaultScale:
    """The scale named by the command-line option, else by the environment, else reduced."""
    size = option or os.environ.get(ENV, "").strip() or "reduced"
    if size not in SIZES:
        raise ValueError(f"{ENV}={size!r}: the fault campaign size is 'reduced' or 'full'")
    return FaultScale(size)
