"""What every module loader's tests ask of a bad file: one line, naming what is wrong, fast."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tracker.io.mod import ModuleError

REFUSAL_MAX_S = 1.0


def assert_refused(load: Callable[[bytes], Any], data: bytes, fragment: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ModuleError) as caught:
        load(data)
    message = str(caught.value)
    assert "\n" not in message
    assert fragment in message
    assert time.perf_counter() - started < REFUSAL_MAX_S
