"""The release workflow over the store: create, approve, publish and refresh releases."""

from feed.releasing.history import release_info, released_records
from feed.releasing.published import PublicationReport, PublishOptions, published_release
from feed.releasing.publishing import publish_release
from feed.releasing.refresh import refresh_publication
from feed.releasing.workflow import (
    CreatedRelease,
    approve_release,
    create_release,
    plan_release,
    release_changes,
)

__all__ = [
    "CreatedRelease",
    "PublicationReport",
    "PublishOptions",
    "approve_release",
    "create_release",
    "plan_release",
    "publish_release",
    "published_release",
    "refresh_publication",
    "release_changes",
    "release_info",
    "released_records",
]
