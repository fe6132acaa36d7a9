"""The reference rule of a release: every relation and affiliate points at one of its records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from feed.errors import Problem, ValidationFailed
from feed.model import AnyRecord

__all__ = ["RecordLinks", "check_links", "check_references"]


@dataclass(frozen=True)
class RecordLinks:
    """What a record points at: its relations as (type, target), and its affiliates."""

    relations: Sequence[tuple[str, str]] = ()
    affiliates: Sequence[str] = ()

    @classmethod
    def of(cls, record: AnyRecord) -> RecordLinks:
        return cls(
            [(str(r.type), r.target) for r in record.relations],
            list(getattr(record, "affiliates", [])),
        )

    @classmethod
    def of_data(
        cls, relations: Iterable[Mapping[str, Any]], affiliates: Sequence[str]
    ) -> RecordLinks:
        """The links of a record given as plain data (`dump_record`'s form, a stored body)."""
        return cls([(r["type"], r["target"]) for r in relations], affiliates)


def check_references(version: str, records: Sequence[AnyRecord]) -> None:
    """Every relation and affiliate must point at a record of the same release.

    A consumer follows these links inside the package; a link to a record that is retired
    or not yet approved would dangle. ValidationFailed lists every such link, located.
    """
    check_links(version, {record.id: RecordLinks.of(record) for record in records})


def check_links(version: str, links: Mapping[str, RecordLinks]) -> None:
    """`check_references` for the release whose records (by id, in order) have these links."""
    problems: list[Problem] = []
    for rid, record in links.items():
        for i, (kind, target) in enumerate(record.relations):
            if target not in links:
                problems.append(
                    Problem(
                        file=None,
                        record_id=rid,
                        pointer=f"/relations/{i}/target",
                        message=f"{kind} {target}, which release {version} "
                        "would not hold (retired, or not approved)",
                    )
                )
        for i, affiliate in enumerate(record.affiliates):
            if affiliate not in links:
                problems.append(
                    Problem(
                        file=None,
                        record_id=rid,
                        pointer=f"/affiliates/{i}",
                        message=f"affiliate {affiliate}, which release {version} would not hold "
                        "(retired, or not approved)",
                    )
                )
    if problems:
        raise ValidationFailed(problems)
