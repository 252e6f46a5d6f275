"""Modules the signal core imports on first use: numba (its kernels) and scipy's heavy subpackages.

``import emgforce.signal`` then costs little more than numpy: a command that never
filters does not pay for numba and scipy.signal (about 1 s on the project machine).
"""

from __future__ import annotations

import importlib


class LazyModule:
    """Stands for a module; imports it at the first attribute read.

    Each attribute read is then stored on the instance, so later reads are plain
    instance-attribute lookups (no per-call overhead in the streaming path).
    """

    def __init__(self, name: str) -> None:
        self.__dict__["_LazyModule__name"] = name

    def __getattr__(self, attr: str):  # only called for attributes not stored yet
        value = getattr(importlib.import_module(self.__name), attr)
        setattr(self, attr, value)
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self.__name!r}>"


kernels = LazyModule("emgforce.signal._kernels")
scipy_signal = LazyModule("scipy.signal")
scipy_optimize = LazyModule("scipy.optimize")
scipy_stats = LazyModule("scipy.stats")
