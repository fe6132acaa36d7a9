"""Dependencies of the editor routes: a session whose audit entries name the editor's token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from feed.api.deps import EditorPrincipal, SessionDep
from feed.editing import stamp_audit_token

__all__ = ["AuditedSession"]


def audited_session(editor: EditorPrincipal, session: SessionDep) -> Session:
    """The request's session (one transaction); audit entries it writes name the token used."""
    stamp_audit_token(session, editor.token_id)
    return session


AuditedSession = Annotated[Session, Depends(audited_session)]
