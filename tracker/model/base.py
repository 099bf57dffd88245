"""The configuration every model in tracker.model shares."""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

NAME_MAX_CHARS: Final = 256


class StrictModel(BaseModel):
    """Base of all song models.

    Unknown fields, NaN and infinity are rejected, assignments are validated, and values are
    not coerced between types (strict mode: "125" is not a tempo and true is not a volume).
    Nested models may still be given as dicts, which is how project files are read.
    """

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        validate_assignment=True,
        strict=True,
    )

    def __setattr__(self, name: str, value: Any) -> None:
        # pydantic/pydantic#7105: when an after model validator rejects an assignment, pydantic
        # has already stored the new value. Put the old one back so a failed edit changes
        # nothing.
        if name not in type(self).model_fields:
            super().__setattr__(name, value)
            return
        old_value = self.__dict__.get(name)
        old_fields_set = set(self.__pydantic_fields_set__)
        try:
            super().__setattr__(name, value)
        except ValidationError:
            self.__dict__[name] = old_value
            self.__pydantic_fields_set__.intersection_update(old_fields_set)
            raise
