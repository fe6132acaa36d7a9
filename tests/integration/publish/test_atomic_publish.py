"""Atomic publication: complete states only, immutable release files, refused paths, failures."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from feed.errors import ImmutableReleaseError, PublishError
from feed.publish import (
    current_generation,
    generations_dir,
    publish_files,
    published_paths,
    read_published,
    stage_publication,
)
from tests.integration.publish.publish_states import check_state, release_files, state_files

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
CRASH_RUNS = int(os.environ.get("KPFEED_CRASH_RUNS", "20"))


def _state_of(out_dir: Path) -> int:
    return check_state(Path(os.path.realpath(out_dir)))


def test_published_files_read_back_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish_files(out, state_files(1))
    assert out.is_symlink()
    assert _state_of(out) == 1
    assert read_published(out, "feed.json") == state_files(1)["feed.json"]
    assert read_published(out, "missing.json") is None
    assert set(published_paths(out)) == set(state_files(1))


def test_unchanged_files_are_hard_linked_not_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = publish_files(out, state_files(1))
    second = publish_files(out, state_files(2))
    old = first.generation / "releases/1/package.json"
    new = second.generation / "releases/1/package.json"
    assert os.stat(old).st_ino == os.stat(new).st_ino
    assert second.linked == len(release_files(1))


def test_one_bytes_object_under_two_paths_is_written_once(tmp_path: Path) -> None:
    shared = b"x" * 10_000
    result = publish_files(tmp_path / "public", {"package.json": shared, "releases/1/p": shared})
    first, second = (result.generation / p for p in ("package.json", "releases/1/p"))
    assert os.stat(first).st_ino == os.stat(second).st_ino
    assert (result.written, result.linked) == (1, 1)


def test_older_release_files_survive_a_publication_that_omits_them(tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish_files(out, state_files(2))
    top_level_only = {p: b for p, b in state_files(3).items() if not p.startswith("releases/")}
    publish_files(out, top_level_only)
    for j in (1, 2):
        for path, data in release_files(j).items():
            assert read_published(out, path) == data


def test_files_outside_releases_that_are_not_republished_disappear(tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish_files(out, state_files(1))
    publish_files(out, state_files(2))
    assert read_published(out, "only-in-1.txt") is None
    assert read_published(out, "only-in-2.txt") is not None


def test_rewriting_a_published_release_file_with_other_bytes_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish_files(out, state_files(1))
    files = state_files(2)
    files["releases/1/package.json"] = b"tampered"
    with pytest.raises(ImmutableReleaseError, match=r"releases/1/package\.json"):
        publish_files(out, files)
    assert _state_of(out) == 1
    assert not [p for p in generations_dir(out).iterdir() if p.name.startswith(".tmp-")]


def test_republishing_identical_release_bytes_is_allowed(tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish_files(out, state_files(1))
    publish_files(out, state_files(2))
    assert _state_of(out) == 2


@pytest.mark.parametrize(
    "path",
    ["../escape.json", "/etc/passwd", "releases/../../x", "a//b", "./feed.json", "", "a\\b", "a/."],
)
def test_paths_that_could_leave_the_directory_are_refused(tmp_path: Path, path: str) -> None:
    out = tmp_path / "public"
    with pytest.raises(PublishError, match="paths must be relative"):
        publish_files(out, {path: b"x", "feed.json": b"{}"})
    assert not out.exists()
    assert not (tmp_path / "escape.json").exists()


def test_a_path_that_is_both_file_and_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="is also a file"):
        publish_files(tmp_path / "public", {"a": b"1", "a/b": b"2"})


def test_a_plain_folder_with_content_is_not_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.mkdir()
    (out / "index.html").write_text("hand-made")
    with pytest.raises(PublishError, match="not a kpfeed publication"):
        publish_files(out, state_files(1))
    assert (out / "index.html").read_text() == "hand-made"


def test_an_empty_plain_folder_becomes_the_publication(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.mkdir()
    publish_files(out, state_files(1))
    assert out.is_symlink()
    assert _state_of(out) == 1


def test_only_the_current_and_previous_generations_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "public"
    results = [publish_files(out, state_files(k)) for k in range(1, 5)]
    kept = sorted(p.name for p in generations_dir(out).iterdir() if p.name != ".lock")
    assert kept == [results[2].generation.name, results[3].generation.name]
    assert current_generation(out) == results[3].generation


def test_a_discarded_stage_leaves_the_previous_publication(tmp_path: Path) -> None:
    out = tmp_path / "public"
    publish_files(out, state_files(1))
    with stage_publication(out, state_files(2)) as staged:
        assert staged.staging is not None
        assert staged.staging.exists()
        assert _state_of(out) == 1
    assert _state_of(out) == 1
    assert [p.name for p in generations_dir(out).iterdir() if p.name.startswith(".tmp")] == []


def test_a_second_publisher_is_refused_while_one_is_staging(tmp_path: Path) -> None:
    out = tmp_path / "public"
    with stage_publication(out, state_files(1)) as staged:
        with pytest.raises(PublishError, match="in progress"):
            publish_files(out, state_files(2))
        staged.commit()
    assert _state_of(out) == 1
    publish_files(out, state_files(2))
    assert _state_of(out) == 2


# -- crashes ----------------------------------------------------------------------------------


class _Reader(threading.Thread):
    """Checks, as fast as it can, that DIR always shows one complete state."""

    def __init__(self, out: Path) -> None:
        super().__init__(daemon=True)
        self.out = out
        self.stop = threading.Event()
        self.reads = 0
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            root = Path(os.path.realpath(self.out))
            if not self.out.exists():
                continue
            try:
                self._check(root)
                self.reads += 1
            except FileNotFoundError as error:
                # A generation two publications old may be pruned while we read it; a file
                # missing from the generation DIR *still* points to is a real failure.
                if Path(os.path.realpath(self.out)) == root:
                    self.failures.append(f"{root}: {error}")
            except Exception as error:  # a torn manifest, wrong bytes: all failures
                self.failures.append(f"{root}: {error!r}")

    @staticmethod
    def _check(root: Path) -> None:
        import json

        manifest = json.loads((root / "current.json").read_bytes())
        for path, data in state_files(int(manifest["state"])).items():
            assert (root / path).read_bytes() == data, f"{root}: {path} is from another state"


@pytest.mark.slow
def test_sigkill_at_random_moments_always_leaves_one_complete_state(tmp_path: Path) -> None:
    out = tmp_path / "public"
    rng = random.Random()
    reader = _Reader(out)
    reader.start()
    expected_next, interrupted = 1, 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        for _ in range(CRASH_RUNS):
            proc = subprocess.Popen(
                [sys.executable, str(HERE / "crash_publisher.py"), str(out), str(expected_next)],
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            assert proc.stdout is not None
            first = proc.stdout.readline()
            assert first.startswith("published"), first
            time.sleep(rng.uniform(0, 0.15))
            proc.kill()
            proc.wait()
            lines = [first, *proc.stdout.read().splitlines()]
            last_printed = int(lines[-1].split()[1])
            state = _state_of(out)
            # A kill between the commit and the print leaves one state more than printed.
            assert state in (last_printed, last_printed + 1)
            leftovers = [p for p in generations_dir(out).iterdir() if p.name.startswith(".tmp")]
            interrupted += bool(leftovers)
            expected_next = state + 1
    finally:
        reader.stop.set()
        reader.join(timeout=10)
    assert reader.failures == []
    assert reader.reads > 0
    # The kills really landed while a new generation was being built, not only between runs.
    assert interrupted > 0
    publish_files(out, state_files(expected_next))
    assert _state_of(out) == expected_next
    gens = sorted(p.name for p in generations_dir(out).iterdir() if p.name != ".lock")
    assert len(gens) == 2
    assert all(g.isdigit() for g in gens)


# -- failures of the file system --------------------------------------------------------------

_CHILD = """
import signal, resource, sys, json
from pathlib import Path
sys.path.insert(0, {repo!r})
from tests.integration.publish.publish_states import state_files
from feed.errors import KpfeedError
from feed.publish import publish_files
limit = int(sys.argv[3])
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    publish_files(Path(sys.argv[1]), state_files(int(sys.argv[2])))
except KpfeedError as error:
    print(json.dumps({{"error": type(error).__name__, "message": str(error)}}))
