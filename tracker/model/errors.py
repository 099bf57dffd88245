"""One-line descriptions of validation errors, for the status bar and for file errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails


class EditError(ValueError):
    """An edit that cannot be made; the message is one line, fit for the status bar."""


# Discriminated unions put the tag into an error's location ("instruments", 0, "synth", ...);
# a reader knows which kind the instrument is, so the tag is left out of the path.
_UNION_TAGS: Final = frozenset({"synth", "sample"})


def format_location(loc: Iterable[int | str]) -> str:
    """("patterns", 2, "rows", 5) -> "patterns[2].rows[5]"."""
    text = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in _UNION_TAGS and isinstance(previous, int):
            pass
        else:
            text += f".{part}" if text else part
        previous = part
    return text


_TYPE_NAMES: Final = {
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a tuple",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
}


def _describe(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    bounds = {
        "greater_than_equal": ("ge", ">="),
        "greater_than": ("gt", ">"),
        "less_than_equal": ("le", "<="),
        "less_than": ("lt", "<"),
    }
    if kind in bounds:
        key, symbol = bounds[kind]
        return f"must be {symbol} {ctx[key]}, got {_short_repr(error['input'])}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "missing field"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("string_too_long", "string_too_short"):
        return f"must be {_length_bound(kind, ctx)} characters long"
    if kind in ("too_long", "too_short"):
        return f"must have {_length_bound(kind, ctx)} entries"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}, got {_short_repr(error['input'])}"
    if kind in _TYPE_NAMES:
        return f"must be {_TYPE_NAMES[kind]}, got {_short_repr(error['input'])}"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx['pattern']}, got {_short_repr(error['input'])}"
    if kind == "union_tag_invalid":
        return f"kind must be one of {ctx['expected_tags']}, got {ctx['tag']!r}"
    if kind == "union_tag_not_found":
        return f"missing field {ctx['discriminator']}"
    return str(error["msg"])


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _length_bound(kind: str, ctx: Mapping[str, Any]) -> str:
    if kind.endswith("too_long"):
        return f"at most {ctx['max_length']}"
    return f"at least {ctx['min_length']}"


def describe_error(error: ErrorDetails) -> str:
    """One error as "path: what is wrong"; the path is left out for whole-model errors."""
    location = format_location(error["loc"])
    message = _describe(error)
    return f"{location}: {message}" if location else message


def summarize(exc: ValidationError) -> str:
    """The first error in one line, plus "(and N more)" when there are others."""
    errors = exc.errors(include_url=False)
    if not errors:
        return str(exc).splitlines()[0]
    text = describe_error(errors[0])
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more)"
    return " ".join(text.split("\n"))
