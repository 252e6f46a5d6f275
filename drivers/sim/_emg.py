"""Surface-EMG synthesis: spectrally shaped Gaussian noise, amplitude-modulated.

The carrier is Gaussian noise with the power spectrum of the classic sEMG model
of Shwedyk et al. (1977), ``S(f) ~ f_h^4 f^2 / ((f^2 + f_l^2)(f^2 + f_h^2)^2)``,
seen through the amplifier's band-pass (2nd-order 10 Hz high-pass and 500 Hz
low-pass). Fatigue is a cross-fade towards the same spectrum compressed in
frequency (lower median frequency). The amplifier adds its own noise floor;
mains hum and motion artefacts are optional.
"""

from __future__ import annotations

import numpy as np

#: nominal corner frequencies of the spectral model (Hz); scaled per channel
F_LOW_HZ = 80.0
F_HIGH_HZ = 120.0
#: frequency scale of the fully fatigued spectrum, and the fatigue weight reached at most
FATIGUE_FREQ_SCALE = 0.7
FATIGUE_MAX = 0.6
#: accumulated activation (in s at 100 %MVC) that brings the fatigue weight to 1
FATIGUE_DOSE_S = 15.0
AMP_HIGHPASS_HZ = 10.0
AMP_LOWPASS_HZ = 500.0
NOISE_FLOOR_V = 5e-6
HUM_V = 20e-6
ARTEFACT_V = (0.2e-3, 0.8e-3)


def amplifier_gain2(f: np.ndarray) -> np.ndarray:
    """Squared magnitude of the amplifier band-pass (2nd-order Butterworth each side)."""
    with np.errstate(divide="ignore"):
        hp = 1.0 / (1.0 + (AMP_HIGHPASS_HZ / f) ** 4)
    hp[f == 0] = 0.0
    return hp / (1.0 + (f / AMP_LOWPASS_HZ) ** 4)


def semg_psd(f: np.ndarray, f_low_hz: float, f_high_hz: float) -> np.ndarray:
    """Shape of the sEMG power spectrum (arbitrary scale) at frequencies ``f``."""
    f2 = f * f
    s = f_high_hz**4 * f2 / ((f2 + f_low_hz**2) * (f2 + f_high_hz**2) ** 2)
    return s * amplifier_gain2(f)


def median_frequency_hz(f_low_hz: float, f_high_hz: float, fatigue=0.0) -> np.ndarray:
    """Median frequency of the model carrier spectrum for fatigue weight(s) ``fatigue``.

    The carrier cross-fades two unit-variance spectra, so its PSD is
    ``(1-w) S_fresh/|S_fresh| + w S_tired/|S_tired|``; integrated numerically on a 0.05 Hz grid.
    """
    f = np.arange(0.0, 1500.0, 0.05)
    k = FATIGUE_FREQ_SCALE
    fresh = np.cumsum(semg_psd(f, f_low_hz, f_high_hz))
    tired = np.cumsum(semg_psd(f, k * f_low_hz, k * f_high_hz))
    fresh, tired = fresh / fresh[-1], tired / tired[-1]
    w = np.atleast_1d(np.asarray(fatigue, dtype=float))
    out = np.array([np.interp(0.5, (1 - wi) * fresh + wi * tired, f) for wi in w])
    return out if np.ndim(fatigue) else out[0]


def fft_length(n: int) -> int:
    """Smallest ``2^a 3^b 5^c >= n`` (FFTs of lengths with large prime factors are slow)."""
    best = 2 ** int(np.ceil(np.log2(max(n, 1))))
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35 * 2 ** max(0, int(np.ceil(np.log2(n / p35))))
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def shaped_noise(rng: np.random.Generator, n: int, fs_hz: float, psd) -> np.ndarray:
    """Unit-variance Gaussian noise of length ``n`` whose spectrum has the shape ``psd``.

    ``psd`` is a function of frequency (Hz) or None for white noise. Built in the
    frequency domain (random complex spectrum, one inverse FFT of a fast length,
    truncated to ``n``).
    """
    m = fft_length(n)
    k = m // 2 + 1
    spec = rng.standard_normal(k) + 1j * rng.standard_normal(k)
    if psd is not None:
        spec *= np.sqrt(psd(np.fft.rfftfreq(m, 1.0 / fs_hz)))
    x = np.fft.irfft(spec, m)[:n]
    return x / x.std()


