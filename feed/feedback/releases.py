"""What submissions need to know of published releases, remembered: they never change."""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlmodel import Session

from feed.store.feedback_queries import record_in_release, release_state
from feed.store.tables import ReleaseState

__all__ = ["PublishedReleases"]


class PublishedReleases:
    """Whether a release is published and whether it holds a record, asked of the store once.

    A published release is frozen (the database's triggers refuse any change to it or to its
    members), so both answers stay true for good and a process may keep them: one per app,
    shared by its requests and threads. Releases not (yet) published are asked every time,
    since they may be published next. Membership answers are kept for the `capacity` most
    recently asked (release, record) pairs, so memory stays bounded whatever clients send.
    """

    def __init__(self, capacity: int = 65_536) -> None:
        self._lock = threading.Lock()
        self._published: set[str] = set()
        self._members: OrderedDict[tuple[str, str], bool] = OrderedDict()
        self._capacity = capacity

    def is_published(self, session: Session, version: str) -> bool:
        """Whether release `version` is published."""
        if version in self._published:
            return True
        if release_state(session, version) != ReleaseState.PUBLISHED:
            return False
        with self._lock:
            self._published.add(version)
        return True

    def holds(self, session: Session, version: str, record_id: str) -> bool:
        """Whether published release `version` holds `record_id`."""
        if version not in self._published:
            # Only a published release's members are final; ask for anything else.
            return record_in_release(session, version, record_id)
        key = (version, record_id)
        with self._lock:
            held = self._members.get(key)
            if held is not None:
                self._members.move_to_end(key)
                return held
        held = record_in_release(session, version, record_id)
        with self._lock:
            self._members[key] = held
            if len(self._members) > self._capacity:
                self._members.popitem(last=False)
        return held
