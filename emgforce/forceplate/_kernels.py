"""numba kernels of the force-plate package (private; the public wrappers validate input)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def cop_kernel(forces, origin, rot, centre, load_sign, threshold, lab, cop, free_moment, valid, load):
    """COP, free moment and vertical load per sample, masked below ``threshold``.

    ``forces`` (n, 6) about the plate origin, plate frame; ``origin`` is the
    origin relative to the top-surface centre. Outputs are written in place;
    masked samples get NaN COP/free moment and ``valid`` False, and are never
    divided through.
    """
    n = forces.shape[0]
    dz = -origin[2]  # top surface z relative to the origin
    for i in range(n):
        fx = forces[i, 0]
        fy = forces[i, 1]
        fz = forces[i, 2]
        mx = forces[i, 3]
        my = forces[i, 4]
        mz = forces[i, 5]
        finite = (
            np.isfinite(fx) and np.isfinite(fy) and np.isfinite(fz)
            and np.isfinite(mx) and np.isfinite(my) and np.isfinite(mz)
        )
        w = load_sign * (rot[2, 0] * fx + rot[2, 1] * fy + rot[2, 2] * fz)
        load[i] = w if finite else np.nan
        if not (finite and w > threshold and fz != 0.0):
            valid[i] = False
            cop[i, 0] = np.nan
            cop[i, 1] = np.nan
            free_moment[i] = np.nan
            continue
        valid[i] = True
        x = (dz * fx - my) / fz  # COP relative to the origin, plate frame
        y = (mx + dz * fy) / fz
        tz = mz - x * fy + y * fx
        xc = x + origin[0]  # relative to the top-surface centre
        yc = y + origin[1]
        if lab:
            cop[i, 0] = centre[0] + rot[0, 0] * xc + rot[0, 1] * yc
            cop[i, 1] = centre[1] + rot[1, 0] * xc + rot[1, 1] * yc
            free_moment[i] = rot[2, 2] * tz
        else:
            cop[i, 0] = xc
            cop[i, 1] = yc
            free_moment[i] = tz


def sample_entropy_counts(x, m, r):
    """Pair counts (A: length m+1, B: length m) for sample entropy.

    Templates start at 0 .. n-m-1 (the same n-m templates for both lengths,
    Richman & Moorman 2000). They are sorted by their first value (numpy's
    sort: numba's would cost more than a second of compilation on a fresh
    cache) and their coordinates gathered into contiguous rows for
    :func:`_count_pairs`. The order of tied first values does not matter:
    every pair is counted once either way.
    """
    nt = x.shape[0] - m
    order = np.argsort(x[:nt])
    t = x[order + np.arange(m + 1)[:, None]]
    return _count_pairs(t, r, np.empty(nt if m > 2 else 0, dtype=np.bool_))


@njit(cache=True)
def _count_pairs(t, r, ok):
    """Pair counts of the templates ``t`` (m+1, nt), sorted by their first row.

    The partners of template ``p`` within ``r`` in the first coordinate are the
    run ``p+1 .. end-1`` (``end`` only moves forward: subtracting a fixed value
    is monotone in floating point, so the test ``first[q] - first[p] <= r`` is
    exactly the definition's). The remaining coordinates are tested by
    branch-free loops over that run, which LLVM vectorises; the comparisons are
    the definition's ``|a - b| <= r``, so the counts are exact. ``ok`` (nt,) is
    scratch for m > 2. No allocation or library call: each would add to the
    compile time of a fresh cache.
    """
    m = t.shape[0] - 1
    nt = t.shape[1]
    first = t[0]
    mid = t[1]
    last = t[m]
    a_count = 0
    b_count = 0
    end = 0
    for p in range(nt):
        xi = first[p]
        lo = p + 1
        if end < lo:
            end = lo
        while end < nt and first[end] - xi <= r:
            end += 1
        a = 0
        b = 0
        vl = last[p]
        if m == 1:
            b = end - lo
            for q in range(lo, end):
                a += abs(last[q] - vl) <= r
        elif m == 2:  # the usual case, fused into one pass
            vm = mid[p]
            for q in range(lo, end):
                c = abs(mid[q] - vm) <= r
                b += c
                a += c & (abs(last[q] - vl) <= r)
        else:
            vm = mid[p]
            for q in range(lo, end):
                ok[q] = abs(mid[q] - vm) <= r
            for k in range(2, m):
                row = t[k]
                v = row[p]
                for q in range(lo, end):
                    ok[q] = ok[q] & (abs(row[q] - v) <= r)
            for q in range(lo, end):
                c = ok[q]
                b += c
                a += c & (abs(last[q] - vl) <= r)
        b_count += b
        a_count += a
    return a_count, b_count


@njit(cache=True)
def dwell_counts(cop, radius):
    """Per sample t < n-1: samples, excluding t, in the unbroken run around t within ``radius`` of it."""
    n = cop.shape[0]
    out = np.empty(n - 1)
    r2 = radius * radius
    for t in range(n - 1):
        stop = t + 1
        while stop < n and (cop[stop, 0] - cop[t, 0]) ** 2 + (cop[stop, 1] - cop[t, 1]) ** 2 <= r2:
            stop += 1
        start = t - 1
        while start >= 0 and (cop[start, 0] - cop[t, 0]) ** 2 + (cop[start, 1] - cop[t, 1]) ** 2 <= r2:
            start -= 1
        out[t] = (stop - 1) - (start + 1)
    return out
