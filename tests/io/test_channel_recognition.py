"""The channel recogniser on labels written by real lab software, and user channel maps."""

import json

import numpy as np
import pytest
from hypothesis import given, strategies as st

from emgforce.io import Recording, StreamData, Subject
from emgforce.io.channels import apply_channel_map, load_channel_map, parse_channel_map, recognize_channel
from emgforce.streams import ChannelInfo

GMED, GMAX, TFL = "gluteus_medius", "gluteus_maximus", "tensor_fasciae_latae"

# (label as written by some lab's software, muscle, side); None = unknown
SPELLINGS = [
    # forms named in the issue
    ("L GMED", GMED, "left"),
    ("R_GMED", GMED, "right"),
    ("GMED_L", GMED, "left"),
    ("LGMed", GMED, "left"),
    ("Glut Med L", GMED, "left"),
    ("Left Gluteus Medius", GMED, "left"),
    ("gluteus medius (left)", GMED, "left"),
    ("LT GLUT. MED.", GMED, "left"),
    ("RT GLUT. MAX.", GMAX, "right"),
    ("L GMED: EMG 3", GMED, "left"),
    ("Sensor 3.EMG3", None, None),
    ("Voltage.L_GMED", GMED, "left"),
    ("MGM", GMED, None),
    ("EMG1", None, None),
    # emgforce's own
    ("GM_L", GMED, "left"),
    ("GM_R", GMED, "right"),
    ("TFL_L", TFL, "left"),
    ("GMAX_R", GMAX, "right"),
    # Vicon Nexus (Voltage.<name>, device-prefixed)
    ("Voltage.R_GMED", GMED, "right"),
    ("Voltage.LGMAX", GMAX, "left"),
    ("Voltage.RTFL", TFL, "right"),
    ("Voltage.L_TFL", TFL, "left"),
    ("Voltage.EMG 4", None, None),
    # Qualisys (channel names as typed in QTM)
    ("GMed_R", GMED, "right"),
    ("GMedL", GMED, "left"),
    ("GMaxR", GMAX, "right"),
    ("TFL R", TFL, "right"),
    ("R Gluteus Maximus", GMAX, "right"),
    # Delsys EMGworks / Trigno
    ("R GMED: EMG 4", GMED, "right"),
    ("L GMAX: EMG.A 5", GMAX, "left"),
    ("Sensor 12.EMG12", None, None),
    ("Delt_ant.EMG1", None, None),
    ("R TFL: EMG 2", TFL, "right"),
    ("GLUT MED LEFT: EMG 1", GMED, "left"),
    # Noraxon MR3
    ("RT GLUT. MED.", GMED, "right"),
    ("LT GLUT. MAX.", GMAX, "left"),
    ("LT TFL", TFL, "left"),
    ("RT TENSOR FASC. LAT.", TFL, "right"),
    ("RT RECTUS FEM.", "rectus_femoris", "right"),
    ("LT VMO", "vastus_medialis", "left"),
    ("RT TIB.ANT.", "tibialis_anterior", "right"),
    ("LT MED. GASTRO", "gastrocnemius_medialis", "left"),
    # Cometa EMG and Motion Tools
    ("Gluteus Medius Left", GMED, "left"),
    ("Gluteus Maximus Right", GMAX, "right"),
    ("Tensor Fasciae Latae Right", TFL, "right"),
    ("GluteusMediusRight", GMED, "right"),
    # LabRecorder / LSL channel labels
    ("gmed_left", GMED, "left"),
    ("glute_med_r", GMED, "right"),
    ("GluteMedR", GMED, "right"),
    ("gm-l", GMED, "left"),
    ("ch3", None, None),
    # other languages
    ("Moyen fessier G", GMED, "left"),
    ("Moyen fessier droit", GMED, "right"),
    ("Grand fessier D", GMAX, "right"),
    ("Glúteo medio izquierdo", GMED, "left"),
    ("Glúteo medio der", GMED, "right"),
    ("Glúteo mayor izq", GMAX, "left"),
    ("Gluteo medio dx", GMED, "right"),
    ("Gluteo medio sx", GMED, "left"),
    ("Gluteo massimo sinistro", GMAX, "left"),
    ("M. glutaeus medius li", GMED, "left"),
    ("M. glutaeus medius re", GMED, "right"),
    ("Glúteo médio esquerdo", GMED, "left"),
    ("MGM D", GMED, "right"),
    ("MGM_G", GMED, "left"),
    # other muscles and sides in other places
    ("VL_R", "vastus_lateralis", "right"),
    ("BF L", "biceps_femoris", "left"),
    ("Semitendinosus Right", "semitendinosus", "right"),
    ("R_ADD_LONG", "adductor_longus", "right"),
    ("Soleus L", "soleus", "left"),
    ("Erector Spinae R", "erector_spinae", "right"),
    ("L-Gmed (EMG 7)", GMED, "left"),
    ("EMG 7 R GMED", GMED, "right"),
    # not EMG, or ambiguous
    ("Force.Fz1", None, None),
    ("GMED", GMED, None),
    ("GMED L/R", GMED, None),
    ("GMED TFL L", None, "left"),
]


def test_the_table_is_big_enough():
    assert len(SPELLINGS) >= 60
    assert len({s[0] for s in SPELLINGS}) == len(SPELLINGS)


