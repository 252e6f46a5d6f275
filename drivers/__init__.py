"""Acquisition devices for emgforce.

Every backend implements :class:`emgforce.drivers.base.Device`. Devices are found
through the ``emgforce.drivers`` entry-point group, so other packages can add
their own; vendor modules are imported only inside the driver that needs them.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from emgforce.streams import Block, ChannelInfo, DeviceInfo, Marker, StreamInfo
from emgforce.drivers.base import Device

ENTRY_POINT_GROUP = "emgforce.drivers"

__all__ = [
    "Block",
    "ChannelInfo",
    "Device",
    "DeviceInfo",
    "Marker",
    "StreamInfo",
    "driver_names",
    "get_driver",
]


def driver_names() -> list[str]:
    """Names of the installed drivers (entry points of ``emgforce.drivers``)."""
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def get_driver(name: str) -> type[Device]:
    """Load the device class registered under ``name``."""
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.load()
    raise KeyError(f"no driver named {name!r}; installed: {', '.join(driver_names()) or 'none'}")
