"""Muscle and side of a channel from the labels other software writes.

Labs label EMG channels in many ways: ``L GMED``, ``GMED_L``, ``LGMed``,
``Glut Med L``, ``Left Gluteus Medius``, ``gluteus medius (left)``, Noraxon
MR3's ``LT GLUT. MED.``, Delsys' ``L GMED: EMG 3`` and ``Sensor 3.EMG3``, Vicon's
``Voltage.L_GMED``, and abbreviations in other languages (``MGM``, ``Moyen
fessier G``, ``Gluteo medio dx``). :func:`recognize_channel` turns a label into
a :class:`ChannelMatch` (muscle key, side, whether it is EMG, and why); every
importer uses it to fill :attr:`emgforce.streams.ChannelInfo.muscle` and
``side``, and the analysis selects channels by those tags only.

A user channel map (:func:`parse_channel_map`, :func:`load_channel_map`,
:func:`apply_channel_map`) overrides the recogniser, e.g.
``--channel "EMG1=gluteus_medius:left"`` on the command line.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from emgforce.naming import MUSCLES

__all__ = [
    "ChannelMatch",
    "apply_channel_map",
    "channel_tags",
    "load_channel_map",
    "muscle_key",
    "parse_channel_map",
    "recognize_channel",
    "side_word",
]

#: muscles beyond :data:`emgforce.naming.MUSCLES` that labs record beside the glutes
OTHER_MUSCLES: dict[str, str] = {
    "rectus_femoris": "rectus femoris",
    "vastus_lateralis": "vastus lateralis",
    "vastus_medialis": "vastus medialis",
    "biceps_femoris": "biceps femoris",
    "semitendinosus": "semitendinosus",
    "adductor_longus": "adductor longus",
    "tibialis_anterior": "tibialis anterior",
    "gastrocnemius_medialis": "gastrocnemius medialis",
    "gastrocnemius_lateralis": "gastrocnemius lateralis",
    "soleus": "soleus",
    "erector_spinae": "erector spinae",
    "multifidus": "multifidus",
    "external_oblique": "external oblique",
    "rectus_abdominis": "rectus abdominis",
}

# Spellings with their words run together, lower case, accents removed. Short forms such as
# "gm" are taken as gluteus medius because that is this library's canonical abbreviation.
_MUSCLE_WORDS: dict[str, tuple[str, ...]] = {
    "gluteus_medius": (
        "gm", "gmed", "gmd", "gmedius", "glmed", "glutmed", "glutemed", "glutmedius", "gluteusmed", "gluteusmedius",
        "glutaeusmedius", "glutaeusmed", "glutmedial", "gluteimedii", "gmedio", "mgm", "mglmed", "mglutmed",
        "gluteomedio", "gluteomedius", "mediogluteo", "moyenfessier", "fessiermoyen", "mittlereglutaeus",
    ),
    "gluteus_maximus": (
        "gmax", "gmx", "gmaximus", "glmax", "glutmax", "glutemax", "glutmaximus", "gluteusmax", "gluteusmaximus",
        "glutaeusmaximus", "glutaeusmax", "mgmax", "gluteomayor", "gluteomaximo", "gluteomassimo", "grandfessier",
        "fessiergrand", "gmaior",
    ),
    "tensor_fasciae_latae": (
        "tfl", "tensor", "tensorfl", "tensorfascia", "tensorfasciae", "tensorfasciaelatae", "tensorfascialatae",
        "tensorfasciaelata", "tensorfascialata", "tenseurfascialata",
    ),
    "rectus_femoris": ("rf", "recfem", "rectfem", "rectusfem", "rectusfemoris", "droitfemoral"),
    "vastus_lateralis": ("vl", "vaslat", "vastlat", "vastuslat", "vastuslateralis", "vastelateral"),
    "vastus_medialis": ("vm", "vmo", "vasmed", "vastmed", "vastusmed", "vastusmedialis", "vastemedial"),
    "biceps_femoris": ("bf", "bflh", "bicfem", "bicepsfem", "bicepsfemoris", "hamlat"),
    "semitendinosus": ("st", "semiten", "semitend", "semitendinosus", "hammed"),
    "adductor_longus": ("al", "addl", "addlong", "adductorlongus", "addlongus", "adductor", "add"),
    "tibialis_anterior": ("ta", "tibant", "tibialisant", "tibialisanterior", "tibialanterior"),
    "gastrocnemius_medialis": ("mg", "gasmed", "gastromed", "gastrocmed", "gastrocnemiusmedialis", "medgas", "medgastro", "medgastroc"),
    "gastrocnemius_lateralis": ("lg", "gaslat", "gastrolat", "gastroclat", "gastrocnemiuslateralis", "latgas", "latgastro", "latgastroc"),
    "soleus": ("sol", "soleus"),
    "erector_spinae": ("es", "erector", "erectorspinae", "ercspn", "lumbarerector"),
    "multifidus": ("mf", "multifidus", "multif"),
    "external_oblique": ("eo", "extobl", "externaloblique", "obliquusexternus"),
    "rectus_abdominis": ("ra", "rectabd", "rectusabd", "rectusabdominis"),
}
_WORD_MUSCLE = {w: key for key, words in _MUSCLE_WORDS.items() for w in words}
for _key, (_abbrev, _full) in MUSCLES.items():  # the canonical names always work
    _WORD_MUSCLE.setdefault(_abbrev.lower(), _key)
    _WORD_MUSCLE.setdefault(_full.replace(" ", "").lower(), _key)
    _WORD_MUSCLE.setdefault(_key.replace("_", ""), _key)
for _key in OTHER_MUSCLES:
    _WORD_MUSCLE.setdefault(_key.replace("_", ""), _key)

#: side words in English, German, French, Spanish, Italian and Portuguese
_SIDE_WORDS: dict[str, str] = {
    **dict.fromkeys(("l", "lt", "lft", "left", "li", "lks", "links", "g", "gauche", "izq", "izquierdo", "izquierda",
                     "i", "sx", "sin", "sinistro", "sinistra", "esq", "esquerdo", "esquerda"), "left"),
    **dict.fromkeys(("r", "rt", "rgt", "right", "re", "rechts", "d", "droit", "droite", "der", "derecho", "derecha",
                     "dx", "dex", "destro", "destra", "dir", "direito", "direita"), "right"),
}
#: side letters that may be glued to a muscle abbreviation (LGMED, GMedR)
_GLUED_SIDES = {"l": "left", "r": "right"}
#: words that say nothing about the muscle (vendor decorations); "emg" marks the channel as EMG
_NOISE = {"voltage", "analog", "analogue", "emg", "sensor", "channel", "ch", "raw", "m", "musc", "muscle", "muscolo",
          "musculus", "mv", "uv", "v", "im", "surface", "semg", "side", "lato", "cote", "seite", "lado"}
_MAX_SPAN = 4


@dataclass(frozen=True)
class ChannelMatch:
    """What :func:`recognize_channel` made of a label.

    Attributes
    ----------
    label : str
        The label as given.
    muscle : str or None
        Muscle key (``"gluteus_medius"``, ``"tensor_fasciae_latae"``, ...), None if unknown.
    side : str or None
        ``"left"``, ``"right"`` or None.
    is_emg : bool
        A muscle was recognised or the label mentions EMG.
    reason : str
        Why, in words (shown by ``emgforce info``).
    """

    label: str
    muscle: str | None
    side: str | None
    is_emg: bool
    reason: str


def _words(label: str) -> list[str]:
    """Lower-case words of a label: split at non-letters, digits and lower-to-upper changes."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", text)]


