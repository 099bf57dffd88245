"""Project files and the sample store."""

from tracker.io.errors import ProjectError, SampleError
from tracker.io.project import (
    MAX_PROJECT_BYTES,
    MIGRATIONS,
    Project,
    dumps_song,
    load_project,
    loads_song,
    migrate,
    save_project,
)
from tracker.io.samples import SampleAudio, import_sample, sample_hash, samples_folder

__all__ = [
    "MAX_PROJECT_BYTES",
    "MIGRATIONS",
    "Project",
    "ProjectError",
    "SampleAudio",
    "SampleError",
    "dumps_song",
    "import_sample",
    "load_project",
    "loads_song",
    "migrate",
    "sample_hash",
    "samples_folder",
    "save_project",
]
