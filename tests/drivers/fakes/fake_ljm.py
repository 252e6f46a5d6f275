"""A fake of ``labjack.ljm`` (labjack-ljm 1.2x API) with a virtual T7 streaming on the host clock.

Same function names, argument order and return tuples as LJM's Python
wrapper: ``openS(deviceType, connectionType, identifier) -> handle``,
``getHandleInfo(handle) -> (deviceType, connectionType, serialNumber,
ipAddress, port, maxBytesPerMB)``, ``namesToAddresses(numFrames, aNames) ->
(aAddresses, aDataTypes)``, ``eWriteNames(handle, numFrames, aNames, aValues)``,
``eStreamStart(handle, scansPerRead, numAddresses, aScanList, scanRate) ->
scanRate``, ``eStreamRead(handle) -> (aData, deviceScanBacklog,
ljmScanBacklog)`` (blocks until scansPerRead scans exist), ``eStreamStop``,
``close``, ``errorToString`` (``"LJME_<name>"`` as the library answers). The
pure-Python parts are LJM's own (installed here): ``LJMError``,
``labjack.ljm.constants`` (``DUMMY_VALUE``) and ``labjack.ljm.errorcodes``.

Scan ``k`` of input ``c`` reads ``k * 16 + c`` volts. Scans listed in
``skip`` come back as ``-9999.0`` in every channel, as LJM's auto-recovery
reports scans the device had to skip.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
import types

with contextlib.redirect_stdout(io.StringIO()):  # labjack.ljm prints when libLabJackM is missing
    from labjack.ljm import constants, errorcodes
    from labjack.ljm.ljm import LJMError

DUMMY_VALUE = constants.DUMMY_VALUE
_ERROR_NAMES = {code: f"LJME_{name}" for name, code in vars(errorcodes).items() if isinstance(code, int)}
_ERROR_NAMES[errorcodes.NOERROR] = "LJ_SUCCESS"


def errorToString(errorCode):
    return _ERROR_NAMES.get(errorCode, f"Unknown error code {errorCode}")


def _error(code):
    """What ``labjack.ljm`` raises for an error code returned by the library."""
    return LJMError(code, errorString=errorToString(code))


class _Board:
    def __init__(self):
        self.present = True
        self.skip: set[int] = set()
        self.disconnect_after_reads: int | None = None
        self.writes: dict[str, float] = {}
        self.streaming = False
        self.reads = 0
        self.closed = False


BOARD = _Board()
_HANDLE = 7


def openS(deviceType="ANY", connectionType="ANY", identifier="ANY"):
    if not BOARD.present:
        raise _error(errorcodes.DEVICE_NOT_FOUND)
    return _HANDLE


def getHandleInfo(handle):
    return (7, 1, 470012345, 0, 0, 64)


def namesToAddresses(numFrames, aNames, aAddresses=None, aDataTypes=None):
    addresses = [int(n[3:]) * 2 for n in aNames[:numFrames]]  # AIN#: address 2 * #, FLOAT32 (3)
    return addresses, [3] * numFrames


def eWriteNames(handle, numFrames, aNames, aValues):
    for name, value in zip(aNames[:numFrames], aValues[:numFrames]):
        BOARD.writes[name] = value


def eStreamStart(handle, scansPerRead, numAddresses, aScanList, scanRate):
    BOARD.spr, BOARD.n, BOARD.rate = scansPerRead, numAddresses, float(scanRate)
    BOARD.t0 = time.monotonic()
    BOARD.next_scan = 0
    BOARD.streaming = True
    return float(scanRate)


def eStreamRead(handle):
    if not BOARD.streaming:
        raise _error(errorcodes.STREAM_NOT_RUNNING)
    BOARD.reads += 1
    if BOARD.disconnect_after_reads is not None and BOARD.reads > BOARD.disconnect_after_reads:
        raise _error(errorcodes.DEVICE_DISCONNECTED)
    end = BOARD.next_scan + BOARD.spr
    while (time.monotonic() - BOARD.t0) * BOARD.rate < end:
        time.sleep(0.001)
    data = []
    for k in range(BOARD.next_scan, end):
        data.extend([float(DUMMY_VALUE)] * BOARD.n if k in BOARD.skip else [k * 16.0 + c for c in range(BOARD.n)])
    BOARD.next_scan = end
    backlog = int((time.monotonic() - BOARD.t0) * BOARD.rate) - end
    return data, 0, max(0, backlog)


def eStreamStop(handle):
    if not BOARD.streaming:
        raise _error(errorcodes.STREAM_NOT_RUNNING)
    BOARD.streaming = False


def close(handle):
    BOARD.closed = True


def install(monkeypatch) -> _Board:
    global BOARD
    BOARD = _Board()
    pkg = types.ModuleType("labjack")
    mod = types.ModuleType("labjack.ljm")
    for name in ("LJMError", "errorToString", "openS", "getHandleInfo", "namesToAddresses", "eWriteNames",
                 "eStreamStart", "eStreamRead", "eStreamStop", "close"):
        setattr(mod, name, globals()[name])
    mod.constants, mod.errorcodes = constants, errorcodes
    pkg.ljm = mod
    for name, m in (("labjack", pkg), ("labjack.ljm", mod), ("labjack.ljm.constants", constants),
                    ("labjack.ljm.errorcodes", errorcodes)):
        monkeypatch.setitem(sys.modules, name, m)
    return BOARD