else:
    print(json.dumps({{"error": None}}))
"""


def _publish_in_child(
    out: Path, k: int, *, limit: int = 0, honour_permissions: bool = False
) -> dict[str, str]:
    import json

    command = [sys.executable, "-c", _CHILD.format(repo=str(REPO)), str(out), str(k), str(limit)]
    if honour_permissions and os.geteuid() == 0:
        # root ignores permission bits; without these capabilities it must honour them.
        drop = "-dac_override,-dac_read_search,-fowner"
        command = ["setpriv", f"--bounding-set={drop}", "--", *command]
    proc = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    )
    result: dict[str, str] = json.loads(proc.stdout)
    return result


def test_a_read_only_directory_gives_a_clear_error_and_keeps_the_publication(
    tmp_path: Path,
) -> None:
    out = tmp_path / "public"
    publish_files(out, state_files(1))
    read_only = (tmp_path, generations_dir(out))
    for folder in read_only:
        folder.chmod(0o555)
    try:
        result = _publish_in_child(out, 2, honour_permissions=True)
    finally:
        for folder in read_only:
            folder.chmod(0o755)
    assert result["error"] == "PublishError"
    assert "permission denied" in result["message"]
    assert "still holds the previous publication" in result["message"]
    assert _state_of(out) == 1


def test_a_write_that_hits_the_file_size_limit_keeps_the_previous_publication(
    tmp_path: Path,
) -> None:
    out = tmp_path / "public"
    publish_files(out, state_files(1))
    result = _publish_in_child(out, 2, limit=10_000)
    assert result["error"] == "PublishError"
    assert "file size limit" in result["message"]
    assert _state_of(out) == 1
    assert [p for p in generations_dir(out).iterdir() if p.name.startswith(".tmp")] == []


def test_a_full_disk_gives_a_clear_error_and_keeps_the_publication(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    size = sum(len(b) for b in state_files(1).values()) * 3 // 2
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr!r}")
    try:
        out = disk / "public"
        publish_files(out, state_files(1))
        with pytest.raises(PublishError, match="the disk is full") as info:
            publish_files(out, state_files(2))
        assert "still holds the previous publication" in str(info.value)
        assert _state_of(out) == 1
        assert [p for p in generations_dir(out).iterdir() if p.name.startswith(".tmp")] == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)
