"""Helpers shared by the hardware drivers (``emgforce.drivers._util``)."""

from __future__ import annotations

import logging

import pytest

from emgforce.drivers._util import DEFAULT_EMG_CHANNELS, call_quietly, channel_info, import_vendor, runtime_available
from emgforce.errors import DeviceNotAvailableError


def test_channel_info_names_muscle_and_side_of_canonical_names():
    gm = channel_info("GM_L", kind="analog", conversion=2.0)
    assert (gm.kind, gm.muscle, gm.side, gm.unit, gm.conversion) == ("emg", "gluteus_medius", "left", "V", 2.0)
    tfl = channel_info("TFL_R")
    assert (tfl.muscle, tfl.side) == ("tensor_fasciae_latae", "right")
    fz = channel_info("Fz", kind="force", unit="N")
    assert (fz.kind, fz.muscle, fz.side, fz.unit) == ("force", None, None, "N")
    assert channel_info("GM_X").kind == "analog"  # not a side suffix: not an EMG name
    assert [channel_info(n).kind for n in DEFAULT_EMG_CHANNELS] == ["emg"] * 6


def test_runtime_available_reports_the_loader_reason():
    def missing():
        return import_vendor("emgforce_no_such_vendor_module", what="NoSuchDAQ", install="the NoSuchDAQ runtime")

    ok, why = runtime_available(missing)
    assert not ok and "NoSuchDAQ is not usable here" in why and "install the NoSuchDAQ runtime" in why
    assert runtime_available(lambda: import_vendor("json", what="json", install="-")) == (True, "ok")
    with pytest.raises(DeviceNotAvailableError, match="ModuleNotFoundError"):
        missing()


def test_call_quietly_logs_instead_of_raising(caplog):
    calls = []

    def gone(handle):
        calls.append(handle)
        raise OSError("device unplugged")

    with caplog.at_level(logging.DEBUG, logger="emgforce.drivers._util"):
        call_quietly(gone, 7)
    assert calls == [7]
    assert "gone failed during shutdown" in caplog.text and "device unplugged" in caplog.text
