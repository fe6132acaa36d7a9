"""`bench/run`: every benchmark of the project in one run, and one report of them all.

    bench/run [--quick] [--out DIR] [--postgres URL] [--only NAME ...] [--docs]

Runs each benchmark as its own process, one after the other (never two at once, so they do
not measure each other), with `--json` so its figures come back structured, then writes
DIR/report.md and DIR/img/*.png (default DIR: bench/out). `--quick` is the smoke run CI makes:
small sizes, short runs; its ratios are indicative only. A benchmark that fails is named in
the report and makes the run exit non-zero; the others still report.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import collect, machine
from bench.report import write_report
from bench.results import Row, load_rows, write_rows

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    """Sizes and repetitions of one kind of run."""

    import_sizes: tuple[tuple[int, int], ...]  # (records, repetitions)
    publish_sizes: tuple[int, ...]
    publish_repeat: int
    pull_records: int
    peer_records: tuple[int, ...]
    repeat: int
    load_seconds: int
    load_rounds: int
    match_args: tuple[str, ...]


QUICK = Plan(
    import_sizes=((100, 2), (400, 2)),
    publish_sizes=(100, 400),
    publish_repeat=2,
    pull_records=500,
    peer_records=(30,),
    repeat=2,
    load_seconds=1,
    load_rounds=1,
    match_args=("--mb", "1", "--patterns", "500", "--build-patterns", "2000"),
)
FULL = Plan(
    import_sizes=((1_000, 3), (10_000, 3), (100_000, 1)),
    publish_sizes=(1_000, 10_000, 100_000),
    publish_repeat=1,
    pull_records=100_000,
    peer_records=(100, 300),
    repeat=3,
    load_seconds=5,
    load_rounds=3,
    match_args=(),
)


@dataclass
class Step:
    """One benchmark process: its command, and how its output becomes rows."""

    name: str
    title: str
    commands: list[list[str]]
    rows: Callable[[list[Path]], list[Row]]
    outputs: list[Path] = field(default_factory=list)


def plan_steps(plan: Plan, out: Path, postgres: str | None) -> list[Step]:
    raw = out / "raw"
    py = [sys.executable, "-m"]
    pg = ["--postgres", postgres] if postgres else []
    steps = []

    imports = Step("import", "validate + import", [], collect.import_rows)
    for count, repeat in plan.import_sizes:
        path = raw / f"import-{count}.json"
        imports.outputs.append(path)
        sized = ["--count", str(count), "--repeat", str(repeat)]
        imports.commands.append([*py, "bench.import_bench", *sized, *pg, "--json", str(path)])
    steps.append(imports)

    path = raw / "publish.json"
    sized = ["--sizes", ",".join(map(str, plan.publish_sizes))]
    sized += ["--repeat", str(plan.publish_repeat)]
    steps.append(
        Step(
            "publish",
            "create + publish",
            [[*py, "bench.publish_bench", *sized, "--json", str(path)]],
            lambda paths: collect.publish_rows(paths[0]),
            [path],
        )
    )

    pulls = Step("pull", "consumer pull and the TAXII peer", [], _own_rows)
    for records, peer in [(plan.pull_records, False)] + [(n, True) for n in plan.peer_records]:
        path = raw / f"pull-{records}.json"
        pulls.outputs.append(path)
        sized = ["--records", str(records), "--repeat", str(plan.repeat)]
        sized += ["--peer"] if peer else []
        pulls.commands.append([*py, "bench.pull_bench", *sized, "--json", str(path)])
    steps.append(pulls)

    load = ["--seconds", str(plan.load_seconds), "--rounds", str(plan.load_rounds)]
    path = raw / "feed-get.json"
    steps.append(
        Step(
            "feed-get",
            "feed GET",
            [[*py, "bench.feed_get_bench", *load, "--json", str(path)]],
            lambda paths: collect.feed_get_rows(paths[0]),
            [path],
        )
    )
    path = raw / "feedback.json"
    steps.append(
        Step(
            "feedback",
            "feedback ingest",
            [[*py, "bench.feedback_bench", *load, *pg, "--json", str(path)]],
            _own_rows,
            [path],
        )
    )
    path = raw / "match.json"
    steps.append(
        Step(
            "match",
            "matcher",
            [[*py, "bench.match_bench", *plan.match_args, "--json", str(path)]],
            lambda paths: collect.match_rows(paths[0]),
            [path],
        )
    )
    return steps


def _own_rows(paths: list[Path]) -> list[Row]:
    return [row for path in paths for row in load_rows(path)[0]]


def run_step(step: Step, logs: Path) -> tuple[list[Row], str | None, float]:
    """Run a step's commands; its rows, or the reason it has none, and its seconds."""
    start = time.perf_counter()
    log = logs / f"{step.name}.log"
    with log.open("w") as out:
        for command in step.commands:
            out.write(f"$ {' '.join(command)}\n")
            out.flush()
            done = subprocess.run(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
            if done.returncode != 0:
                seconds = time.perf_counter() - start
                return [], f"exited with {done.returncode}; see {log}", seconds
    try:
        rows = step.rows(step.outputs)
    except (OSError, KeyError, ValueError) as error:
        return [], f"its results could not be read ({error!r}); see {log}", 0.0
    return rows, None, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs (CI)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("KPFEED_TEST_DATABASE_URL"),
        help="PostgreSQL server for scratch databases (default: $KPFEED_TEST_DATABASE_URL)",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument(
        "--docs",
        action="store_true",
        help="also copy the report into the documentation (docs/benchmarks.md, docs/img/)",
    )
    parser.add_argument(
        "--rerender",
        action="store_true",
        help="measure nothing: write the report again from DIR/results.json",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    out: Path = args.out.resolve()
    if args.rerender:
        rows, meta = load_rows(out / "results.json")
        print(f"report: {write_report(out, rows, **meta)}")
        if args.docs:
            print(f"docs: {copy_to_docs(out)}")
        return 1 if meta["failures"] else 0
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "raw").mkdir(exist_ok=True)
    started = machine.snapshot(args.postgres)
    steps = plan_steps(plan, out, args.postgres)
    if args.only:
        steps = [s for s in steps if s.name in args.only]
    failures: dict[str, str] = {}
    durations: dict[str, float] = {}
    all_rows: list[Row] = []
    for step in steps:
        print(f"== {step.title} ...", flush=True)
        rows, failure, seconds = run_step(step, out / "logs")
        durations[step.name] = seconds
        if failure:
            failures[step.title] = failure
            print(f"   FAILED: {failure}", flush=True)
        else:
            print(f"   {len(rows)} rows in {seconds:.0f} s", flush=True)
        all_rows += rows
    meta = {
        "quick": args.quick,
        "machine_before": started,
        "machine_after": machine.snapshot(None, full=False),
        "failures": failures,
        "durations": durations,
    }
    write_rows(out / "results.json", "all", all_rows, **meta)
    report = write_report(out, all_rows, **meta)
    print(f"report: {report}")
    if args.docs:
        print(f"docs: {copy_to_docs(out)}")
    return 1 if failures else 0


def copy_to_docs(out: Path) -> Path:
    """The report as docs/benchmarks.md, its plots in docs/img/benchmarks/."""
    images = REPO / "docs" / "img" / "benchmarks"
    images.mkdir(parents=True, exist_ok=True)
    for png in sorted((out / "img").glob("*.png")):
        shutil.copyfile(png, images / png.name)
    text = (out / "report.md").read_text().replace("](img/", "](img/benchmarks/")
    title, rest = text.split("\n", 1)
    preface = (
        "The report of one full run of `bench/run` (copied here by its `--docs` option), "
        "committed as it was measured. "
        "Run `bench/run` to measure your own machine; [ADR 0014](adr/0014-benchmark-report.md) "
        "says how the figures are taken."
    )
    text = f"{title}\n\n{preface}\n{rest}"
    page = REPO / "docs" / "benchmarks.md"
    page.write_text(text)
    return page


if __name__ == "__main__":
    sys.exit(main())
