"""Force-plate synthesis: one 6-component plate (AMTI-like, 0.6 m ML x 0.4 m AP).

Convention (the plate dict follows :class:`emgforce.forceplate.Plate`): the six
channels are in the plate's own frame, z down as on AMTI plates: plate x = lab
x (medio-lateral, subject's right), plate y = lab -y (backwards), plate z = lab
-z. Forces are those the subject applies to the plate (``sign_convention =
"action"``), so ``Fz > 0`` under load. Moments are about the sensor origin
``h = 0.04 m`` below the centre of the top surface (``origin_m = [0, 0, +h]``:
the origin seen from the surface centre in the z-down plate frame, i.e. minus
C3D's ORIGIN). With the COP ``(x, y)`` in plate axes:

    COPx = (-h*Fx - My) / Fz,   COPy = (-h*Fy + Mx) / Fz,   Mz = Tz + COPx*Fy - COPy*Fx,

and the lab COP is ``(COPx, -COPy)`` (the plate centre is the lab origin).

COP sway is 1/f-like noise below ~1.5 Hz (a filtered random walk with a 0.2 Hz
corner), scaled to the task's RMS; horizontal forces follow from the inverted
pendulum model (COM = COP low-passed at sqrt(g/L)); squats add the vertical
inertial force of the centre of mass.
"""

from __future__ import annotations

import numpy as np

from emgforce.constants import COP_FZ_THRESHOLD_N

from emgforce.streams import ChannelInfo
from emgforce.drivers.sim._emg import fft_length, shaped_noise
from emgforce.drivers.sim._script import SQUAT_DEPTH_M, SquatRep

G_M_S2 = 9.80665
PLATE_SIZE_M = (0.6, 0.4)  # ML x AP
PLATE_ORIGIN_DEPTH_M = 0.04
COM_HEIGHT_M = 1.0  # inverted-pendulum length for the horizontal forces
SWAY_CORNER_HZ = 0.2
SWAY_CUTOFF_HZ = 1.5
FREE_MOMENT_NM = 0.3  # RMS of the free moment at full load
#: white measurement noise: Fx, Fy, Fz in N; Mx, My, Mz in N*m
NOISE_RMS = np.array([0.4, 0.4, 1.0, 0.1, 0.1, 0.05])
SQUAT_COP_SHIFT_M = (0.008, 0.02)  # at full depth: medial (knee valgus), forward

FORCE_CHANNELS = (
    ChannelInfo("Fx", kind="force", unit="N"),
    ChannelInfo("Fy", kind="force", unit="N"),
    ChannelInfo("Fz", kind="force", unit="N"),
    ChannelInfo("Mx", kind="moment", unit="N*m"),
    ChannelInfo("My", kind="moment", unit="N*m"),
    ChannelInfo("Mz", kind="moment", unit="N*m"),
)


def plate_description() -> dict:
    """The plate dict stored with the force stream (keys of ``emgforce.forceplate.Plate.to_dict``)."""
    hx, hy = PLATE_SIZE_M[0] / 2, PLATE_SIZE_M[1] / 2
    return {
        "type": "AMTI6",
        "name": "simulated AMTI-like plate",
        # top-surface corners in the lab frame, C3D order in plate axes: (+x+y, -x+y, -x-y, +x-y);
        # plate +y is lab backwards
        "corners_m": [[hx, -hy, 0.0], [-hx, -hy, 0.0], [-hx, hy, 0.0], [hx, hy, 0.0]],
        "origin_m": [0.0, 0.0, PLATE_ORIGIN_DEPTH_M],
        "calibration_matrix": np.eye(6).tolist(),
        "gains": [1.0] * 6,
        "sign_convention": "action",
    }


def sway_psd(f: np.ndarray) -> np.ndarray:
    """1/f^2 above the 0.2 Hz corner, flat below (down to ~0.02 Hz), gone above ~1.5 Hz."""
    with np.errstate(divide="ignore"):
        drift_cut = 1.0 / (1.0 + (0.02 / f) ** 2)
    drift_cut[f == 0] = 0.0
    return drift_cut / (1.0 + (f / SWAY_CORNER_HZ) ** 2) / (1.0 + (f / SWAY_CUTOFF_HZ) ** 8)


