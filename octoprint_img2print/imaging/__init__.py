"""Pixels: loading every image format users send, and preparing them for a mode."""