def side_word(word: str) -> str | None:
    """``"left"``/``"right"`` for a side word in any of the known languages (``L``, ``Rt``, ``gauche``, ``dx``), else None."""
    return _SIDE_WORDS.get(word.strip().lower())


def muscle_key(text: str) -> str | None:
    """Muscle key for a muscle name or abbreviation (``"GM"``, ``"gmed"``, ``"gluteus medius"``), else None."""
    return _WORD_MUSCLE.get("".join(w for w in _words(text) if not w.isdigit()))


def _muscle_name(key: str) -> str:
    return MUSCLES[key][1] if key in MUSCLES else OTHER_MUSCLES.get(key, key.replace("_", " "))


def recognize_channel(label: str) -> ChannelMatch:
    """Muscle, side and EMG-ness of a channel label, with the reason.

    Words are split at non-letters, digits and lower-to-upper case changes
    (``LeftGMed`` -> left, g, med), accents are dropped, vendor decorations
    (``Voltage.``, ``: EMG 3``, ``Sensor 3``) are ignored; a muscle may span up
    to four words (``M. glutaeus medius``) and may carry a glued side letter
    (``LGMED``, ``GMedR``). Two different muscles, or two sides, leave that
    field None and say so.

    Examples
    --------
    >>> m = recognize_channel("LT GLUT. MED.")
    >>> m.muscle, m.side
    ('gluteus_medius', 'left')
    >>> recognize_channel("Sensor 3.EMG3").muscle is None
    True
    >>> recognize_channel("Sensor 3.EMG3").is_emg
    True
    """
    words = [w for w in _words(label) if not w.isdigit()]
    mentions_emg = "emg" in words or "semg" in words
    words = [w for w in words if w not in _NOISE]
    used = [False] * len(words)
    muscles: dict[str, str] = {}  # key -> words it came from
    sides: dict[str, str] = {}  # side -> word it came from
    for span in range(min(_MAX_SPAN, len(words)), 0, -1):
        for i in range(len(words) - span + 1):
            if any(used[i : i + span]):
                continue
            joined = "".join(words[i : i + span])
            candidates = [(joined, None)]
            if len(joined) > 2 and joined[0] in _GLUED_SIDES:
                candidates.append((joined[1:], joined[0]))
            if len(joined) > 2 and joined[-1] in _GLUED_SIDES:
                candidates.append((joined[:-1], joined[-1]))
            for stem, glued in candidates:
                key = _WORD_MUSCLE.get(stem)
                if key is None:
                    continue
                muscles.setdefault(key, " ".join(words[i : i + span]))
                if glued:
                    sides.setdefault(_GLUED_SIDES[glued], f"{glued.upper()} glued to {stem.upper()}")
                used[i : i + span] = [True] * span
                break
    for i, w in enumerate(words):
        if not used[i] and w in _SIDE_WORDS:
            sides.setdefault(_SIDE_WORDS[w], repr(w))
    reasons = []
    muscle = None
    if len(muscles) == 1:
        muscle, source = next(iter(muscles.items()))
        reasons.append(f"muscle {_muscle_name(muscle)} from {source!r}")
    elif muscles:
        reasons.append(f"ambiguous: names {' and '.join(_muscle_name(k) for k in muscles)}; muscle left unknown")
    else:
        reasons.append("no muscle name recognised")
    side = None
    if len(sides) == 1:
        side, source = next(iter(sides.items()))
        reasons.append(f"side {side} from {source}")
    elif sides:
        reasons.append("both sides named; side left unknown")
    else:
        reasons.append("no side")
    is_emg = muscle is not None or mentions_emg or bool(muscles)
    if muscle is None and mentions_emg:
        reasons.append("'EMG' in the label: EMG of unknown muscle")
    return ChannelMatch(label, muscle, side, is_emg, "; ".join(reasons))


