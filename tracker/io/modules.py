"""Tracker modules from other programs, by what the file holds: the door to tracker.io.mod,
tracker.io.xm and tracker.io.s3m.

A file is recognised by its content first (an XM or S3M signature), then by its suffix; what
is neither goes to the MOD loader, which has the last word on whether it is a module (MODs
carry no signature at the start, and Amiga files are often named ``mod.title``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from tracker.io.mod import MAX_MODULE_BYTES, ModuleError, load_mod
from tracker.io.project import Project
from tracker.io.s3m import load_s3m
from tracker.io.xm import load_xm

SUFFIXES: Final = (".mod", ".xm", ".s3m")
"""File name endings the command line imports as modules."""

_XM_SIGNATURE: Final = b"Extended Module: "
_S3M_SIGNATURE: Final = b"SCRM"
_S3M_SIGNATURE_AT: Final = 44


def module_kind(data: bytes, suffix: str) -> str:
    """ "XM", "S3M" or "MOD": by the file's signature, else by its suffix (".xm"), else MOD."""
    if data.startswith(_XM_SIGNATURE):
        return "XM"
    if data[_S3M_SIGNATURE_AT : _S3M_SIGNATURE_AT + 4] == _S3M_SIGNATURE:
        return "S3M"
    return {".xm": "XM", ".s3m": "S3M"}.get(suffix.lower(), "MOD")


def load_module(path: str | os.PathLike[str]) -> Project:
    """A new project from a module file; ModuleError (one line, naming the file) otherwise.

    Reads at most MAX_MODULE_BYTES + 1 bytes, so a huge file is refused without reading it
    all. The project's path is None: it has not been saved as a project yet.
    """
    source = Path(path)
    label = source.name
    try:
        with source.open("rb") as file:
            data = file.read(MAX_MODULE_BYTES + 1)
    except OSError as error:
        raise ModuleError(f"{label}: cannot read: {error.strerror or error}") from None
    kind = module_kind(data, source.suffix)
    if kind == "XM":
        return load_xm(data, label)
    if kind == "S3M":
        return load_s3m(data, label)
    return load_mod(data, label)
