"""Findings about a model or a job: level, stable code, human message and numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One observation; ``code`` is stable, ``message`` is already translated."""

    level: str
    code: str
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    """An ordered list of findings."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, level: str, code: str, message: str, **numbers: Any) -> None:
        """Append a finding."""
        self.findings.append(Finding(level, code, message, numbers))

    def extend(self, other: Report) -> None:
        """Append all findings of ``other``."""
        self.findings.extend(other.findings)

    @property
    def has_errors(self) -> bool:
        """True when any finding is an error."""
        return any(f.level == ERROR for f in self.findings)

    def codes(self) -> list[str]:
        """The codes of all findings, in order."""
        return [f.code for f in self.findings]

    def as_list(self) -> list[dict[str, Any]]:
        """The findings as plain data, for JSON answers."""
        return [asdict(f) for f in self.findings]


@dataclass(frozen=True)
class FindingKind:
    """How the findings of one code read together on a page: a summary with their count ({count}), and the
    label of the control that fixes them (catalogue messages)."""

    summary: str
    fix_label: str = ""


KINDS: dict[str, FindingKind] = {}
FIX_OPTION, FIX_VALUE = "fix_option", "fix_value"
MAX_PLACES = 50
SEVERITY = {ERROR: 0, WARNING: 1, INFO: 2}


def finding_kind(code: str, summary: str, fix_label: str = "") -> str:
    """Declare how findings with ``code`` are summed up on a page; returns the code."""
    KINDS[code] = FindingKind(summary, fix_label)
    return code


def grouped(findings: list[dict[str, Any]], translate: Callable[[str], str]) -> list[dict[str, Any]]:
    """The findings grouped by code, errors first: how many, a summary, where (source pixels), the fix
    (an option and its value) where the findings carry one, and the finding's own message (``detail``) where a
    group of one is summed up by its kind."""
    groups: dict[str, dict[str, Any]] = {}
    for finding in findings:
        numbers = finding.get("numbers", {})
        group = groups.setdefault(finding["code"], {"code": finding["code"], "level": finding["level"], "count": 0,
                                                    "message": finding["message"], "places": [], "fix": None})
        group["count"] += numbers.get("more", 1)
        if SEVERITY.get(finding["level"], 2) < SEVERITY.get(group["level"], 2):
            group["level"] = finding["level"]
        if "x_px" in numbers and len(group["places"]) < MAX_PLACES:
            group["places"].append([numbers["x_px"], numbers["y_px"]])
        kind = KINDS.get(finding["code"])
        if group["fix"] is None and FIX_OPTION in numbers and kind is not None and kind.fix_label:
            group["fix"] = {"option": numbers[FIX_OPTION], "value": numbers[FIX_VALUE],
                            "label": translate(kind.fix_label)}
    for group in groups.values():
        kind = KINDS.get(group["code"])
        group["summary"] = translate(kind.summary).format(count=group["count"]) if kind else group["message"]
        group["detail"] = group.pop("message") if kind and group["count"] == 1 else ""
    return sorted(groups.values(), key=lambda g: SEVERITY.get(g["level"], 2))
