"""Hypothesis helpers for the fuzzing tests: JSON-like values, one-place mutations, sizes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.integration.faults.scale import FaultScale

__all__ = ["JSON_VALUES", "examples", "mutated"]

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "symbol:x", "2020-01-15", "EU", "en", "CLEAR", "not-a-date", "\0"])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def examples(scale: FaultScale) -> Callable[[Any], Any]:
    """Hypothesis settings for this campaign size: 150 examples, or 2000 at full size."""
    return settings(
        max_examples=scale.pick(reduced=150, full=2000),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def mutated(data: Any, draw: Callable[[st.SearchStrategy[Any]], Any], depth: int = 0) -> Any:
    """`data` with one place in it changed: a value replaced, a key dropped or added."""
    if isinstance(data, dict) and data and depth < 6:
        key = draw(st.sampled_from(sorted(data)))
        action = draw(st.sampled_from(["descend", "replace", "drop", "add"]))
        out = dict(data)
        if action == "descend":
            out[key] = mutated(data[key], draw, depth + 1)
        elif action == "replace":
            out[key] = draw(JSON_VALUES)
        elif action == "drop":
            del out[key]
        else:
            out[draw(st.text(max_size=12))] = draw(JSON_VALUES)
        return out
    if isinstance(data, list) and data and depth < 6:
        index = draw(st.integers(min_value=0, max_value=len(data) - 1))
        out_list = list(data)
        action = draw(st.sampled_from(["descend", "replace", "drop", "duplicate"]))
        if action == "descend":
            out_list[index] = mutated(data[index], draw, depth + 1)
        elif action == "replace":
            out_list[index] = draw(JSON_VALUES)
        elif action == "drop":
            del out_list[index]
        else:
            out_list.append(data[index])
        return out_list
    return draw(JSON_VALUES)
