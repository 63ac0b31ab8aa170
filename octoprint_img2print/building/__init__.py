"""What the modes build with: the size every mode asks for, heightfield sheets from pictures, artwork outlines
from SVGs and traced logos, and what a nozzle cannot print."""
