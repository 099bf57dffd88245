"""A measured figure and the target it is held to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Figure:
    key: str  # stable name for JSON, CSV and comparisons across runs
    label: str
    value: float
    unit: str
    target: float | None = None  # None: reported for information only
    higher_is_better: bool = True
    reference: float | None = None  # what the hardware allows; shown, never judged

    @property
    def met(self) -> bool | None:
        """Whether the value reaches the target; None when there is no target."""
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def describe_target(self) -> str:
        if self.target is not None:
            return f"{'>=' if self.higher_is_better else '<='} {self.target:g} {self.unit}"
        if self.reference is not None:
            return f"~{self.reference:g} {self.unit} (hardware)"
        return "(information)"
