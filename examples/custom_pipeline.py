"""Build your own analysis from the core functions, step by step, on one session.

Instead of the packaged task analysis, this script chains the building blocks
of :mod:`emgforce.signal` and :mod:`emgforce.forceplate` by hand, with every
parameter in view, for the left and right single-leg stance trials:

1. band-pass 20-450 Hz (zero-phase Butterworth), optional mains notch;
2. linear envelope (full-wave rectification, 6 Hz low-pass);
3. MVC reference: largest 1 s mean of the same envelope over the MVC trials;
4. %MVC of gluteus medius during single-leg stance;
5. leg lift from the plate load, then GM onset (Hodges & Bui, baseline before the lift);
6. median-frequency slope over the stance (spectral fatigue);
7. centre of pressure (20 N threshold) and the classic sway descriptors.

Run::

    python examples/custom_pipeline.py session.h5
    python examples/custom_pipeline.py session.h5 --notch-hz 50 --lowpass-hz 3
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from emgforce import constants as C
from emgforce.forceplate import Plate, center_of_pressure, detect_leg_lift, sway_descriptors
from emgforce.io import read_recording
from emgforce.signal import (
    butter_sos,
    detect_onsets,
    filter_zero_phase,
    linear_envelope,
    mvc_reference,
    notch_sos,
    percent_mvc,
    spectral_fatigue,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("session", type=Path, help="emgforce .h5 recording with MVC and single-leg stance trials")
    parser.add_argument("--notch-hz", type=float, default=None, help="mains frequency to notch out (50 or 60)")
    parser.add_argument("--lowpass-hz", type=float, default=C.ENVELOPE_LOWPASS_HZ, help="envelope low-pass (Hz)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    rec = read_recording(args.session)
    emg, fs = rec.emg, rec.emg.fs_hz
    gm = emg.select(muscle="gluteus_medius")  # columns of GM_L / GM_R
    names = [emg.channels[i].name for i in gm]
    sides = [emg.channels[i].side for i in gm]

    # 1-2: conditioning and envelope of the whole session (zero-phase: no delay)
    x = emg.data[:, gm]
    x = filter_zero_phase(x - x.mean(axis=0), butter_sos(C.BANDPASS_ORDER // 2, C.BANDPASS_HZ, fs, "band"))
    if args.notch_hz:
        x = filter_zero_phase(x, notch_sos(args.notch_hz, fs))
    env = linear_envelope(x, fs, cutoff_hz=args.lowpass_hz)

    # 3: MVC reference per channel from the MVC trials of that channel's side
    ref = np.full(len(gm), np.nan)
    for j, side in enumerate(sides):
        trials = [env[emg.sample_slice(t.start_s, t.stop_s), j] for t in rec.trials(task="mvc", side=side)]
        if trials:
            ref[j] = float(mvc_reference(trials, fs, window_s=C.MVC_WINDOW_S))
    print("MVC reference (V): " + ", ".join(f"{n} {r:.3g}" for n, r in zip(names, ref)))

    plate = Plate.from_dict(rec.force.plate)
    ffs = rec.force.fs_hz
    for trial in rec.trials(task="stance"):
        j = sides.index(trial.side)  # the stance leg's GM
        sl = emg.sample_slice(trial.start_s, trial.stop_s)
        cop = center_of_pressure(rec.segment("force", trial), plate, fz_threshold_n=C.COP_FZ_THRESHOLD_N)

        # 5: leg lift from the load on the stance plate, GM onset relative to it
        lift = detect_leg_lift(cop.fz_n, ffs)
        lift_s = trial.start_s + lift.time_s
        onset = None
        if lift.time_s > 0.6:
            raw = emg.data[sl, gm[j]]
            bursts = detect_onsets(raw, fs, baseline=(0.0, lift.time_s - 0.1))
            after = [b.onset_s for b in bursts if b.onset_s >= lift.time_s - 0.5]
            onset = after[0] - lift.time_s if after else None

        # 4 and 6: activation and fatigue over single-leg stance only (after the lift)
        stance = slice(sl.start + int(round(lift.time_s * fs)), sl.stop)
        mvc_pct = percent_mvc(env[stance, j], ref[j])
        fatigue = spectral_fatigue(x[stance, j], fs, epoch_s=C.FATIGUE_EPOCH_S)

        # 7: sway of the loaded part of single-leg stance
        rows = slice(int(round(lift.time_s * ffs)), None)
        valid = cop.valid[rows]
        sway = sway_descriptors(cop.cop_m[rows][valid], ffs, lowpass_hz=C.COP_LOWPASS_HZ)

        print(f"\n{trial.label} ({names[j]}), lift at {lift_s:.2f} s, {valid.mean():.0%} of stance with a defined COP")
        print(f"  GM mean {np.mean(mvc_pct):5.1f} %MVC, peak {np.max(mvc_pct):5.1f} %MVC")
        print("  GM onset " + (f"{1000 * onset:+.0f} ms from the lift" if onset is not None else "not found"))
        print(f"  median frequency {fatigue.mdf_initial_hz[0]:.0f} Hz at the start, slope {fatigue.mdf_slope_pct_s[0]:+.2f} %/s")
        print(f"  sway: mean velocity {100 * sway['mean_velocity_m_s']:.2f} cm/s, "
              f"ML range {100 * sway['range_ml_m']:.2f} cm, "
              f"95 % prediction ellipse {1e4 * sway['area_prediction_ellipse95_m2']:.2f} cm^2")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
