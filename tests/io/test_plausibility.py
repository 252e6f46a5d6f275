"""Length-unit inference and body-mass checks, on closed-form cases."""

import numpy as np
import pytest

from emgforce.io.plausibility import G, check_body_mass, estimate_body_mass, infer_length_unit


@pytest.mark.parametrize(("side", "declared", "unit", "noted"), [
    (600.0, "", "mm", True), (0.6, "", "m", True), (60.0, "", "cm", True), (600.0, "mm", "mm", False),
    (0.4, "m", "m", False), (400.0, "m", "mm", True),  # a 400 m plate: corrected to mm
    (40.0, "m", "cm", True), (1.2, "mm", "m", True),
])
def test_length_unit(side, declared, unit, noted):
    got, note = infer_length_unit(side, declared)
    assert got == unit and (note is not None) == noted


def test_length_unit_says_what_it_did():
    assert "400 m wide; corrected to mm (0.4 m)" in infer_length_unit(400.0, "m")[1]


def test_body_mass_rules():
    assert check_body_mass(70.0) == (70.0, None)
    assert check_body_mass(None) == (None, None)
    assert check_body_mass(154.3, 70.0)[0] == 154.3  # plausible values are kept, but the mismatch is said
    assert "differs" in check_body_mass(154.3, 70.0)[1]
    mass, note = check_body_mass(154.3 / 0.45359237 * 0.45359237 * 1000)  # grams
    assert mass == pytest.approx(154.3) and "grams" in note
    mass, note = check_body_mass(3.0)
    assert mass is None and "cannot be corrected" in note
    # pounds only when the plates agree (165 lb = 74.8 kg; 165 would be a plausible kg value)
    assert check_body_mass(440.0, 199.6)[0] == pytest.approx(440 * 0.45359237)


def test_body_mass_from_quiet_stance_not_bridges_or_steps():
    fs = 100.0
    rng = np.random.default_rng(0)
    bw = 72.0 * G
    quiet = bw + rng.normal(0, 3.0, 1000)  # 10 s quiet stance
    bridge = 0.4 * bw + rng.normal(0, 1.0, 500)  # steady, but the feet carry less
    squat = bw + 300 * np.sin(np.linspace(0, 6 * np.pi, 600))  # loaded but not steady
    off = np.zeros(300)
    total = np.concatenate([off, bridge, squat, quiet, off])
    assert estimate_body_mass(total, fs) == pytest.approx(72.0, rel=0.01)
    assert estimate_body_mass(squat, fs) is None
    assert estimate_body_mass(off, fs) is None