@pytest.mark.parametrize(("label", "muscle", "side"), SPELLINGS)
def test_real_world_spellings(label, muscle, side):
    m = recognize_channel(label)
    assert (m.muscle, m.side) == (muscle, side), m.reason
    assert m.reason


@pytest.mark.parametrize(("label", "is_emg"), [("Sensor 3.EMG3", True), ("EMG1", True), ("L GMED", True),
                                               ("Force.Fz1", False), ("Voltage.1", False), ("GMED TFL L", True)])
def test_emg_or_not(label, is_emg):
    assert recognize_channel(label).is_emg is is_emg


def test_reasons_say_what_and_why():
    assert "gluteus medius from 'glut med'" in recognize_channel("LT GLUT. MED.").reason
    assert "side left from 'lt'" in recognize_channel("LT GLUT. MED.").reason
    assert "glued" in recognize_channel("LGMed").reason
    assert "EMG of unknown muscle" in recognize_channel("EMG1").reason
    assert "ambiguous" in recognize_channel("GMED TFL L").reason
    assert "both sides" in recognize_channel("GMED L/R").reason


@given(st.text(max_size=40))
def test_any_text_gives_a_consistent_answer(label):
    m = recognize_channel(label)
    assert m.side in (None, "left", "right")
    assert m.is_emg or m.muscle is None


@given(st.sampled_from([s for s in SPELLINGS if s[1]]), st.sampled_from(["", "Voltage.", "Analog "]),
       st.sampled_from(["", ": EMG 3", ".EMG12", " (uV)"]))
def test_vendor_decorations_do_not_change_the_answer(row, prefix, suffix):
    label, muscle, side = row
    m = recognize_channel(prefix + label + suffix)
    assert (m.muscle, m.side) == (muscle, side)


def test_channel_map_strings_and_files(tmp_path):
    assert parse_channel_map(["EMG1=GM:L", "Sensor 2.EMG2=gluteus maximus:right", "X=tfl"]) == {
        "EMG1": (GMED, "left"), "Sensor 2.EMG2": (GMAX, "right"), "X": (TFL, None)}
    (tmp_path / "map.json").write_text(json.dumps({"EMG1": "gmed:R", "EMG2": {"muscle": "TFL", "side": "left"}}))
    assert load_channel_map(tmp_path / "map.json") == {"EMG1": (GMED, "right"), "EMG2": (TFL, "left")}
    (tmp_path / "map.toml").write_text('[channels]\n"EMG1" = "GM:left"\nEMG2 = { muscle = "GMAX", side = "R" }\n')
    assert load_channel_map(tmp_path / "map.toml") == {"EMG1": (GMED, "left"), "EMG2": (GMAX, "right")}
    with pytest.raises(ValueError, match="unknown muscle 'biceps brachii xyz'"):
        parse_channel_map(["EMG1=biceps brachii xyz:L"])
    with pytest.raises(ValueError, match="left/right"):
        parse_channel_map(["EMG1=GM:up"])
    with pytest.raises(ValueError, match="LABEL=muscle:side"):
        parse_channel_map(["GM:L"])


def _rec():
    emg = StreamData("emg", 1000.0, (ChannelInfo("EMG1"), ChannelInfo("L GMED", muscle=GMED, side="left")),
                     np.arange(20.0).reshape(10, 2))
    analog = StreamData("analog", 1000.0, (ChannelInfo("Ch5", kind="analog"), ChannelInfo("Trig", kind="analog")),
                        np.arange(20.0, 40.0).reshape(10, 2))
    return Recording({"emg": emg, "analog": analog}, Subject("s"))


def test_channel_map_overrides_and_moves_channels_into_emg():
    rec = _rec()
    notes = apply_channel_map(rec, {"EMG1": (GMED, "right"), "L GMED": (GMED, "right"), "Ch5": (TFL, "left")})
    emg = rec.streams["emg"]
    assert [(c.name, c.muscle, c.side, c.kind) for c in emg.channels] == [
        ("EMG1", GMED, "right", "emg"), ("L GMED", GMED, "right", "emg"), ("Ch5", TFL, "left", "emg")]
    np.testing.assert_array_equal(emg.channel("Ch5"), np.arange(20.0, 40.0, 2))
    assert rec.streams["analog"].channel_names == ("Trig",)
    np.testing.assert_array_equal(rec.streams["analog"].channel("Trig"), np.arange(21.0, 40.0, 2))
    assert len(notes) == 3 and all("channel map" in n for n in notes)


def test_channel_map_with_unknown_label_names_the_labels():
    with pytest.raises(KeyError, match="EMG9.*it has"):
        apply_channel_map(_rec(), {"EMG9": (GMED, "left")})


def test_channel_tags_prefer_the_channels_own_tags_then_its_label():
    from emgforce.io.channels import channel_tags
    from emgforce.streams import ChannelInfo

    assert channel_tags(ChannelInfo("EMG1", muscle="gluteus_maximus", side="right")) == ("gluteus_maximus", "right")
    assert channel_tags(ChannelInfo("L GMED")) == ("gluteus_medius", "left")  # an untagged live/LSL label
    assert channel_tags(ChannelInfo("LT GLUT. MED.")) == ("gluteus_medius", "left")
    assert channel_tags(ChannelInfo("EMG1", side="left")) == (None, "left")
