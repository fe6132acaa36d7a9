"""Helpers the server tests share: a published directory, an app with its lifespan, a client."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from feed.accounts import OrganisationKind, Role, UserRole
from feed.api import create_app
from feed.config import Settings
from feed.store.accounts import add_organisation, add_user
from feed.store.db import make_engine, transaction

BASE = "http://testserver"


def write_generation(root: Path, name: str, *, marker: str = "one") -> Path:
    """A generation folder like `publish` writes: current files plus one frozen release."""
    generation = root / "generations" / name
    (generation / "releases" / "2024.1").mkdir(parents=True)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"Synthetic catalogue {marker}",
        "items": [
            {"id": f"symbol:synthetic-{i:04d}", "title": f"Synthetic {i}"} for i in range(80)
        ],
    }
    body = orjson.dumps(feed)
    (generation / "feed.json").write_bytes(body)
    (generation / "releases" / "2024.1" / "feed.json").write_bytes(body)
    (generation / "feed.atom").write_text(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        + "<title>Synthetic</title>" * 40
        + "</feed>"
    )
    (generation / "package.json").write_bytes(orjson.dumps({"format": "kpfeed/1", "m": marker}))
    (generation / "feed.json.minisig").write_text("untrusted comment: synthetic\nAAAA\n")
    (generation / ".feed.json.tmp").write_text("half-written")
    return generation


def point(link: Path, generation: Path) -> None:
    """Flip the published symlink to `generation`, atomically, as `publish` does."""
    tmp = link.with_name(link.name + ".new")
    tmp.symlink_to(generation)
    tmp.replace(link)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def settings_for(tmp_path: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    return Settings(
        database_url=database_url or f"sqlite:///{tmp_path / 'unused.db'}",
        public_dir=tmp_path / "public",
        data_dir=tmp_path / "var",
        **overrides,
    )


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client over the ASGI transport, with the app's lifespan entered."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield client


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as client:
        yield client


def make_accounts(url: str) -> dict[Role, str]:
    """One organisation of each kind and one user of each role; their tokens by role."""
    engine = make_engine(url)
    out: dict[Role, str] = {}
    try:
        with transaction(engine) as session:
            for kind in OrganisationKind:
                _, issued = add_organisation(
                    session, f"Synthetic {kind.value}", kind, actor="test-operator"
                )
                out[Role(kind.value)] = issued.token
            for role in UserRole:
                _, issued = add_user(session, f"synthetic-{role.value}", role, actor="test")
                out[Role(role.value)] = issued.token
    finally:
        engine.dispose()
    return out


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
