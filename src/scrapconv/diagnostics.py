"""What a conversion lost or changed, reported instead of dropped silently."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """`code` names the kind of change (stable, for filtering); `line` is the 1-based source
    line (0 when unknown)."""

    code: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}: {self.message}"
