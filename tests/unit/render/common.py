"""Constants and data the renderer tests share with their fixtures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from feed.model import PublishedPackage, ReleaseInfo
from feed.synthetic import synthetic_record_data

CATALOGUE = "euif-knowledge-package"
SCRIPT = "<script>alert(1)</script>"
#: Characters XML 1.0 forbids (and one it allows but which is easy to lose, CR).
CONTROL = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\uffffi\rj"

MakeRelease = Callable[..., ReleaseInfo]
MakePackage = Callable[..., PublishedPackage]


def hostile_data(n: int = 900) -> dict[str, Any]:
    """A synthetic record whose every free text tries to break or inject into a feed."""
    data = synthetic_record_data(n)
    data["name"] = SCRIPT
    data["summary"] = {"en": f"Summary {CONTROL} & <b>bold</b> ]]> --> end", "de": "x"}
    data["guidance"]["signals"] = "</summary><injected/> & <img src=x onerror=alert(1)>"
    data["guidance"]["benign_uses"] = [f"Benign {SCRIPT}"]
    data["aliases"][0]["value"] = "&amp; <alias> \x07"
    data["modified"] = "2022-03-04T05:06:07Z"
    data["created"] = "2021-01-02T03:04:05Z"
    return data
