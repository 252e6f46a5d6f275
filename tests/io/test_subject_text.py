"""Subject id and notes: what a recording can store round-trips exactly; the rest is refused up front."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emgforce.streams import Block
from emgforce.io import RecordingWriter, Subject, read_recording
from emgforce.io.format import SUBJECT_ID_BYTES, SUBJECT_NOTES_BYTES

from ._helpers import emg_info

# any Unicode scalar value except NUL: no lone surrogates (category Cs)
TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def write(path, subject):
    with RecordingWriter(path, [emg_info()], subject, overwrite=True) as w:
        w.append(Block("emg", np.zeros((4, 4), np.float32), 0))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    id_=st.text(TEXT, min_size=1, max_size=SUBJECT_ID_BYTES // 4),  # <= 4 UTF-8 bytes a character
    notes=st.text(TEXT, max_size=200),
)
def test_storable_text_round_trips_exactly(tmp_path, id_, notes):
    path = tmp_path / "s.h5"
    write(path, Subject(id_, notes=notes))
    got = read_recording(path).subject
    assert (got.id, got.notes) == (id_, notes)
    with h5py.File(path, "r") as f:  # stored as UTF-8, as the format says
        assert bytes(f["subject"].attrs["id"]).decode("utf-8") == id_


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"id": "P\udcff01"}, r"subject id 'P\\udcff01' holds '\\udcff' at position 1, which is not valid Unicode"),
        ({"id": "P01", "notes": "knee \ud83d pain"}, r"subject notes .* not valid Unicode"),
        ({"id": "é" * 128}, rf"is 256 bytes long in UTF-8; recordings store at most {SUBJECT_ID_BYTES}: shorten it"),
        ({"id": "P01", "notes": "n" * (SUBJECT_NOTES_BYTES + 1)}, rf"store at most {SUBJECT_NOTES_BYTES}"),
        ({"id": "P\x0001"}, "NUL character"),
    ],
)
def test_unstorable_text_is_refused_before_any_file_exists(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Subject(**kwargs)
    subject = Subject("P01")
    field, value = next(iter(kwargs.items())) if "notes" not in kwargs else ("notes", kwargs["notes"])
    with pytest.raises(ValueError, match=match):  # assigning later is checked too
        setattr(subject, field, value)
    assert (subject.id, subject.notes) == ("P01", "")
    assert list(tmp_path.iterdir()) == []


def test_the_longest_storable_values_fit_exactly(tmp_path):
    # 2-byte characters: the limits are UTF-8 bytes, not characters
    id_, notes = "é" * (SUBJECT_ID_BYTES // 2) + "x", "ü" * (SUBJECT_NOTES_BYTES // 2)
    assert len(id_.encode()) == SUBJECT_ID_BYTES and len(notes.encode()) == SUBJECT_NOTES_BYTES
    write(tmp_path / "max.h5", Subject(id_, notes=notes))
    got = read_recording(tmp_path / "max.h5").subject
    assert (got.id, got.notes) == (id_, notes)


def test_a_non_string_id_is_a_type_error():
    with pytest.raises(TypeError, match="subject id must be a string, got int"):
        Subject(7)