def channel_tags(channel: Any) -> tuple[str | None, str | None]:
    """(muscle, side) of a channel: its own tags when it has a muscle, else what its label is recognised as."""
    if channel.muscle:
        return channel.muscle, channel.side
    match = recognize_channel(channel.name)
    return (match.muscle, match.side) if match.muscle else (None, channel.side)


# --- user channel maps ------------------------------------------------------------------


def _map_entry(label: str, value: Any, where: str) -> tuple[str | None, str | None]:
    """``(muscle, side)`` of one map entry: ``"muscle:side"``, ``"muscle"`` or ``{"muscle":..., "side":...}``."""
    if isinstance(value, str):
        muscle_text, _, side_text = value.partition(":")
    elif isinstance(value, Mapping):
        muscle_text, side_text = str(value.get("muscle") or ""), str(value.get("side") or "")
    else:
        raise ValueError(f"{where}: channel {label!r} must map to 'muscle:side' or a table with muscle and side")
    muscle = None
    if muscle_text.strip():
        muscle = muscle_key(muscle_text) or (muscle_text.strip() if muscle_text.strip() in _MUSCLE_WORDS else None)
        if muscle is None:
            raise ValueError(
                f"{where}: unknown muscle {muscle_text.strip()!r} for channel {label!r}; use a key such as "
                f"{', '.join(sorted(MUSCLES))} or an abbreviation such as GM, TFL, GMAX"
            )
    side = None
    if side_text.strip():
        side = _SIDE_WORDS.get(side_text.strip().lower())
        if side is None:
            raise ValueError(f"{where}: side {side_text.strip()!r} of channel {label!r} must be left/right (L/R)")
    return muscle, side


