"""The simulated lab device: plays a :func:`simulate` session through the Device interface."""

from __future__ import annotations

__all__ = ["SimulatedDevice"]

import math
import time
from typing import Any, Sequence

import numpy as np

from emgforce.errors import DeviceDisconnectedError, DeviceError, DeviceFinishedError

from emgforce.streams import Block, DeviceInfo, Marker
from emgforce.drivers.base import Device
from emgforce.drivers.sim.protocol import Protocol
from emgforce.drivers.sim.session import GroundTruth, SimulatedSession, simulate


class _Cursor:
    """Delivery state of one stream."""

    def __init__(
        self, name: str, data: np.ndarray, fs_hz: float, block_s: float, end: int, dropped: list[tuple[int, int]]
    ) -> None:
        self.name = name
        self.data = data
        self.fs_hz = fs_hz
        self.block_len = block_s * fs_hz  # samples per block period (may be fractional)
        self.end = end  # samples that will ever be delivered (fewer after a disconnect)
        self.dropped = dropped  # sorted, disjoint [a, b) sample ranges lost in transit
        self.pos = 0
        self.missing = 0  # lost samples not yet reported

    def take(self, due: int, quota: int | None) -> list[Block]:
        """Blocks from the current position up to sample ``due`` (at most ``quota`` samples)."""
        due = min(due, self.end)
        blocks = []
        while self.pos < due and (quota is None or quota > 0):
            gap = next(((a, b) for a, b in self.dropped if a <= self.pos < b), None)
            if gap is not None:
                skip = min(gap[1], due) - self.pos
                self.missing += skip
                self.pos += skip
                continue
            next_gap = next((a for a, _ in self.dropped if a > self.pos), due)
            stop = min(due, next_gap, self.block_start(self.pos))  # never across a block period
            if quota is not None:
                stop = min(stop, self.pos + quota)
                quota -= stop - self.pos
            blocks.append(self._block(self.pos, stop))
            self.pos = stop
        if self.pos >= self.end and self.missing:
            blocks.append(self._block(self.pos, self.pos))  # report samples lost at the very end
        return blocks

    def block_start(self, pos: int) -> int:
        """First sample of the first block period starting after sample ``pos``."""
        k = int(pos / self.block_len)
        while int(round(k * self.block_len)) <= pos:
            k += 1
        return int(round(k * self.block_len))

    def _block(self, a: int, b: int) -> Block:
        block = Block(
            stream=self.name,
            data=self.data[a:b].copy(),
            first_index=a,
            device_time=a / self.fs_hz,
            missing=self.missing,
        )
        self.missing = 0
        return block


