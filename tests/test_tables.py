"""The one reader of the users' small settings files (JSON or TOML)."""

from __future__ import annotations

import json

import pytest

from emgforce._tables import read_table_file

TABLE = {"channels": {"L GMED": "gluteus_medius:left", "EMG 3": {"muscle": "tfl", "side": "right"}}}
TOML = """[channels]
"L GMED" = "gluteus_medius:left"
"EMG 3" = { muscle = "tfl", side = "right" }
"""


def test_json_and_toml_give_the_same_table(tmp_path):
    (tmp_path / "map.json").write_text(json.dumps(TABLE))
    (tmp_path / "map.toml").write_text(TOML)
    assert read_table_file(tmp_path / "map.json") == TABLE == read_table_file(tmp_path / "map.toml")


@pytest.mark.parametrize("name, text", [("bad.toml", "[channels\nx = 1"), ("bad.json", "{'x': 1}")])
def test_bad_syntax_is_a_value_error(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    with pytest.raises(ValueError):
        read_table_file(tmp_path / name)
