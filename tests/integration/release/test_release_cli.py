"""The whole flow from the command line, as a user runs it: import, two releases, verify."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from feed.demo import scripted_changes, shorter_version
from feed.model import dump_record
from feed.publish import published_paths
from feed.store import import_records, make_engine, set_manifest, transaction
from feed.validate import load_and_validate
from tests.conftest import SAMPLE

pytestmark = pytest.mark.slow


def _kpfeed(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "feed", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if ok:
        assert result.returncode == 0, f"kpfeed {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result


def _record_file(root: Path, record_id: str) -> Path:
    rtype, slug = record_id.split(":", 1)
    return root / f"{rtype}s" / f"{slug}.yaml"


def _import(database_url: str, source: Path) -> None:
    """What `kpfeed import SOURCE --as alice --approve` does (that command is the store's)."""
    loaded = load_and_validate([source])
    assert loaded.manifest is not None
    engine = make_engine(database_url)
    with transaction(engine) as session:
        set_manifest(session, loaded.manifest, actor="alice")
        import_records(session, loaded.records, author="alice", approve=True)
    engine.dispose()


def _verify_all(out: Path) -> list[str]:
    """Every published file but TUF's own: stock `minisign -V` against the published key."""
    root = Path(os.path.realpath(out))
    paths = published_paths(out)
    files = [p for p in paths if not p.startswith("tuf/") and not p.endswith(".minisig")]
    files.remove("minisign.pub")
    for target in files:
        result = subprocess.run(
            ["minisign", "-V", "-p", str(root / "minisign.pub"), "-m", str(root / target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{target}: {result.stderr}"
    return files


def test_two_releases_from_the_command_line(tmp_path: Path, sqlite_url: str) -> None:
    env = {
        **os.environ,
        "KPFEED_DATABASE_URL": sqlite_url,
        "KPFEED_DATA_DIR": str(tmp_path / "var"),
        "KPFEED_KEY_DIR": str(tmp_path / "keys"),
        "KPFEED_KEY_PASSPHRASE": "cli test passphrase",
        "KPFEED_KEY_SCRYPT_LOG_N": "10",
        "KPFEED_PUBLIC_DIR": str(tmp_path / "unused"),
    }
    out = tmp_path / "public"
    # The first release lacks one record and one alias; the second brings them (true data).
    records = load_and_validate([SAMPLE]).records
    added, changed, retired = scripted_changes(records)
    first = tmp_path / "sample-2022.1"
    shutil.copytree(SAMPLE, first)
    _record_file(first, added.id).unlink()
    shorter, field = shorter_version(changed)
    body = {k: v for k, v in dump_record(shorter).items() if k not in ("uuid", "revision")}
    _record_file(first, changed.id).write_text(yaml.safe_dump(body, allow_unicode=True))

    _kpfeed(env, "init")
    _kpfeed(env, "keys", "init")
    _import(sqlite_url, first)
    _kpfeed(env, "release", "create", "2022.1", "--notes", "First release.", "--as", "alice")
    refused = _kpfeed(env, "release", "approve", "2022.1", "--as", "alice", ok=False)
    assert refused.returncode == 1
    assert "four eyes" in refused.stderr
    unapproved = _kpfeed(env, "publish", "2022.1", "--out", str(out), ok=False)
    assert unapproved.returncode == 1
    assert "not approved" in unapproved.stderr
    _kpfeed(env, "release", "approve", "2022.1", "--as", "bob")
    _kpfeed(env, "publish", "2022.1", "--out", str(out))
    old = {p: f.read_bytes() for p, f in published_paths(out).items() if p.startswith("releases/")}

    _import(sqlite_url, SAMPLE)
    _kpfeed(env, "records", "retire", retired.id, "--as", "alice", "--comment", "test")
    _kpfeed(env, "release", "create", "2022.2", "--notes", "Second release.", "--as", "carol")
    _kpfeed(env, "release", "approve", "2022.2", "--as", "bob")
    published = _kpfeed(env, "publish", "2022.2", "--out", str(out), "--json")
    assert json.loads(published.stdout)["version"] == "2022.2"

    listed = json.loads(_kpfeed(env, "release", "list", "--json").stdout)
    assert [(r["version"], r["state"]) for r in listed] == [
        ("2022.1", "published"),
        ("2022.2", "published"),
    ]
    shown = json.loads(_kpfeed(env, "release", "show", "2022.2", "--json").stdout)
    assert sorted((c["op"], c["id"], c["fields"]) for c in shown["changes"]) == sorted(
        [("ADD", added.id, []), ("MOD", changed.id, [field]), ("DEL", retired.id, [])]
    )
    assert shown["counts"] == {
        "added": 1,
        "changed": 1,
        "retired": 1,
        "total": len(records) - 1,
    }

    _kpfeed(env, "refresh", "--out", str(out))
    files = _verify_all(out)
    assert "releases/2022.1/package.json" in files
    assert "releases/2022.2/changes.json" in files
    for path, data in old.items():
        assert (out / path).read_bytes() == data, path


def test_demo_builds_a_verifiable_workspace_and_is_reused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPFEED_")}
    root = tmp_path / "demo"
    built = _kpfeed(env, "demo", "--dir", str(root), "--no-serve")
    assert f"export KPFEED_DATABASE_URL=sqlite:///{root / 'kpfeed.db'}" in built.stdout
    assert str(root / "public" / "tuf" / "metadata" / "1.root.json") in built.stdout
    assert str(SAMPLE) in built.stdout  # the real sample, not the synthetic fallback
    _verify_all(root / "public")
    settings = {
        line.split("export ", 1)[1].split("=", 1)[0]: line.split("=", 1)[1]
        for line in built.stdout.splitlines()
        if line.strip().startswith("export ")
    }
    workspace_env = {**env, **settings}
    listed = json.loads(_kpfeed(workspace_env, "release", "list", "--json").stdout)
    assert [r["version"] for r in listed] == ["2022.1", "2022.2"]
    assert listed[1]["counts"]["added"] == listed[1]["counts"]["changed"] == 1
    assert listed[1]["counts"]["retired"] == 1

    again = _kpfeed(env, "demo", "--dir", str(root), "--no-serve")
    assert "reused" in again.stdout
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = _kpfeed(env, "demo", "--dir", str(other), "--no-serve", ok=False)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    assert (other / "notes.txt").read_text() == "mine"
