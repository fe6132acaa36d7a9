"""Settings from the environment (`KPFEED_*`); the only module that reads the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting kpfeed reads, with its environment variable `KPFEED_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="KPFEED_", extra="ignore")

    # -- store
    database_url: str = Field(
        default="sqlite:///./var/kpfeed.db",
        description="SQLAlchemy URL of the store: `sqlite:///path` (default) or "
        "`postgresql+psycopg://user@host/db`.",
    )
    data_dir: Path = Field(
        default=Path("./var"), description="Folder for the embedded database and workspace files."
    )

    # -- editor files (packages/<name>/): limits that keep hostile files from exhausting memory
    source_max_file_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest editor file (`package.yaml` or one record file) that is read; "
        "bigger files are refused before parsing.",
    )
    source_max_string_chars: int = Field(
        default=20_000,
        ge=100,
        description="Longest single text value in an editor file (the model's limit for long "
        "texts); longer values are refused while parsing.",
    )
    source_max_depth: int = Field(
        default=32,
        ge=4,
        description="Deepest nesting of lists and mappings in an editor file (records need 6).",
    )

    # -- publication and keys
    public_dir: Path = Field(
        default=Path("./var/public"), description="Published directory that `publish` writes."
    )
    key_dir: Path = Field(
        default=Path("./var/keys"), description="Folder holding signing keys (mode 0700)."
    )
    key_passphrase: SecretStr | None = Field(
        default=None, description="Passphrase that encrypts the private signing keys."
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000/feed/",
        description="Public URL of the published directory; links in feeds point under it.",
    )
    api_base_url: str = Field(
        default="http://127.0.0.1:8000/api/v1/",
        description="Public URL of the read API (ends with `/`); feed entries link each record to "
        "`<api_base_url>records/<id>?release=<version>`.",
    )
    releases_page_size: int = Field(
        default=20,
        ge=1,
        description="Releases per page of `releases.json`/`.atom` before older ones are archived.",
    )
    signature_days: int = Field(
        default=30, ge=1, description="Days until a minisign trusted comment expires."
    )
    key_scrypt_log_n: int = Field(
        default=17,
        ge=10,
        le=22,
        description="scrypt cost of the key passphrase, as log2 N (r=8, p=1): 17 takes 128 MiB "
        "and about 0.4 s per key; minisign's own keys use 20.",
    )
    tuf_root_days: int = Field(
        default=365, ge=1, description="Days a TUF root metadata version stays valid."
    )
    tuf_targets_days: int = Field(
        default=90, ge=1, description="Days TUF targets metadata stays valid."
    )
    tuf_snapshot_days: int = Field(
        default=7, ge=1, description="Days TUF snapshot metadata stays valid."
    )
    tuf_timestamp_days: int = Field(
        default=1,
        ge=1,
        description="Days TUF timestamp metadata stays valid; `kpfeed refresh` must run sooner.",
    )

    # -- consumer
    mirror_dir: Path = Field(
        default=Path("./var/mirror"),
        description="Consumer mirror of the published directory, kept verified by the client; "
        "`kpfeed match` reads the current package from `<mirror_dir>/package.json`.",
    )

    # -- server
    feed_requires_token: bool = Field(
        default=False, description="Serve `/feed/` only to holders of a valid token."
    )
    max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest accepted request body (413 above)."
    )
    match_max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body `POST /api/v1/match` accepts (413 above); every "
        "other route has `KPFEED_MAX_BODY_BYTES`.",
    )
    feedback_rate_per_minute: int = Field(
        default=120, ge=1, description="Feedback submissions per organisation per minute."
    )
    console_session_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="Hours a console sign-in lasts; sessions are kept in the store, so signing "
        "out, a revoked token or a new password ends them at once in every worker.",
    )
    console_https: bool = Field(
        default=False,
        description="The console is reached over https through a proxy that terminates TLS: "
        "mark its cookies Secure although requests reach kpfeed over plain http (requests that "
        "arrive over https get Secure cookies anyway).",
    )
    feed_max_age: int = Field(
        default=60,
        ge=0,
        description="Seconds clients and caches may reuse the current feed files (`feed.json`, "
        "`package.json`, signatures) before asking again; `releases/<version>/` files are "
        "immutable and cached for a year.",
    )
    feed_cache_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=0,
        description="Memory each server process may use to hold published files and their "
        "gzip forms (least recently used files are dropped first).",
    )
    prometheus_multiproc_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"),
        description="Folder where several server workers pool their metrics "
        "(`PROMETHEUS_MULTIPROC_DIR`, read by prometheus_client too); `kpfeed serve "
        "--workers N` sets it for you.",
    )

    # -- client (`kpfeed pull`)
    feed_token: SecretStr | None = Field(
        default=None,
        description="Bearer token `kpfeed pull` sends to a deployment that restricts the feed "
        "(`--token` overrides it).",
    )
    client_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Seconds `kpfeed pull` waits to connect, and between bytes while reading.",
    )
    client_retries: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Retries after a connection error or a 5xx answer, with exponential backoff.",
    )
    client_max_bytes: int = Field(
        default=1024**3,
        ge=1024 * 1024,
        description="Largest response `kpfeed pull` accepts, the full package included (bytes).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
