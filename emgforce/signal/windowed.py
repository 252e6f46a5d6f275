"""The zero-phase EMG envelope of a long recording over the time windows an analysis needs.

:class:`WindowedEnvelope` computes :func:`~emgforce.signal.emg_envelope` of rows
``start:stop`` of a recording from those rows plus :func:`envelope_padding` samples
on each side, read from anything sliceable along time (an ``h5py`` data set, a
lazily read stream, an array). The result equals the envelope of the whole
signal to far below 1e-9 of its peak:

* the padding is the number of samples after which the filters forget their
  state (:func:`~emgforce.signal.filters.settle_samples`: transition matrix norm
  <= 1e-18), band-pass/notch plus low-pass, since each output depends on the
  input through both passes of both filters;
* a window whose padding reaches an end of the recording starts (or stops) at
  that end, so the zero-phase filter's odd extension there is the whole signal's;
* the DC removal uses the whole signal's channel means, given by the caller
  (one chunked sweep: :class:`~emgforce.signal.sweep.ChannelSweep`);
* NaN/inf samples are interpolated (``nonfinite="interpolate"``) between the
  same finite neighbours as over the whole signal, looked up outside the padded
  window when a gap crosses its edge.
"""

from __future__ import annotations

__all__ = ["WindowedEnvelope", "envelope_padding"]

import numpy as np

from emgforce._docs import fill_doc
from emgforce.errors import SignalError
from emgforce.signal.filters import padlen, settle_samples
from emgforce.signal.pipeline import EnvelopeParams, design, emg_envelope

_LOOKUP_ROWS = 1 << 14  # rows read per step when looking for a gap's finite neighbour outside a window


@fill_doc
def envelope_padding(fs: float, params: EnvelopeParams | None = None, **overrides) -> int | None:
    """Samples of context on each side of a window for an exact zero-phase envelope.

    Parameters
    ----------
    %(fs)s
    params : EnvelopeParams, optional
        Pipeline settings (as for :func:`~emgforce.signal.emg_envelope`).
    **overrides
        Any :class:`~emgforce.signal.EnvelopeParams` field.

    Returns
    -------
    int or None
        Settling length of the band-pass/notch cascade plus that of the low-pass
        (or half the moving window); None when a filter never settles (a pole
        on the unit circle): then only the whole signal gives the exact result.
    """
    chain = design(params, fs, overrides)
    pre = settle_samples(chain.pre_sos) if len(chain.pre_sos) else 0
    smooth = settle_samples(chain.lp_sos) if len(chain.lp_sos) else chain.window // 2 + 1
    return None if pre is None or smooth is None else pre + smooth


