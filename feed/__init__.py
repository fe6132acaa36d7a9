"""kpfeed: the EUIF Knowledge Package as validated records, signed releases and feeds."""

__version__ = "0.1.0"

__all__ = ["__version__"]
