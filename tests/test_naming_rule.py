"""The naming rule (docs/architecture.md): old public names still work for one release, with a warning.

Each deprecated name must give exactly what its new name gives, and say which name to use.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from emgforce import forceplate, signal
from emgforce.plates import Plate


def _cop(n=400, fs=100.0):
    t = np.arange(n) / fs
    return np.column_stack([0.01 * np.sin(2 * np.pi * 0.3 * t), 0.008 * np.cos(2 * np.pi * 0.5 * t)])


def test_filters_named_apart_from_scipy():
    sos = signal.butter_sos(2, 10.0, 100.0, btype="low")
    x = np.random.default_rng(0).normal(size=300)
    with pytest.warns(DeprecationWarning, match="use emgforce.signal.filter_zero_phase"):
        np.testing.assert_array_equal(signal.sosfiltfilt(x, sos), signal.filter_zero_phase(x, sos))
    with pytest.warns(DeprecationWarning, match="use emgforce.signal.filter_causal"):
        np.testing.assert_array_equal(signal.sosfilt(x, sos), signal.filter_causal(x, sos))


def test_two_mean_frequencies_have_two_names():
    cop = _cop()
    with pytest.warns(DeprecationWarning, match="time_domain_mean_frequency"):
        old = forceplate.mean_frequency(cop, 100.0)
    assert old == forceplate.time_domain_mean_frequency(cop, 100.0)
    assert signal.mean_frequency is not forceplate.time_domain_mean_frequency


@pytest.mark.parametrize("func", ["mean_velocity", "sway_area_per_second", "time_domain_mean_frequency",
                                  "spectral_mean_frequency", "frequency_descriptors", "cop_psd"])
def test_forceplate_takes_fs_and_still_fs_hz(func):
    f = getattr(forceplate, func)
    cop = _cop()[:, 1] if func in ("frequency_descriptors", "cop_psd") else _cop()
    new = f(cop, fs=100.0)
    with pytest.warns(DeprecationWarning, match=r"fs_hz=\.\.\.\) is deprecated.*use fs="):
        old = f(cop, fs_hz=100.0)
    assert repr(old) == repr(new)
    with pytest.raises(TypeError, match="both"):
        f(cop, fs=100.0, fs_hz=100.0)


def test_time_to_stabilization_and_zero_offset_take_fs():
    fz = 700.0 + 20.0 * np.exp(-np.arange(2000) / 200.0) * np.sin(np.arange(2000) / 10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new spelling warns about nothing
        forceplate.time_to_stabilization(fz, fs=1000.0, method="sequential")
        forceplate.zero_offset(fz[:, None], seconds=(0.0, 0.1), fs=1000.0)


def test_plate_center_spelling():
    p = Plate.level("AMTI6", center_m=(0.1, 0.2, 0.0))
    np.testing.assert_allclose(p.center_m, [0.1, 0.2, 0.0])
    with pytest.warns(DeprecationWarning, match="center_m"):
        np.testing.assert_array_equal(p.centre_m, p.center_m)
    with pytest.warns(DeprecationWarning, match="center_m"):
        q = Plate.level("AMTI6", centre_m=(0.1, 0.2, 0.0))
    np.testing.assert_array_equal(q.corners_m, p.corners_m)


def test_shared_parameter_docs_are_written_once():
    from emgforce import _docs

    doc = forceplate.mean_velocity.__doc__
    assert _docs.PARAMS["fs_cop"].splitlines()[1].strip() in doc and "%(" not in doc
    with pytest.raises(KeyError):
        _docs.expand("    %(no_such_parameter)s\n")


@pytest.mark.parametrize("call", ["sway", "preprocess", "plateaus"])
def test_fs_hz_keyword_still_works_with_a_warning(call):
    import numpy as np

    from emgforce.forceplate import preprocess_cop, sway_descriptors
    from emgforce.tasks.segment import detect_plateaus

    rng = np.random.default_rng(0)
    cop = np.cumsum(rng.normal(0, 1e-4, (3000, 2)), axis=0)
    x = np.r_[np.zeros(200), np.ones(400), np.zeros(200)] + rng.normal(0, 0.01, 800)
    fn, data = {"sway": (sway_descriptors, cop), "preprocess": (preprocess_cop, cop),
                "plateaus": (detect_plateaus, x)}[call]
    new = fn(data, fs=100.0)
    with pytest.warns(DeprecationWarning, match="fs_hz"):
        old = fn(data, fs_hz=100.0)
    if call == "sway":
        assert old.values.keys() == new.values.keys()
        np.testing.assert_array_equal(list(old.values.values()), list(new.values.values()))
    elif call == "preprocess":
        np.testing.assert_array_equal(old[0], new[0])
    else:
        assert old == new and len(new) == 1


def test_normalisation_spelling_still_works_and_old_reports_still_read(tmp_path):
    import json

    from emgforce.report.tables import read_json, write_json
    from emgforce.tasks import analyze_session
    from tests.tasks.simsession import short_session, write_session

    path = tmp_path / "s.h5"
    write_session(short_session(seed=5), path)
    with pytest.warns(DeprecationWarning, match="normalisation"):
        old = analyze_session(path, normalisation="peak_task", keep_traces=False)
    assert set(old.normalization.values()) == {"peak_task"}
    with pytest.warns(DeprecationWarning, match="normalization"):
        assert old.normalisation == old.normalization
    # a report written by emgforce 0.1 (schema 1.0, British keys) still reads, with the same content
    write_json(old, tmp_path / "new.json")
    doc = json.loads((tmp_path / "new.json").read_text())
    assert doc["schema_version"] == "2.0" and "normalization" in doc and "normalisation" not in doc
    renamed = {"normalization": "normalisation", "normalization_requested": "normalisation_requested"}
    legacy = {renamed.get(k, k): v for k, v in doc.items()}
    legacy["schema_version"] = "1.0"
    legacy["trials"] = [{renamed.get(k, k): v for k, v in t.items()} for t in doc["trials"]]
    (tmp_path / "old.json").write_text(json.dumps(legacy))
    back = read_json(tmp_path / "old.json")
    assert back.normalization == old.normalization and back.normalization_requested == "peak_task"
    assert [t.normalization for t in back.trials] == [t.normalization for t in old.trials]
