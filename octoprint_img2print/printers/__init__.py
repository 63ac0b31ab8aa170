"""Printers: the profile type (from YAML or from OctoPrint's printer profiles) and whether a model fits."""
