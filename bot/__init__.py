"""Avatar Adventures: a persona chatbot that sends your avatar on adventures."""

__version__ = "0.1.0"
