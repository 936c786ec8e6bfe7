"""Reusable widgets of kgp-tui."""
