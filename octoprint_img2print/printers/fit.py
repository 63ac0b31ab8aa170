"""Does a model fit the printer: the bed (rectangular or round) with room for skirt or brim, and the height."""

from __future__ import annotations

import math

import numpy as np

from ..errors import DoesNotFit
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..report import INFO, Report, finding_kind
from .profile import CIRCULAR, PrinterProfile

DOES_NOT_FIT = finding_kind("does_not_fit", N_("Too big for this printer."), N_("Make it fit"))
QUARTER_TURN = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def _footprint_fits(mesh: Mesh, printer: PrinterProfile, margin: float) -> bool:
    size = mesh.size()
    if printer.bed_shape == CIRCULAR:
        xy = mesh.vertices[:, :2].astype(np.float64)
        centre = (xy.max(axis=0) + xy.min(axis=0)) / 2
        return float(np.hypot(*(xy - centre).T).max()) + margin <= printer.width / 2
    return size[0] + 2 * margin <= printer.width and size[1] + 2 * margin <= printer.depth


def _fits(mesh: Mesh, printer: PrinterProfile, margin: float) -> bool:
    return _footprint_fits(mesh, printer, margin) and mesh.size()[2] <= printer.max_height


def _largest_scale(mesh: Mesh, printer: PrinterProfile, margin: float) -> float:
    size = mesh.size()
    if printer.bed_shape == CIRCULAR:
        radius = math.hypot(size[0], size[1]) / 2
        across = (printer.width / 2 - margin) / radius
    else:
        across = min((printer.width - 2 * margin) / size[0], (printer.depth - 2 * margin) / size[1])
    return min(across, printer.max_height / size[2]) * 0.999


def fit_to_printer(mesh: Mesh, printer: PrinterProfile, margin: float, scale_to_fit: bool) -> tuple[Mesh, Report]:
    """The mesh as it will be placed (turned a quarter or scaled only if that makes it fit), or DoesNotFit."""
    report = Report()
    if _fits(mesh, printer, margin):
        return mesh, report
    quarter = Mesh(mesh.vertices @ QUARTER_TURN.T.astype(np.float32), mesh.faces).on_bed()
    if _fits(quarter, printer, margin):
        report.add(INFO, "turned_to_fit", _("Turned a quarter turn on the bed so that it fits."))
        return quarter, report
    if scale_to_fit:
        factor = _largest_scale(mesh, printer, margin)
        scaled = Mesh(mesh.vertices * np.float32(factor), mesh.faces).on_bed()
        report.add(INFO, "scaled_to_fit", _("Scaled to {percent:.1f} % so that it fits the {printer}.")
                   .format(percent=factor * 100, printer=printer.name), factor=round(factor, 5))
        return scaled, report
    size = mesh.size()
    bed = _("round {diameter:g} mm").format(diameter=printer.width) if printer.bed_shape == CIRCULAR \
        else _("{width:g} x {depth:g} mm").format(width=printer.width, depth=printer.depth)
    raise DoesNotFit(DOES_NOT_FIT,
                     _("The model is {x:.1f} x {y:.1f} x {z:.1f} mm; the {printer} prints on a {bed} bed up to "
                       "{height:g} mm high, and skirt or brim need {margin:g} mm around it. Make it smaller or use "
                       "--scale-to-fit.").format(x=size[0], y=size[1], z=size[2], printer=printer.name, bed=bed,
                                                 height=printer.max_height, margin=margin),
                     size_mm=[round(float(v), 2) for v in size], printer=printer.id,
                     bed_mm=[printer.width, printer.depth, printer.max_height],
                     largest_scale=round(_largest_scale(mesh, printer, margin), 4))
