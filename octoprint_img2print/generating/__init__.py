"""Models made by a service from a photo (full 3D), as opposed to built from a picture by a mode."""
