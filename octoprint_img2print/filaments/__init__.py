"""Filaments: the library of spools, and what they look like printed."""
