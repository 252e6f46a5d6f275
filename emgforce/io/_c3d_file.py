"""A C3D file to write, handed to ezc3d's C++ objects in one pass.

ezc3d's Python ``c3d.write`` copies every parameter of its dict into a new C++
file object and adds point and analog labels one call at a time; building the
C++ object directly (labels in one call each, each parameter set once) writes
the same file in less time. ezc3d still does the binary encoding and the
bookkeeping (``POINT:USED``, ``FRAMES``, ``DATA_START``, ``ANALOG:USED`` ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


class C3DFile:
    """Parameters and data of a C3D file; :meth:`write` writes it with ezc3d.

    Numbers given to :meth:`add_parameter` are stored as FLOAT (as ezc3d's
    ``add_parameter`` does), those given to :meth:`int_param` as INT, strings
    as CHAR; arrays keep their shape (C3D's Fortran order).
    """

    def __init__(self) -> None:
        self._params: dict[tuple[str, str], tuple[str, list[Any], list[int]]] = {}
        self.first_frame = 0
        self.point_labels: list[str] = []
        self.analog_labels: list[str] = []
        self.points = np.zeros((4, 0, 0))
        self.residuals: np.ndarray | None = None
        self.analogs = np.zeros((1, 0, 0))

    def add_parameter(self, group: str, name: str, values: Any) -> None:
        """A CHAR parameter (strings) or a FLOAT one (numbers)."""
        if isinstance(values, (list, tuple)) and any(isinstance(v, str) for v in values):
            self._params[(group, name)] = ("str", [str(v) for v in values], [len(values)])
            return
        arr = np.asarray(values, dtype=np.float64)
        self._params[(group, name)] = ("float", arr.ravel(order="F").tolist(), list(arr.shape) or [1])

    def int_param(self, group: str, name: str, values: Any) -> None:
        """An INT parameter (counts, channel numbers, flags) that readers refuse as FLOAT."""
        arr = np.asarray(values, dtype=np.int64)
        self._params[(group, name)] = ("int", [int(v) for v in arr.ravel(order="F")], list(arr.shape) or [1])

    def write(self, path: str | Path, ezc3d_module: Any) -> None:
        """Write the file (``ezc3d_module`` is the imported ``ezc3d``)."""
        e = ezc3d_module.ezc3d
        c3d = e.c3d()
        c3d.header().firstFrame(int(self.first_frame))
        if self.point_labels:
            c3d.point(e.VecString(list(self.point_labels)))
        if self.analog_labels:
            c3d.analog(e.VecString(list(self.analog_labels)))
        vectors = {"str": e.VecString, "float": e.VecDouble, "int": e.VecInt}
        for (group, name), (kind, flat, dims) in self._params.items():
            param = e.Parameter(name)
            param.set(vectors[kind](flat), dims)
            c3d.parameter(group, param)
        n_points, n_frames = self.points.shape[1], self.points.shape[2]
        residuals = np.zeros((1, n_points, n_frames)) if self.residuals is None else self.residuals
        masks = np.zeros((7, n_points, n_frames), dtype=bool)
        c3d.import_numpy_data(np.ascontiguousarray(self.points, dtype=np.float64),
                              np.ascontiguousarray(residuals, dtype=np.float64), masks,
                              np.ascontiguousarray(self.analogs, dtype=np.float64), None)
        c3d.write(str(path), e.WriteOptions(True, False))
