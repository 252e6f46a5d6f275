"""The force-plate description, :class:`emgforce.plates.Plate` (part of the stream contract), under its analysis name."""

from emgforce.plates import KISTLER_TYPES, PLATE_CHANNELS, SIGN_CONVENTIONS, Plate

__all__ = ["KISTLER_TYPES", "PLATE_CHANNELS", "SIGN_CONVENTIONS", "Plate"]