class SimulatedDevice(Device):
    """A simulated hip-abductor lab session delivered block by block.

    Parameters
    ----------
    protocol : Protocol, optional
        Default :meth:`Protocol.default`.
    seed : int
        Seed of :func:`simulate`; the session is generated once, at :meth:`open`.
    realtime : bool
        Pace delivery to the wall clock (a block becomes available when its last
        sample's time has passed since :meth:`start`); otherwise each :meth:`read`
        delivers the next ``block_s`` of data at once.
    speed : float
        With ``realtime``, session seconds per wall-clock second (e.g. 5 for a
        quick live demonstration); default 1.
    block_s : float
        Duration of a block; block ``k`` covers ``[k*block_s, (k+1)*block_s)``.
    drop_blocks : sequence of int
        Block numbers lost "in transit" in every stream: they are never
        delivered; the next block's ``first_index`` jumps and its ``missing``
        says by how many samples (a trailing loss comes as an empty block).
    disconnect_at_s : float, optional
        Session time at which the device vanishes: samples before it are
        delivered, then :meth:`read` raises :class:`DeviceDisconnectedError`.
        Without it, :meth:`read` raises :class:`DeviceFinishedError` once the
        whole session has been delivered.
    **simulate_kwargs
        Passed to :func:`simulate` (``weak_side``, ``emg_fs_hz``, ``mains_hz``, ...).
    """

    name = "sim"

    def __init__(
        self,
        protocol: Protocol | None = None,
        *,
        seed: int = 0,
        realtime: bool = False,
        speed: float = 1.0,
        block_s: float = 0.05,
        drop_blocks: Sequence[int] = (),
        disconnect_at_s: float | None = None,
        **simulate_kwargs: Any,
    ) -> None:
        if not block_s > 0:
            raise ValueError(f"block_s must be positive, got {block_s}")
        if not speed > 0:
            raise ValueError(f"speed must be positive, got {speed}")
        if any(int(k) != k or k < 0 for k in drop_blocks):
            raise ValueError(f"drop_blocks must be block numbers >= 0, got {list(drop_blocks)}")
        if disconnect_at_s is not None and not disconnect_at_s > 0:
            raise ValueError(f"disconnect_at_s must be positive, got {disconnect_at_s}")
        self.protocol = protocol or Protocol.default()
        self.seed = int(seed)
        self.realtime = bool(realtime)
        self.speed = float(speed)
        self.block_s = float(block_s)
        self.drop_blocks = tuple(sorted({int(k) for k in drop_blocks}))
        self.disconnect_at_s = disconnect_at_s
        self._simulate_kwargs = simulate_kwargs
        self._session: SimulatedSession | None = None
        self._cursors: list[_Cursor] = []
        self._markers: list[Marker] = []
        self._k = 0  # blocks due so far (fast mode)
        self._t0: float | None = None
        self._running = False
        self._disconnected = False

    # --- what the device knows -------------------------------------------------------

    @property
    def session(self) -> SimulatedSession:
        """The whole simulated session (generated on first use)."""
        if self._session is None:
            self._session = simulate(self.protocol, seed=self.seed, **self._simulate_kwargs)
        return self._session

    @property
    def ground_truth(self) -> GroundTruth:
        """True activation, COP and events of the simulated session."""
        return self.session.truth

    @property
    def duration_s(self) -> float:
        return self.session.duration_s

    @property
    def position_s(self) -> float:
        """Session time up to which every stream has been delivered (or lost)."""
        return min((c.pos / c.fs_hz for c in self._cursors), default=0.0)

    @property
    def finished(self) -> bool:
        """Every sample that will ever come has been delivered."""
        return bool(self._cursors) and all(c.pos >= c.end and not c.missing for c in self._cursors)

    def describe(self) -> DeviceInfo:
        s = self.session
        return DeviceInfo(
            name=self.name,
            streams=(s.emg_info, s.force_info),
            serial_number=f"SIM-{self.seed}",
            extra={"seed": self.seed, "protocol": self.protocol.name, "duration_s": s.duration_s},
        )

    def session_attrs(self) -> dict[str, Any]:
        truth = self.session.truth
        return {
            "simulated": 1,
            "sim_seed": self.seed,
            "sim_protocol": self.protocol.name,
            "sim_weak_side": truth.weak_side or "none",
        }

    # --- life cycle -----------------------------------------------------------------------

    def open(self) -> None:
        self.session  # noqa: B018 - generate now, not during acquisition

    def start(self) -> None:
        s = self.session
        self._cursors = []
        for name, data, fs in (("emg", s.emg, s.emg_info.fs_hz), ("force", s.force, s.force_info.fs_hz)):
            n = data.shape[0]
            end = n if self.disconnect_at_s is None else min(n, math.ceil(self.disconnect_at_s * fs - 1e-9))
            dropped = [(self._index(k, fs), self._index(k + 1, fs)) for k in self.drop_blocks]
            lost = [(a, min(b, n)) for a, b in dropped if a < n]
            self._cursors.append(_Cursor(name, data, fs, self.block_s, end, lost))
        self._markers = list(s.markers)
        self._k = 0
        self._t0 = time.monotonic()
        self._running = True
        self._disconnected = False

    def stop(self) -> None:
        self._running = False

    def close(self) -> None:
        self._running = False

    def _index(self, k: int, fs_hz: float) -> int:
        """First sample of block ``k`` of a stream sampled at ``fs_hz`` (as :meth:`_Cursor.block_start`)."""
        return int(round(k * (self.block_s * fs_hz)))

    # --- acquisition ------------------------------------------------------------------------

    def _caught_up(self) -> bool:
        return all(c.pos >= min(c.end, self._index(self._k, c.fs_hz)) for c in self._cursors)

    def _blocks_due(self) -> int:
        return int((time.monotonic() - self._t0) * self.speed / self.block_s)

    def read(self, max_samples: int | None = None, timeout: float | None = None) -> list[Block]:
        """Blocks of every stream (``emg`` then ``force``) that are due now.

        ``max_samples`` caps the samples returned per stream in this call (the
        rest follows in the next calls). In real-time mode the call waits up to
        ``timeout`` seconds (None: until the next block) when nothing is due.

        Raises
        ------
        DeviceFinishedError
            Every sample of the session has been delivered (a finite source).
        DeviceDisconnectedError
            The injected disconnect time has been reached and everything before
            it was delivered.
        """
        if self._disconnected:
            raise DeviceDisconnectedError(self._disconnect_message())
        if not self._running:
            if self._t0 is None:
                raise DeviceError("the simulated device is not started: call open() and start() first")
            return []
        if max_samples is not None and max_samples < 1:
            raise ValueError(f"max_samples must be >= 1, got {max_samples}")
        if self.realtime:
            self._k = max(self._k, self._blocks_due())
            if self._caught_up() and not self.finished:
                wait = (self._k + 1) * self.block_s / self.speed - (time.monotonic() - self._t0)
                if timeout is not None:
                    wait = min(wait, timeout)
                if wait > 0:
                    time.sleep(wait)
                self._k = max(self._k, self._blocks_due())
        elif self._caught_up():
            self._k += 1
        blocks = []
        for c in self._cursors:
            blocks += c.take(self._index(self._k, c.fs_hz), max_samples)
        if not blocks and self.finished:
            if self.disconnect_at_s is not None and self.disconnect_at_s < self.duration_s:
                self._disconnected = True
                raise DeviceDisconnectedError(self._disconnect_message())
            raise DeviceFinishedError(f"the simulated session ended after {self.duration_s:.3f} s; every sample was delivered")
        return blocks

    def read_markers(self) -> list[Marker]:
        """Trial start/stop markers whose time the delivered data has reached."""
        if not self._cursors:
            return []
        reached = self.position_s
        if self.disconnect_at_s is not None:
            reached = min(reached, self.disconnect_at_s - 1e-12)
        out = [m for m in self._markers if m.time_s <= reached]
        self._markers = self._markers[len(out) :]
        return out

    def _disconnect_message(self) -> str:
        return (
            f"simulated device disconnected at {self.disconnect_at_s:.3f} s (fault injected with "
            "disconnect_at_s); everything before it was delivered"
        )
