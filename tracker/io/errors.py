"""Errors raised by project and sample I/O. Messages are one line and say which file."""

from __future__ import annotations


class ProjectError(Exception):
    """A project could not be read or written, e.g.
    ``song.json: patterns[2].rows[5]: track 0: bad note 'H-4'``."""


class SampleError(ProjectError):
    """A sample could not be read, written or verified."""
