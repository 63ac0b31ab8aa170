"""Slicing: intents, the neutral plan, orientation, the PrusaSlicer and CuraEngine backends, G-code checks."""
