"""kgp-tui: a terminal client for the KPainter content-generation API (KGP v1)."""

__version__ = "0.1.0"
