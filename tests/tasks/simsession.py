"""Helpers shared by the task, report and CLI tests: simulated sessions as Recordings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emgforce.drivers.sim import Protocol, simulate
from emgforce.io import Event, Recording, StreamData, Subject, write_recording


def to_recording(sess, *, events: str = "markers", affected_side: str | None = "same", streams=("emg", "force"),
                 body_mass: bool = True, drop_labels: tuple[str, ...] = ()) -> Recording:
    """A Recording of a simulated session.

    ``events``: ``"markers"`` trial start/stop only (what an operator marks),
    ``"truth"`` also the rep/hold/lift/touchdown events of the ground truth.
    ``affected_side="same"`` records the simulator's weak side as affected.
    """
    src = sess.markers if events == "markers" else sess.truth.events
    evs = [Event(m.label, m.kind, m.time_s) for m in src if m.label not in drop_labels]
    data = {}
    if "emg" in streams:
        i = sess.emg_info
        data["emg"] = StreamData("emg", i.fs_hz, i.channels, sess.emg)
    if "force" in streams:
        i = sess.force_info
        data["force"] = StreamData("force", i.fs_hz, i.channels, sess.force, plate=i.plate)
    side = sess.truth.weak_side if affected_side == "same" else affected_side
    subject = Subject("sim", body_mass_kg=sess.truth.body_mass_kg if body_mass else None, affected_side=side)
    return Recording(data, subject, evs, device="sim", metadata={"session": f"sim-seed{sess.seed}"})


def short_session(seed: int = 3, weak_side: str | None = "left"):
    return simulate(Protocol.short(), seed=seed, weak_side=weak_side)


def write_session(sess, path: Path, **kw) -> Path:
    return write_recording(to_recording(sess, **kw), path)


def truth_mean(truth, channel: str, start_s: float, stop_s: float) -> float:
    """True mean %MVC of a channel over a window, from the simulator's activation."""
    j = truth.channel_names.index(channel)
    fs = truth.emg_fs_hz
    return float(np.mean(truth.activation_pct_mvc[int(np.ceil(start_s * fs)) : int(np.ceil(stop_s * fs)), j]))
