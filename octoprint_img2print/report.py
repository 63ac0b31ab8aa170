"""Findings about a model or a job: level, stable code, human message and numbers."""

from __future__ import annotations

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
