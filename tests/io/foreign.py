"""C3D files written the way other lab software writes them, from the simulator's signals (ground truth).

:func:`foreign_c3d` writes a simulated session with :func:`emgforce.io.c3d.write_c3d`, then
rewrites it with ezc3d as Vicon Nexus / Noraxon MR3 / Delsys EMGworks users would have it:
their channel labels, their trial events (contexts, start/stop spellings, free task names),
no emgforce parameter group, an empty ``POINT:UNITS`` with plate corners in mm, no body mass.
"""

from __future__ import annotations

from pathlib import Path

from emgforce.io import Event, Recording
from emgforce.io.c3d import write_c3d

#: emgforce channel name -> label in the style of each program
LABEL_STYLES = {
    "vicon": {"GM_L": "Voltage.L_GMED", "GM_R": "Voltage.R_GMED", "TFL_L": "Voltage.LTFL", "TFL_R": "Voltage.RTFL",
              "GMAX_L": "Voltage.L_GMAX", "GMAX_R": "Voltage.R_GMAX"},
    "noraxon": {"GM_L": "LT GLUT. MED.", "GM_R": "RT GLUT. MED.", "TFL_L": "LT TFL", "TFL_R": "RT TFL",
                "GMAX_L": "LT GLUT. MAX.", "GMAX_R": "RT GLUT. MAX."},
    "delsys": {"GM_L": "L GMED: EMG 1", "GM_R": "R GMED: EMG 2", "TFL_L": "L TFL: EMG 3", "TFL_R": "R TFL: EMG 4",
               "GMAX_L": "L GMAX: EMG 5", "GMAX_R": "R GMAX: EMG 6"},
    "cometa": {"GM_L": "Gluteus Medius Left", "GM_R": "Gluteus Medius Right", "TFL_L": "Tensor Fasciae Latae Left",
               "TFL_R": "Tensor Fasciae Latae Right", "GMAX_L": "Gluteus Maximus Left", "GMAX_R": "Gluteus Maximus Right"},
}

#: trial label -> (context, start label, stop label); stop None: the same label again closes the trial
EVENT_STYLES = {
    "mvc_left": ("General", "MVC L GMed", None),
    "mvc_right": ("General", "MVIC right start", "MVIC right end"),
    "rest": ("General", "Rest on", "Rest off"),
    "stance_double": ("General", "Quiet stance start", "Quiet stance stop"),
    "stance_left": ("Left", "SLS start", "SLS end"),
    "stance_right": ("General", "Trendelenburg R begin", "Trendelenburg R end"),
    "squat_left": ("General", "Squat L start", "Squat L stop"),
    "squat_right": ("General", "single leg squat right", None),
    "bridge": ("General", "Bridge", None),
    "single_leg_bridge_left": ("Left", "Bridge start", "Bridge end"),
    "single_leg_bridge_right": ("General", "SL bridge R", None),
}


def foreign_c3d(rec: Recording, path: Path, labels: str = "vicon", point_units: str = "", body_mass: bool = False,
                events: bool = True) -> Path:
    """Write ``rec`` (emgforce names and trial events) as a C3D of another program's conventions."""
    import ezc3d

    evs = []
    if events:
        for t in rec.trials():
            context, start, stop = EVENT_STYLES[t.label]
            prefix = "" if context == "General" else context + " "
            evs += [Event(prefix + start, "mark", t.start_s), Event(prefix + (stop or start), "mark", t.stop_s)]
    plain = Recording(rec.streams, rec.subject, evs, device="other software")
    tmp = path.with_name(path.stem + "-emgforce.c3d")
    write_c3d(plain, tmp, overwrite=True)
    c3d = ezc3d.c3d(str(tmp))
    params = c3d["parameters"]
    del params["EMGFORCE"]
    if not body_mass and "PROCESSING" in params:
        del params["PROCESSING"]
    params["POINT"]["UNITS"]["value"] = [point_units] if point_units else []
    style = LABEL_STYLES[labels]
    params["ANALOG"]["LABELS"]["value"] = [style.get(x, x) for x in params["ANALOG"]["LABELS"]["value"]]
    params["ANALOG"]["DESCRIPTIONS"]["value"] = [""] * len(params["ANALOG"]["LABELS"]["value"])
    c3d.write(str(path))
    tmp.unlink()
    return path
