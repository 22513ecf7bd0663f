"""World landmarks in nine languages and a forgiving place matcher."""

from generators.landmarks.catalogue import Catalogue, Landmark, PlaceMatch, lang_code, solar_elevation
from generators.landmarks.matcher import normalise

__all__ = ["Catalogue", "Landmark", "PlaceMatch", "lang_code", "normalise", "solar_elevation"]
