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

Scan ``k`` (counted from the first ``eStreamStart``, on across restarts) of
input ``c`` reads ``k * 16 + c`` volts. Scans listed in
``skip`` come back as ``-9999.0`` in every channel, as LJM's auto-recovery
reports scans the device had to skip.

``writeLibraryConfigS(LJM_STREAM_SCANS_RETURN, ...)``: with
``STREAM_SCANS_RETURN_ALL_OR_NONE`` an ``eStreamRead`` without a whole block
raises ``LJME_NO_SCANS_RETURNED`` (1309) at once instead of waiting. When more
than ``ljm_buffer_scans`` scans wait unread, LJM's buffer is full: the stream
stops delivering and ``eStreamRead`` raises ``LJME_LJM_BUFFER_FULL`` (1301)
until ``eStreamStop``; ``eStreamStart`` on a running stream raises
``LJME_COULD_NOT_START_STREAM``. Time is ``BOARD.clock`` (the host clock or a
virtual one).
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
        self.clock = time  # the host clock, or a tests.drivers.fakes.clock.VirtualClock
        self.skip: set[int] = set()
        self.disconnect_after_reads: int | None = None
        self.writes: dict[str, float] = {}
        self.streaming = False
        self.reads = 0
        self.closed = False
        self.config = {constants.STREAM_SCANS_RETURN: constants.STREAM_SCANS_RETURN_ALL}
        self.ljm_buffer_scans = 1_000_000
        self.buffer_full = False
        self.starts = 0


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


def writeLibraryConfigS(parameter, value):
    BOARD.config[parameter] = value


def eStreamStart(handle, scansPerRead, numAddresses, aScanList, scanRate):
    if BOARD.streaming:
        raise _error(errorcodes.COULD_NOT_START_STREAM)
    BOARD.starts += 1
    BOARD.buffer_full = False
    BOARD.spr, BOARD.n, BOARD.rate = scansPerRead, numAddresses, float(scanRate)
    BOARD.t0 = BOARD.clock.monotonic()
    if getattr(BOARD, "t_first", None) is None:
        BOARD.t_first = BOARD.t0
    # scan numbers in the values count from the first start (the board's clock runs on across restarts)
    BOARD.k0 = int(round((BOARD.t0 - BOARD.t_first) * float(scanRate)))
    BOARD.next_scan = 0
    BOARD.streaming = True
    return float(scanRate)


def eStreamRead(handle):
    if not BOARD.streaming:
        raise _error(errorcodes.STREAM_NOT_RUNNING)
    if BOARD.disconnect_after_reads is not None and BOARD.reads >= BOARD.disconnect_after_reads:
        raise _error(errorcodes.DEVICE_DISCONNECTED)
    produced = int((BOARD.clock.monotonic() - BOARD.t0) * BOARD.rate)
    if BOARD.buffer_full or produced - BOARD.next_scan > BOARD.ljm_buffer_scans:
        BOARD.buffer_full = True  # the stream has stopped; eStreamStop, then eStreamStart again
        raise _error(errorcodes.LJM_BUFFER_FULL)
    end = BOARD.next_scan + BOARD.spr
    if produced < end and BOARD.config[constants.STREAM_SCANS_RETURN] == constants.STREAM_SCANS_RETURN_ALL_OR_NONE:
        raise _error(errorcodes.NO_SCANS_RETURNED)
    while (BOARD.clock.monotonic() - BOARD.t0) * BOARD.rate < end:
        BOARD.clock.sleep(0.001)
    data = []
    for k in range(BOARD.next_scan, end):
        v = BOARD.k0 + k
        data.extend([float(DUMMY_VALUE)] * BOARD.n if k in BOARD.skip else [v * 16.0 + c for c in range(BOARD.n)])
    BOARD.next_scan = end
    BOARD.reads += 1  # reads that returned data
    backlog = int((BOARD.clock.monotonic() - BOARD.t0) * BOARD.rate) - end
    return data, 0, max(0, backlog)


def eStreamStop(handle):
    if not BOARD.streaming:
        raise _error(errorcodes.STREAM_NOT_RUNNING)
    BOARD.streaming = False


def close(handle):
    BOARD.closed = True


def install(monkeypatch, clock=None) -> _Board:
    global BOARD
    BOARD = _Board()
    if clock is not None:
        BOARD.clock = clock
    pkg = types.ModuleType("labjack")
    mod = types.ModuleType("labjack.ljm")
    for name in ("LJMError", "errorToString", "openS", "getHandleInfo", "namesToAddresses", "eWriteNames",
                 "writeLibraryConfigS", "eStreamStart", "eStreamRead", "eStreamStop", "close"):
        setattr(mod, name, globals()[name])
    mod.constants, mod.errorcodes = constants, errorcodes
    pkg.ljm = mod
    for name, m in (("labjack", pkg), ("labjack.ljm", mod), ("labjack.ljm.constants", constants),
                    ("labjack.ljm.errorcodes", errorcodes)):
        monkeypatch.setitem(sys.modules, name, m)
    return BOARD
