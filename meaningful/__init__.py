"""Meaningful: personal outcomes recording, planning and safe reporting."""

__version__ = "0.1.0"
