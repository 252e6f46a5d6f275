"""Small helpers shared by the hardware drivers (vendor import, counter unwrapping)."""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
from types import ModuleType

from emgforce.errors import DeviceNotAvailableError

log = logging.getLogger(__name__)


def import_vendor(module: str, *, what: str, install: str) -> ModuleType:
    """Import a vendor module, turning any failure into :class:`DeviceNotAvailableError`.

    Vendor packages fail in many ways when their native runtime is absent
    (``ImportError``, ``OSError`` from ``ctypes``, their own error classes), so
    every exception is caught here and reported with what to install.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"nidaqmx"``.
    what : str
        Human name of the runtime, used in the message.
    install : str
        What the user has to install to make the driver usable.
    """
    noise = io.StringIO()
    try:
        # some vendor packages print their own complaints at import time; keep stdout clean
        with contextlib.redirect_stdout(noise):
            return importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - vendor imports raise arbitrary types
        raise DeviceNotAvailableError(
            f"{what} is not usable here ({type(exc).__name__}: {exc}); install {install}"
        ) from exc
    finally:
        if noise.getvalue().strip():
            log.debug("importing %s printed: %s", module, noise.getvalue().strip())


def vendor_available(module: str, *, what: str, install: str) -> tuple[bool, str]:
    """``(True, "ok")`` if :func:`import_vendor` succeeds, else ``(False, reason)``."""
    try:
        import_vendor(module, what=what, install=install)
    except DeviceNotAvailableError as exc:
        return False, str(exc)
    return True, "ok"


class CounterUnwrapper:
    """Turn a wrapping hardware sequence counter into a 64-bit sample index.

    Parameters
    ----------
    bits : int
        Width of the counter; it counts ``0 .. 2**bits - 1`` and wraps to 0.

    Notes
    -----
    A jump forward of ``d`` counts (modulo ``2**bits``) means ``d - 1`` samples
    were lost. Losing ``2**bits`` samples or more in one go cannot be seen from
    the counter alone; drivers document that limit.
    """

    def __init__(self, bits: int) -> None:
        if not 1 <= bits <= 62:
            raise ValueError(f"counter width must be 1..62 bits, got {bits}")
        self.modulus = 1 << bits
        self._last_raw: int | None = None
        self._index = -1

    @property
    def next_index(self) -> int:
        """Index the next in-sequence sample will get."""
        return self._index + 1

    def update(self, raw: int) -> tuple[int, int]:
        """Feed one counter value; return ``(index, missing_before)``.

        A value equal to the previous one is a duplicate frame: it returns the
        previous index and ``missing_before = -1`` so the caller can drop it.
        """
        raw = int(raw) % self.modulus
        if self._last_raw is None:
            self._last_raw = raw
            self._index = 0
            return 0, 0
        step = (raw - self._last_raw) % self.modulus
        if step == 0:
            return self._index, -1
        self._last_raw = raw
        self._index += step
        return self._index, step - 1
