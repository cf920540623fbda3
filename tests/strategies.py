"""Hypothesis strategies for JSON values, shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st


def json_values(text: st.SearchStrategy[str], max_items: int, max_keys: int, max_leaves: int) -> st.SearchStrategy:
    """Any JSON value whose keys and strings come from `text`: arrays of up to `max_items`,
    objects of up to `max_keys`, `max_leaves` scalars at most in all."""
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), text
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(st.lists(children, max_size=max_items), st.dictionaries(text, children, max_size=max_keys)),
        max_leaves=max_leaves,
    )
