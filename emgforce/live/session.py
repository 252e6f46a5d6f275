"""A live session: one device feeding the pipeline, optionally recorded at the same time.

Without a recording, a reader thread calls :meth:`Device.read` and feeds the
pipeline, then polls :meth:`Device.read_markers`. With one,
:class:`emgforce.record.Recorder` owns the device and tees every block
(``on_block``) and every device marker (``on_marker``) to the session. Either
way device markers reach :meth:`TrialController.device_marker` in the thread
that feeds the pipeline, after their data. Trial markers of the user (keys)
go to the file through :meth:`Recorder.add_marker`; device markers are written
by the recorder itself, once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from emgforce.streams import DeviceInfo, Marker
from emgforce.drivers.base import Device
from emgforce.errors import DeviceDisconnectedError, EmgforceError
from emgforce.live.pipeline import LivePipeline
from emgforce.live.trials import TrialController

log = logging.getLogger(__name__)

__all__ = ["LiveSession", "describe_device"]


def describe_device(device: Device) -> DeviceInfo:
    """The device's description, opening it briefly when it can only describe itself once open."""
    try:
        return device.describe()
    except Exception:  # noqa: BLE001 - drivers may need open() first; any failure means "not yet"
        device.open()
        try:
            return device.describe()
        finally:
            device.close()


class LiveSession:
    """Device -> :class:`LivePipeline` (+ optional recording) -> :class:`TrialController`.

    Parameters
    ----------
    device : Device
        A device that is not open yet; the session opens and closes it.
    record_path : str or Path, optional
        Also record everything to this HDF5 file.
    subject : str or dict, optional
        Subject of the recording.
    overwrite : bool
        Replace an existing recording.
    window_s, envelope_params, mvc_reference, fz_threshold_n
        Passed to :class:`LivePipeline`.
    mvc_duration_s : float, optional
        Passed to :class:`TrialController`.
    read_timeout_s : float
        Timeout of each device read (reader thread).
    """

    def __init__(
        self,
        device: Device,
        *,
        record_path: str | os.PathLike[str] | None = None,
        subject: Any = None,
        overwrite: bool = False,
        window_s: float = 10.0,
        envelope_params=None,
        mvc_reference: dict[str, float] | None = None,
        fz_threshold_n: float | None = None,
        mvc_duration_s: float | None = None,
        read_timeout_s: float = 0.02,
    ) -> None:
        self.device = device
        self.info = describe_device(device)
        self.pipeline = LivePipeline(
            self.info,
            window_s=window_s,
            envelope_params=envelope_params,
            mvc_reference=mvc_reference,
            fz_threshold_n=fz_threshold_n,
        )
        self.recorder = None
        if record_path is not None:
            from emgforce.record import Recorder

            self.recorder = Recorder(
                device,
                record_path,
                subject,
                overwrite=overwrite,
                read_timeout_s=read_timeout_s,
                on_block=self._on_block,
                on_marker=self._on_device_marker,
            )
        self.controller = TrialController(self.pipeline, self._emit, mvc_duration_s=mvc_duration_s)
        #: a :class:`~emgforce.live.outlet.ProcessedOutlet` pushed after every feed, if set
        self.outlet = None
        self.read_timeout_s = float(read_timeout_s)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._end_s: float | None = None
        self.summary = None

    def _on_block(self, block) -> None:
        self._feed([block])

    def _feed(self, blocks) -> None:
        self.pipeline.feed(blocks)
        if self.outlet is not None:
            try:
                self.outlet.push()
            except Exception:  # noqa: BLE001 - a subscriber's trouble must not stop acquisition
                log.exception("processed-signal outlet failed; it is closed, acquisition goes on")
                self.outlet = None

    def _on_device_marker(self, marker: Marker) -> None:
        try:
            self.controller.device_marker(marker)
        except EmgforceError as exc:  # e.g. a device MVC trial too short: acquisition goes on
            log.warning("device marker %s %s at %.3f s: %s", marker.kind, marker.label, marker.time_s, exc)

    def _emit(self, marker: Marker) -> None:
        if self.recorder is not None:
            self.recorder.add_marker(marker.label, marker.kind, marker.time_s)

    # -- life cycle -------------------------------------------------------------
    def start(self, duration_s: float | None = None) -> None:
        """Start acquisition; ``duration_s`` ends it after that much data."""
        if self.recorder is not None:
            self.recorder.start(duration_s)
            return
        self._end_s = duration_s
        self.device.open()
        try:
            self.device.start()
        except BaseException:
            self.device.close()
            raise
        self._thread = threading.Thread(target=self._read_loop, name="emgforce-live-reader", daemon=True)
        self._thread.start()

    def _read_loop(self) -> None:
        try:
            while not self._stop.is_set():
                blocks = self.device.read(timeout=self.read_timeout_s)
                if blocks:
                    self._feed(blocks)
                for marker in self.device.read_markers():
                    self._on_device_marker(marker)
                if self._end_s is not None and self.pipeline.session_time_s >= self._end_s:
                    break
        except DeviceDisconnectedError as exc:
            log.warning("device disconnected: %s", exc)
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - report in the window/CLI rather than kill the GUI
            log.exception("device read failed")
            self.error = exc
        finally:
            for step in (self.device.stop, self.device.close):
                try:
                    step()
                except Exception:  # noqa: BLE001
                    log.exception("error while shutting the device down")

    @property
    def running(self) -> bool:
        if self.recorder is not None:
            return self.recorder.running
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop a running trial (so its stop marker is written), then acquisition; wait for it."""
        if self.controller.active is not None:
            try:
                self.controller.stop_trial()
            except Exception:  # noqa: BLE001 - e.g. an MVC capture too short: still shut down
                log.exception("could not finish the running trial")
        if self.recorder is not None:
            self.recorder.stop("live display closed")
            self.summary = self.recorder.wait(timeout)
            return
        self._stop.set()
        if self._thread is not None:
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._thread.is_alive():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._thread.join(0.1 if left is None else min(0.1, left))
