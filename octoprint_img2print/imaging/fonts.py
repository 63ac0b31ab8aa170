"""Finding the font file for a CSS font request among the installed fonts, falling back to the shipped DejaVu fonts."""

from __future__ import annotations

import functools
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FONT_FOLDERS: tuple[str, ...] = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")
SHIPPED_FOLDER = Path(__file__).resolve().parent.parent / "fonts"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
MAX_FONT_FILES = 5000  # files read per scan of the folders
MAX_FACES = 256  # faces read from one collection (.ttc)
GENERIC = {
    "sans-serif": "DejaVu Sans",
    "serif": "DejaVu Serif",
    "monospace": "DejaVu Sans Mono",
    "cursive": "DejaVu Sans",
    "fantasy": "DejaVu Sans",
    "system-ui": "DejaVu Sans",
}
DEFAULT_FAMILY = "DejaVu Sans"
NORMAL_WIDTH = 5  # usWidthClass of a face neither condensed nor expanded


@dataclass(frozen=True)
class Font:
    """One face of a font file; ``index`` is the face's number in a collection (.ttc), 0 otherwise."""

    path: Path
    index: int
    family: str
    weight: int
    italic: bool


@dataclass(frozen=True)
class _Face:
    font: Font
    width: int


def _faces_in(path: Path) -> int:
    """How many faces the file holds: the count of a collection's header, 1 for a single font."""
    if not path.is_file():
        raise ValueError("not a regular file")  # a pipe or a device would block
    with path.open("rb") as file:
        header = file.read(12)
    if header[:4] != b"ttcf":
        return 1
    if len(header) < 12:
        raise ValueError("truncated font collection")
    count = struct.unpack(">I", header[8:12])[0]
    if not 0 < count <= MAX_FACES:
        raise ValueError("implausible font collection")
    return count


def _family_names(table) -> list[str]:
    """Every distinct spelling (platforms, languages) of the family: the typographic name (16), then the legacy (1)."""
    found: dict[str, str] = {}
    for name_id in (16, 1):
        for record in table.names:
            if record.nameID != name_id:
                continue
            try:
                text = record.toUnicode().strip()
            except (UnicodeDecodeError, LookupError):
                continue
            if text:
                found.setdefault(text.lower(), text)
    return list(found.values())


def _read_face(path: Path, index: int) -> tuple[list[str], int, bool, int] | None:
    """The family names, weight, italic and width class of one font in a file; None for a font without outlines."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True, fontNumber=index) as font:
        if not any(tag in font for tag in ("glyf", "CFF ", "CFF2")):
            return None  # bitmap-only (colour emoji): nothing to outline
        names = _family_names(font["name"])
        mac_style = font["head"].macStyle
        weight, width, italic = (700 if mac_style & 1 else 400), NORMAL_WIDTH, bool(mac_style & 2)
        if "OS/2" in font:
            os2 = font["OS/2"]
            weight = min(max(int(os2.usWeightClass), 1), 1000)
            width = int(os2.usWidthClass)
            italic = italic or bool(os2.fsSelection & 0x201)  # ITALIC or OBLIQUE
        return names, weight, italic, width


def _font_files(folders: Sequence[str]) -> list[Path]:
    """The font files under the folders, in a stable order, at most MAX_FONT_FILES of them."""
    files: list[Path] = []
    for folder in folders:
        top = os.path.expanduser(folder)
        for root, directories, names in os.walk(top):
            directories.sort()
            for name in sorted(names):
                if name.lower().endswith(FONT_SUFFIXES):
                    files.append(Path(root) / name)
                    if len(files) >= MAX_FONT_FILES:
                        return files
    return files


@functools.lru_cache(maxsize=8)
def _index(folders: tuple[str, ...]) -> dict[str, tuple[_Face, ...]]:
    """The faces of every font under the folders by lower-case family name, read once per process."""
    index: dict[str, list[_Face]] = {}
    for path in _font_files(folders):
        try:
            read = [_read_face(path, number) for number in range(_faces_in(path))]
        except Exception:  # a broken or hostile font file is skipped, whatever fontTools raised
            continue
        for number, face in enumerate(read):
            if face is None:
                continue
            names, weight, italic, width = face
            for name in names:
                index.setdefault(name.lower(), []).append(_Face(Font(path, number, name, weight, italic), width))
    return {name: tuple(faces) for name, faces in index.items()}


def _weight_rank(wanted: int, weight: int) -> tuple[int, int]:
    """CSS Fonts 4 weight matching: a smaller rank is a better face for the wanted weight."""
    if 400 <= wanted <= 500:
        if wanted <= weight <= 500:
            return 0, weight - wanted
        return (1, wanted - weight) if weight < wanted else (2, weight - wanted)
    if wanted < 400:
        return (0, wanted - weight) if weight <= wanted else (1, weight - wanted)
    return (0, weight - wanted) if weight >= wanted else (1, wanted - weight)


def _best(faces: Sequence[_Face], weight: int, italic: bool) -> Font:
    """CSS matching within a family: normal width first (narrower before wider), then the style, then the weight."""

    def rank(face: _Face) -> tuple:
        width = (0, NORMAL_WIDTH - face.width) if face.width <= NORMAL_WIDTH else (1, face.width - NORMAL_WIDTH)
        return width, face.font.italic != italic, _weight_rank(weight, face.font.weight)

    return min(faces, key=rank).font


def find_font(families: Sequence[str], weight: int = 400, italic: bool = False) -> Font:
    """The face for a CSS font-family list (split, unquoted): the first installed family wins, generic families
    map to DejaVu, and an unknown list falls back to DejaVu Sans (the shipped copy when it is not installed)."""
    installed = _index(tuple(FONT_FOLDERS))
    shipped = _index((str(SHIPPED_FOLDER),))
    for family in [*families, DEFAULT_FAMILY]:
        name = family.strip()
        key = GENERIC.get(name.lower(), name).lower()
        faces = installed.get(key) or shipped.get(key)
        if faces:
            return _best(faces, weight, italic)
    raise OSError(f"the shipped fonts are missing from {SHIPPED_FOLDER}")
