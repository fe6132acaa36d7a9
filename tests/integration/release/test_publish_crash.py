"""A publication interrupted between the store commit and the switch is finished, not refused.

The SIGKILL campaign (kills at random moments, consumers pulling after each) is
tests/integration/faults/test_publish_kill.py.
"""

from __future__ import annotations

from feed.publish import published_paths
from feed.releasing import (
    approve_release,
    create_release,
    publish_release,
    published_release,
)
from feed.sign import parse_trusted_comment, verify
from feed.store import set_release_published, transaction
from feed.synthetic import synthetic_record
from tests.integration.release.common import NOW, Catalogue


def _prepare(cat: Catalogue, k: int) -> str:
    version = f"2022.{k}"
    if k > 1:
        cat.add([synthetic_record(100 + k).model_copy(update={"relations": []})])
    with transaction(cat.engine) as session:
        create_release(session, version, notes="n", created_by="alice", now=NOW)
        approve_release(session, version, approver="bob", now=NOW)
    return version


def _publish(cat: Catalogue, version: str) -> bool:
    report = publish_release(
        cat.engine, version, cat.out, keyring=cat.keyring, options=cat.options, now=NOW
    )
    return report.finished_interrupted


def _check_complete(cat: Catalogue, version: str) -> None:
    """Every current and archived file verifies and names a release no newer than `version`."""
    paths = published_paths(cat.out)
    for path in paths:
        if path.endswith(".minisig") and not path.startswith("tuf/"):
            target = path.removesuffix(".minisig")
            comment = verify(
                paths[target].read_bytes(), paths[path].read_bytes(), cat.keyring.minisign
            )
            assert parse_trusted_comment(comment).file == target
    shown = published_release(cat.out)
    assert shown is not None
    assert shown.version == version


def test_recovery_finishes_a_release_marked_published_but_not_written(
    catalogue: Catalogue,
) -> None:
    _publish(catalogue, _prepare(catalogue, 1))
    version = _prepare(catalogue, 2)
    # The state a crash between the store commit and the directory switch leaves behind.
    with transaction(catalogue.engine) as session:
        set_release_published(session, version, at=NOW)
    assert published_release(catalogue.out).version == "2022.1"  # type: ignore[union-attr]
    assert _publish(catalogue, version) is True
    _check_complete(catalogue, version)
