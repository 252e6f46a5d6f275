"""Runs of True in a mask, and their merging, against a plain-Python reference."""

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from emgforce._runs import merge_runs, run_bounds, true_runs


def reference_runs(mask):
    out, i = [], 0
    for value, group in itertools.groupby(mask):
        n = len(list(group))
        if value:
            out.append((i, i + n))
        i += n
    return out


@given(st.lists(st.booleans(), max_size=200))
def test_true_runs_are_the_groups_of_true(mask):
    got = true_runs(np.array(mask, dtype=bool))
    assert got == reference_runs(mask)
    assert all(type(v) is int for run in got for v in run)  # plain ints: safe as slice bounds and in JSON
    starts, stops = run_bounds(np.array(mask, dtype=bool))
    assert list(zip(starts.tolist(), stops.tolist())) == got and starts.dtype.kind == stops.dtype.kind == "i"


@given(st.lists(st.booleans(), max_size=200), st.integers(0, 20))
def test_merged_runs_are_the_runs_after_filling_short_gaps(mask, gap):
    filled = np.array(mask, dtype=bool)
    runs = true_runs(filled)
    for (_, b), (a, _) in zip(runs, runs[1:]):
        if a - b <= gap:
            filled[b:a] = True
    assert merge_runs(runs, gap) == reference_runs(filled.tolist())


def test_empty_and_all_false_masks_have_no_runs():
    assert true_runs(np.zeros(0, bool)) == [] == true_runs(np.zeros(5, bool))
    assert merge_runs([], 3) == []
