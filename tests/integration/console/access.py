"""THE CONSOLE'S ACCESS POLICY: who may open each console route (the API's is in
tests/integration/api/test_role_matrix.py, which checks that every route of the app is in one
of the two tables). Values are the callers let in: `None` is "not signed in", the rest roles.
"""

from __future__ import annotations

from feed.accounts import Role

Caller = Role | None
EVERYONE: frozenset[Caller] = frozenset({None, *Role})
SIGNED_IN: frozenset[Caller] = frozenset(Role)
ORGANISATIONS: frozenset[Caller] = frozenset({Role.COMPANY, Role.CONTRIBUTOR})
EDITORS: frozenset[Caller] = frozenset({Role.EDITOR, Role.PUBLISHER})
PUBLISHERS: frozenset[Caller] = frozenset({Role.PUBLISHER})
#: Published data: everyone, or signed-in visitors when the deployment restricts the feed.
PUBLISHED = "published"

CONSOLE_ACCESS: dict[tuple[str, str], frozenset[Caller] | str] = {
    ("GET", "/"): EVERYONE,
    ("GET", "/console/"): EVERYONE,
    ("GET", "/console/login"): EVERYONE,
    ("POST", "/console/login"): EVERYONE,
    ("POST", "/console/logout"): SIGNED_IN,
    ("GET", "/console/records"): PUBLISHED,
    ("GET", "/console/records/{record_id}"): PUBLISHED,
    ("GET", "/console/releases"): PUBLISHED,
    ("GET", "/console/releases/{version}"): PUBLISHED,
    ("GET", "/console/feedback"): ORGANISATIONS,
    ("GET", "/console/feedback/new"): ORGANISATIONS,
    ("POST", "/console/feedback/new"): ORGANISATIONS,
    ("GET", "/console/feedback/{feedback_id}"): ORGANISATIONS,
    ("GET", "/console/editor"): EDITORS,
    ("GET", "/console/editor/records/new"): EDITORS,
    ("POST", "/console/editor/records/new"): EDITORS,
    ("GET", "/console/editor/records/{record_id}"): EDITORS,
    ("POST", "/console/editor/records/{record_id}"): EDITORS,
    ("POST", "/console/editor/records/{record_id}/submit"): EDITORS,
    ("POST", "/console/editor/records/{record_id}/approve"): EDITORS,
    ("POST", "/console/editor/records/{record_id}/reject"): EDITORS,
    ("POST", "/console/editor/records/{record_id}/retire"): EDITORS,
    ("GET", "/console/editor/feedback"): EDITORS,
    ("GET", "/console/editor/feedback/{feedback_id}"): EDITORS,
    ("POST", "/console/editor/feedback/{feedback_id}/triage"): EDITORS,
    ("POST", "/console/editor/feedback/{feedback_id}/draft"): EDITORS,
    ("GET", "/console/editor/proposals"): EDITORS,
    ("GET", "/console/editor/releases"): EDITORS,
    ("POST", "/console/editor/releases"): EDITORS,
    ("GET", "/console/editor/releases/{version}"): EDITORS,
    ("POST", "/console/editor/releases/{version}/approve"): PUBLISHERS,
    ("POST", "/console/editor/releases/{version}/publish"): PUBLISHERS,
    ("GET", "/console/editor/dashboard"): EDITORS,
}
