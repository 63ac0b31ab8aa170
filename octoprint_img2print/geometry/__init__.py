"""Triangle meshes: the Mesh type, heightfield meshing, solids, checks, readers and writers."""
