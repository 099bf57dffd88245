"""The only package that talks to the compiled kernel: compile songs, send commands, render."""

from tracker.engine.compile import CompiledSong, compile_song
from tracker.engine.kernel import (
    FaultDetected,
    Kernel,
    KernelEvent,
    LevelsMeasured,
    RowReached,
    SongEnded,
    Stopped,
)
from tracker.engine.render import Rendered, render_song

__all__ = [
    "CompiledSong",
    "FaultDetected",
    "Kernel",
    "KernelEvent",
    "LevelsMeasured",
    "Rendered",
    "RowReached",
    "SongEnded",
    "Stopped",
    "compile_song",
    "render_song",
]
