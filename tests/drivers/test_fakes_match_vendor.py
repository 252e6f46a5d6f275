"""The vendor fakes keep the installed vendor packages' signatures, so a driver that runs
against a fake calls the real API the same way.

nidaqmx and labjack.ljm import without their runtimes, so they are inspected; uldaq
loads libuldaq at import, so its source is parsed instead.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import io
from pathlib import Path

import pytest

from tests.drivers.fakes import fake_ljm, fake_nidaqmx, fake_uldaq


def _params(func):
    """``[(name, kind, default)]`` of a callable (``default`` is ``inspect._empty`` when absent)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(func).parameters.values()]


def test_nidaqmx_fake_signatures_and_properties():
    import nidaqmx.stream_readers
    import nidaqmx.system
    import nidaqmx.task
    from nidaqmx.task.collections import AIChannelCollection

    real_reader = nidaqmx.stream_readers.AnalogMultiChannelReader
    pairs = [
        (nidaqmx.task.Task.__init__, fake_nidaqmx.Task.__init__),
        (AIChannelCollection.add_ai_voltage_chan, fake_nidaqmx._AIChannels.add_ai_voltage_chan),
        (nidaqmx.task.Timing.cfg_samp_clk_timing, fake_nidaqmx._Timing.cfg_samp_clk_timing),
        (real_reader.__init__, fake_nidaqmx.AnalogMultiChannelReader.__init__),
        (real_reader.read_many_sample, fake_nidaqmx.AnalogMultiChannelReader.read_many_sample),
    ]
    for name in ("start", "stop", "close"):
        pairs.append((getattr(nidaqmx.task.Task, name), getattr(fake_nidaqmx.Task, name)))
    for real, fake in pairs:
        assert _params(fake) == _params(real), real.__qualname__
    # attributes the driver reads are properties on both sides
    for owner, fake_owner, attr in ((nidaqmx.task.Task, fake_nidaqmx.Task, "number_of_channels"),
                                    (nidaqmx.task.InStream, fake_nidaqmx._InStream, "avail_samp_per_chan"),
                                    (nidaqmx.system.System, fake_nidaqmx._System, "driver_version")):
        assert isinstance(inspect.getattr_static(owner, attr), property)
        assert isinstance(inspect.getattr_static(fake_owner, attr), property)
    assert isinstance(inspect.getattr_static(nidaqmx.task.Timing, "samp_clk_rate"), property)
    assert fake_nidaqmx.DaqError is nidaqmx.errors.DaqError  # the vendor's own class and codes


def test_ljm_fake_signatures_and_vendor_parts():
    with contextlib.redirect_stdout(io.StringIO()):
        from labjack import ljm
    for name in ("openS", "getHandleInfo", "namesToAddresses", "eWriteNames", "eStreamStart", "eStreamRead",
                 "eStreamStop", "close", "errorToString"):
        assert _params(getattr(fake_ljm, name)) == _params(getattr(ljm, name)), name
    assert fake_ljm.LJMError is ljm.LJMError
    assert fake_ljm.DUMMY_VALUE == ljm.constants.DUMMY_VALUE == -9999


def _uldaq_source_signatures():
    """``{(class or module, function): [(name, default source or None)]}`` parsed from uldaq's files."""
    root = Path(importlib.util.find_spec("uldaq").submodule_search_locations[0])
    found = {}
    for file, owner in (("ai_device.py", "AiDevice"), ("daq_device.py", "DaqDevice"),
                        ("buffer_management.py", None), ("daq_device_discovery.py", None)):
        tree = ast.parse((root / file).read_text())
        scopes = [(None, tree.body)] + [(n.name, n.body) for n in tree.body if isinstance(n, ast.ClassDef)]
        for scope, body in scopes:
            if scope != owner:
                continue
            for fn in body:
                if isinstance(fn, ast.FunctionDef):
                    args = fn.args.args
                    defaults = [None] * (len(args) - len(fn.args.defaults)) + [ast.unparse(d) for d in fn.args.defaults]
                    found[(scope, fn.name)] = [(a.arg, d) for a, d in zip(args, defaults)]
    return found


@pytest.mark.parametrize("owner,name", [
    ("AiDevice", "a_in_scan"), ("AiDevice", "get_scan_status"), ("AiDevice", "scan_stop"),
    ("DaqDevice", "__init__"), ("DaqDevice", "connect"), ("DaqDevice", "get_ai_device"),
    ("DaqDevice", "disconnect"), ("DaqDevice", "release"),
    (None, "create_float_buffer"), (None, "get_daq_device_inventory"),
])
def test_uldaq_fake_signatures_match_the_source(owner, name):
    real = _uldaq_source_signatures()[(owner, name)]
    fake = getattr(getattr(fake_uldaq, owner), name) if owner else getattr(fake_uldaq, name)
    fake_params = [(n, None if d is inspect.Parameter.empty else repr(d)) for n, _, d in _params(fake)]
    assert fake_params == real


def test_uldaq_fake_uses_the_vendor_enums():
    # values of uldaq's ul_enums.py (UL for Linux's uldaq.h), loaded from that file by the fake
    assert fake_uldaq.ULError.__module__ == "_uldaq_ul_enums"
    assert (fake_uldaq.ScanOption.CONTINUOUS, fake_uldaq.AInScanFlag.DEFAULT) == (8, 0)
    assert (fake_uldaq.AiInputMode.SINGLE_ENDED, fake_uldaq.Range.BIP10VOLTS) == (2, 5)
    assert (fake_uldaq.ULError.DEV_NOT_CONNECTED, fake_uldaq.ScanStatus.RUNNING) == (7, 1)