def fatigue_weight(activation_pct: np.ndarray, fs_hz: float, trials_idx) -> np.ndarray:
    """Cross-fade weight towards the fatigued spectrum, per sample and channel.

    Within a trial it grows with the activation accumulated since the trial
    started (capped at :data:`FATIGUE_MAX`); in the pause after it recovers
    linearly to zero.
    """
    n = activation_pct.shape[0]
    w = np.zeros_like(activation_pct)
    for k, (a, b) in enumerate(trials_idx):
        dose = np.cumsum(activation_pct[a:b], axis=0) / (100.0 * fs_hz)
        w[a:b] = np.minimum(dose / FATIGUE_DOSE_S, FATIGUE_MAX)
        end = trials_idx[k + 1][0] if k + 1 < len(trials_idx) else n
        if end > b:
            decay = np.linspace(1.0, 0.0, end - b)[:, None]
            w[b:end] = w[b - 1] * decay
    return w


def synthesize_emg(
    rng_carrier: np.random.Generator,
    rng_noise: np.random.Generator,
    activation_pct: np.ndarray,
    mvc_amplitude_v: np.ndarray,
    corner_scale: np.ndarray,
    fatigue: np.ndarray,
    fs_hz: float,
) -> np.ndarray:
    """EMG in volts: per channel ``amplitude * activation/100 * carrier + noise floor``.

    The carrier mixes the fresh and the fatigued spectrum with weights
    ``sqrt(1-w)`` and ``sqrt(w)`` so its variance stays 1.
    """
    n, n_ch = activation_pct.shape
    emg = np.empty((n, n_ch))
    k = FATIGUE_FREQ_SCALE
    for c in range(n_ch):
        fl, fh = F_LOW_HZ * corner_scale[c], F_HIGH_HZ * corner_scale[c]
        fresh = shaped_noise(rng_carrier, n, fs_hz, lambda f: semg_psd(f, fl, fh))
        tired = shaped_noise(rng_carrier, n, fs_hz, lambda f: semg_psd(f, k * fl, k * fh))
        w = fatigue[:, c]
        carrier = np.sqrt(1.0 - w) * fresh + np.sqrt(w) * tired
        emg[:, c] = mvc_amplitude_v[c] * activation_pct[:, c] / 100.0 * carrier
        emg[:, c] += NOISE_FLOOR_V * shaped_noise(rng_noise, n, fs_hz, amplifier_gain2)
    return emg


def add_hum(emg: np.ndarray, fs_hz: float, mains_hz: float, rng: np.random.Generator) -> None:
    """Add mains interference (fundamental plus a weaker 3rd harmonic), common to all channels."""
    t = np.arange(emg.shape[0]) / fs_hz
    phase = rng.uniform(0, 2 * np.pi, 2)
    hum = HUM_V * np.sin(2 * np.pi * mains_hz * t + phase[0])
    if 3 * mains_hz < fs_hz / 2:
        hum += 0.25 * HUM_V * np.sin(2 * np.pi * 3 * mains_hz * t + phase[1])
    gain = rng.uniform(0.6, 1.4, emg.shape[1])  # electrode impedances differ
    emg += hum[:, None] * gain[None, :]


def add_motion_artefacts(emg: np.ndarray, fs_hz: float, onsets_s, rng: np.random.Generator) -> None:
    """Add low-frequency transients (cable/skin movement) at movement onsets."""
    tau = np.arange(int(0.5 * fs_hz)) / fs_hz
    for t0 in onsets_s:
        i0 = int(round(t0 * fs_hz))
        if i0 >= emg.shape[0]:
            continue
        freq = rng.uniform(2.0, 8.0)
        shape = np.sin(2 * np.pi * freq * tau) * np.exp(-tau / 0.1)
        amp = rng.uniform(*ARTEFACT_V, emg.shape[1]) * rng.choice([-1.0, 1.0], emg.shape[1])
        m = min(len(tau), emg.shape[0] - i0)
        emg[i0 : i0 + m] += shape[:m, None] * amp[None, :]