class WindowedEnvelope:
    """Zero-phase envelope of any window of a long signal, equal to the whole signal's.

    Parameters
    ----------
    source : array_like, shape (n, n_channels)
        Raw EMG, sliceable along time (``source[a:b]`` gives rows ``a:b`` as an
        array; NaN/inf samples allowed with ``nonfinite="interpolate"``).
    fs : float
        Sampling rate, Hz.
    mean : array_like, shape (n_channels,)
        The whole signal's channel means (after interpolating its non-finite
        samples when ``nonfinite="interpolate"``), subtracted when ``remove_dc``.
    params : EnvelopeParams, optional
        Pipeline settings; ``nonfinite`` must be ``"raise"`` or ``"interpolate"``.
    **overrides
        Any :class:`~emgforce.signal.EnvelopeParams` field.

    Raises
    ------
    SignalError
        Bad parameters, a signal too short for the zero-phase padding, or (with
        ``"interpolate"``) a channel without a finite sample (NaN mean).
    """

    def __init__(self, source, fs: float, *, mean, params: EnvelopeParams | None = None, **overrides) -> None:
        p = (params or EnvelopeParams()).replace(**overrides)
        chain = design(p, fs, {})
        if chain.nonfinite not in ("raise", "interpolate"):
            raise SignalError(f"WindowedEnvelope supports nonfinite='raise' or 'interpolate', got {chain.nonfinite!r}")
        self.source = source
        self.fs = chain.fs
        self.n, n_ch = (int(k) for k in source.shape)
        need = max(padlen(s) if len(s) else 0 for s in (chain.pre_sos, chain.lp_sos))
        if self.n <= need:
            raise SignalError(f"signal has {self.n} samples; the zero-phase envelope needs more than {need} "
                              f"({need / chain.fs:.3f} s) for its edge padding; use a longer signal or zero_phase=False")
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1) if chain.remove_dc else np.zeros(n_ch)
        if self.mean.size != n_ch:
            raise SignalError(f"{self.mean.size} channel means for {n_ch} channels")
        if chain.nonfinite == "interpolate" and not np.all(np.isfinite(self.mean)):
            c = int(np.flatnonzero(~np.isfinite(self.mean))[0])
            raise SignalError(f"channel {c} holds no finite sample; nothing to interpolate from")
        self.interpolate = chain.nonfinite == "interpolate"
        pad = envelope_padding(fs, p)
        self.padding = self.n if pad is None else pad
        # the mean is subtracted here, as the whole-signal kernels do, then no DC removal per window
        self.params = p.replace(remove_dc=False, nonfinite="raise")

    def padded(self, start: int, stop: int) -> tuple[int, int]:
        """Rows read for the envelope of ``start:stop``: the window and its padding, clipped to the signal."""
        return max(0, start - self.padding), min(self.n, stop + self.padding)

    def __call__(self, start: int, stop: int, raw: np.ndarray | None = None) -> np.ndarray:
        """Envelope of rows ``start:stop`` (clipped to the signal), all channels, float64.

        ``raw`` may hold rows :meth:`padded` ``(start, stop)`` of the source already read
        (they are not modified).
        """
        start, stop = max(0, int(start)), min(self.n, int(stop))
        stop = max(start, stop)
        a, b = self.padded(start, stop)
        x = np.array(self.source[a:b] if raw is None else raw, dtype=np.float64)
        if x.shape[0] != b - a:
            raise SignalError(f"raw holds {x.shape[0]} rows; the padded window {a}:{b} has {b - a}")
        if self.interpolate:
            self._interpolate(x, a)
        np.subtract(x, self.mean, out=x)
        env = emg_envelope(x, self.fs, params=self.params)
        return env[start - a:stop - a]

    def _interpolate(self, x: np.ndarray, a: int) -> None:
        """Linear interpolation of the non-finite samples of rows ``a:a+len(x)``, in place, between
        the whole signal's finite neighbours (those of ``apply_policy(..., "interpolate")``)."""
        bad = ~np.isfinite(x)
        cols = np.flatnonzero(bad.any(axis=0))
        before = self._neighbours(cols[bad[0, cols]], a, -1) if cols.size else {}
        after = self._neighbours(cols[bad[-1, cols]], a + x.shape[0], +1) if cols.size else {}
        for c in cols:
            good = np.flatnonzero(~bad[:, c])
            t, v = [a + good], [x[good, c]]
            if c in before:
                t.insert(0, [before[c][0]])
                v.insert(0, [before[c][1]])
            if c in after:
                t.append([after[c][0]])
                v.append([after[c][1]])
            t, v = np.concatenate(t), np.concatenate(v)
            if not t.size:
                raise SignalError(f"channel {c} holds no finite sample; nothing to interpolate from")
            rows = np.flatnonzero(bad[:, c])
            x[rows, c] = np.interp(a + rows, t, v)

    def _neighbours(self, cols: np.ndarray, edge: int, direction: int) -> dict[int, tuple[int, float]]:
        """Nearest finite sample ``(row, value)`` of each channel of ``cols`` beyond ``edge`` (where there is one)."""
        found: dict[int, tuple[int, float]] = {}
        step = _LOOKUP_ROWS
        lo, hi = (edge - step, edge) if direction < 0 else (edge, edge + step)
        while len(found) < cols.size and hi > 0 and lo < self.n:
            lo, hi = max(lo, 0), min(hi, self.n)
            block = np.asarray(self.source[lo:hi], dtype=np.float64)
            for c in cols:
                if c in found:
                    continue
                ok = np.flatnonzero(np.isfinite(block[:, c]))
                if ok.size:
                    k = ok[-1] if direction < 0 else ok[0]
                    found[int(c)] = (lo + int(k), float(block[k, c]))
            step *= 2
            lo, hi = (lo - step, lo) if direction < 0 else (hi, hi + step)
        return found
