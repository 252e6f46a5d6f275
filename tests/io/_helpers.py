"""Stream descriptions like the lab's, shared by the recording-format tests."""

from __future__ import annotations

import numpy as np

from emgforce.streams import ChannelInfo, StreamInfo


def emg_info(dtype: str = "float32", fs_hz: float = 2000.0, **kw) -> StreamInfo:
    chans = tuple(
        ChannelInfo(f"{m}_{s[0].upper()}", "emg", "V", muscle, s)
        for m, muscle in (("GM", "gluteus_medius"), ("TFL", "tensor_fasciae_latae"))
        for s in ("left", "right")
    )
    return StreamInfo("emg", fs_hz, chans, dtype=dtype, **kw)


def force_info(plate: dict | None = None, fs_hz: float = 1000.0) -> StreamInfo:
    chans = tuple(ChannelInfo(n, "force", "N") for n in ("Fx", "Fy", "Fz")) + tuple(
        ChannelInfo(n, "moment", "N*m") for n in ("Mx", "My", "Mz")
    )
    return StreamInfo("force", fs_hz, chans, plate=plate)


def plate_dict() -> dict:
    rng = np.random.default_rng(7)
    return {
        "name": "plate 1",
        "type": "C3D_TYPE4",
        "corners_m": np.array([[0.2, 0.3, 0.0], [-0.2, 0.3, 0.0], [-0.2, -0.3, 0.0], [0.2, -0.3, 0.0]]),
        "origin_m": np.array([0.0, 0.0, -0.04]),
        "calibration_matrix": rng.standard_normal((6, 6)),
        "gains": [500.0, 500.0, 1000.0, 1000.0, 1000.0, 1000.0],
        "sign_convention": "action",
        "thickness_m": 0.04,
        "used": True,
        "serial": None,
    }


def int_param(c3d, group: str, name: str, values) -> None:
    """An INT parameter in an ezc3d file (its ``add_parameter`` stores numbers as FLOAT)."""
    arr = np.asarray(values, dtype=np.int64)
    import ezc3d  # the c3d extra: only the C3D tests call this

    param = ezc3d.ezc3d.Parameter(name)
    param.set(ezc3d.ezc3d.VecInt([int(v) for v in arr.ravel(order="F")]), list(arr.shape))
    c3d["parameters"].add_parameter(group, param)