def parse_channel_map(items: Mapping[str, Any] | list[str] | tuple[str, ...], where: str = "--channel") -> dict[str, tuple[str | None, str | None]]:
    """Channel map from ``LABEL=muscle:side`` strings or a ``{label: value}`` mapping.

    Examples
    --------
    >>> parse_channel_map(["EMG1=GM:L", "EMG2=gluteus_medius:right"])
    {'EMG1': ('gluteus_medius', 'left'), 'EMG2': ('gluteus_medius', 'right')}
    """
    if isinstance(items, Mapping):
        return {str(k): _map_entry(str(k), v, where) for k, v in items.items()}
    out = {}
    for item in items:
        label, eq, value = item.rpartition("=")
        if not eq or not label.strip():
            raise ValueError(f"{where}: {item!r} is not LABEL=muscle:side (e.g. 'EMG1=gluteus_medius:left')")
        out[label.strip()] = _map_entry(label.strip(), value, where)
    return out


def load_channel_map(path: str | Path) -> dict[str, tuple[str | None, str | None]]:
    """Read a channel map file: JSON or TOML, ``{label: "muscle:side"}`` or ``{label: {muscle, side}}``.

    A TOML file may put the entries under a ``[channels]`` table.
    """
    from emgforce._tables import read_table_file

    path = Path(path)
    data = read_table_file(path)
    if isinstance(data, Mapping) and isinstance(data.get("channels"), Mapping):
        data = data["channels"]
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: a channel map is a table of label -> 'muscle:side'")
    return parse_channel_map(data, where=str(path))


def apply_channel_map(rec: Any, mapping: Mapping[str, tuple[str | None, str | None]]) -> list[str]:
    """Set muscle and side of the mapped channels of a recording in place; returns what changed.

    A mapped channel becomes kind ``emg``; one that sat in another stream with
    the EMG stream's rate and length moves into the ``emg`` stream. Labels not
    in the recording raise ``KeyError`` naming the labels it has.
    """
    from emgforce.io.recording import StreamData

    names = {c.name for s in rec.streams.values() for c in s.channels}
    missing = sorted(set(mapping) - names)
    if missing:
        raise KeyError(f"channel map names {missing}, which the recording does not have; it has {sorted(names)}")
    notes = []
    for stream in list(rec.streams.values()):
        channels = list(stream.channels)
        for j, ch in enumerate(channels):
            if ch.name in mapping:
                muscle, side = mapping[ch.name]
                channels[j] = dataclasses.replace(ch, kind="emg", muscle=muscle, side=side)
                notes.append(f"{ch.name}: {muscle or 'unknown muscle'}, {side or 'no side'} (channel map)")
                rec.metadata.setdefault("channel_recognition", {})[ch.name] = "set by the user's channel map"
        stream.channels = tuple(channels)
    emg = rec.streams.get("emg")
    for stream in list(rec.streams.values()):
        if stream is emg or stream.plate:
            continue
        move = [j for j, c in enumerate(stream.channels) if c.name in mapping]
        if not move:
            continue
        if emg is None or (emg.fs_hz, emg.n_samples) != (stream.fs_hz, stream.n_samples):
            if emg is None and len(move) == stream.n_channels:
                rec.streams.pop(stream.name)
                rec.streams["emg"] = dataclasses.replace(stream, name="emg")
                emg = rec.streams["emg"]
            continue
        keep = [j for j in range(stream.n_channels) if j not in move]
        rec.streams["emg"] = emg = StreamData(
            name="emg", fs_hz=emg.fs_hz, channels=emg.channels + tuple(stream.channels[j] for j in move),
            data=np.column_stack([emg.data, stream.data[:, move]]), gaps=emg.gaps, clock=emg.clock,
            start_time=emg.start_time, actual_fs_hz=emg.actual_fs_hz,
        )
        if keep:
            rec.streams[stream.name] = dataclasses.replace(
                stream, channels=tuple(stream.channels[j] for j in keep), data=stream.data[:, keep]
            )
        else:
            rec.streams.pop(stream.name)
    return notes