def _squat_kinematics(squats: list[SquatRep], n: int, fs_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Depth fraction b in [0, 1], vertical COM acceleration (m/s^2) and medial direction per sample.

    The COM goes down and up as ``z = -D sin^4(pi tau / T)``: position, velocity
    and acceleration are continuous at the start and end of each repetition.
    """
    b = np.zeros(n)
    acc = np.zeros(n)
    medial = np.zeros(n)
    for rep in squats:
        i0 = int(np.ceil(rep.start_s * fs_hz))
        i1 = min(n, int(np.floor((rep.start_s + rep.duration_s) * fs_hz)) + 1)
        tau = np.arange(i0, i1) / fs_hz - rep.start_s
        u = np.pi * tau / rep.duration_s
        s, c = np.sin(u), np.cos(u)
        b[i0:i1] = s**4
        acc[i0:i1] = -SQUAT_DEPTH_M * (np.pi / rep.duration_s) ** 2 * (12 * s**2 * c**2 - 4 * s**4)
        medial[i0:i1] = 1.0 if rep.side == "left" else -1.0  # medial of the left foot is +x
    return b, acc, medial


def synthesize_plate(
    rng: np.random.Generator,
    plate_state: np.ndarray,
    squats: list[SquatRep],
    sway_windows_idx,
    body_mass_kg: float,
    fs_hz: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forces and moments (n, 6, plate frame), the true lab COP (n, 2) and the true vertical load (n,).

    ``plate_state`` columns: load (fraction of body weight), mean COP x, y, sway RMS ML, AP;
    ``sway_windows_idx``: sorted, disjoint ``(start, stop)`` sample ranges of steady sway.
    The true COP is NaN where the true load is below the COP threshold.
    """
    n = plate_state.shape[0]
    load, cx, cy, sway_ml, sway_ap = plate_state.T
    sway = np.column_stack([shaped_noise(rng, n, fs_hz, sway_psd) for _ in range(2)])
    # make the realised sway RMS of each trial's steady part exactly its target: scale by 1/std
    # within every window, interpolated in between so the COP stays continuous
    knots_t, knots_v = [], []
    for a, b in sway_windows_idx:
        knots_t += [a, b - 1]
        knots_v += [1.0 / sway[a:b].std(axis=0)] * 2
    idx = np.arange(n)
    for j in range(2):
        sway[:, j] *= np.interp(idx, knots_t, [v[j] for v in knots_v])
    sway[:, 0] *= sway_ml
    sway[:, 1] *= sway_ap

    depth, acc, medial = _squat_kinematics(squats, n, fs_hz)
    cop = np.column_stack([cx + sway[:, 0], cy + sway[:, 1]])
    cop[:, 0] += SQUAT_COP_SHIFT_M[0] * depth * medial
    cop[:, 1] += SQUAT_COP_SHIFT_M[1] * depth

    weight = body_mass_kg * G_M_S2
    load_n = load * weight + body_mass_kg * acc * (load > 0.5)
    # inverted pendulum: COM = COP low-passed at sqrt(g/L); horizontal GRF = m g/L (COM - COP)
    omega2 = G_M_S2 / COM_HEIGHT_M
    m = fft_length(2 * n)  # zero-padded: no wrap-around between the session's ends
    f = np.fft.rfftfreq(m, 1.0 / fs_hz)
    spec = np.fft.rfft(sway, m, axis=0)
    com = np.fft.irfft(spec / (1.0 + (2 * np.pi * f[:, None]) ** 2 / omega2), m, axis=0)[:n]
    shear = -load[:, None] * body_mass_kg * omega2 * (com - sway)  # on the plate (= -GRF), lab axes
    tz = FREE_MOMENT_NM * load * shaped_noise(rng, n, fs_hz, sway_psd)

    # to the z-down plate frame: y and z flip; the action force pushes down (+z)
    h = PLATE_ORIGIN_DEPTH_M
    px, py = cop[:, 0], -cop[:, 1]
    fx, fy, fz = shear[:, 0], -shear[:, 1], load_n
    out = np.empty((n, 6))
    out[:, 0], out[:, 1], out[:, 2] = fx, fy, fz
    out[:, 3] = py * fz + h * fy  # M = r x F, r = (px, py, -h): the surface is above the origin
    out[:, 4] = -h * fx - px * fz
    out[:, 5] = tz + px * fy - py * fx
    out += rng.standard_normal((n, 6)) * NOISE_RMS

    true_cop = cop.copy()
    true_cop[load_n < COP_FZ_THRESHOLD_N] = np.nan
    return out, true_cop, load_n
