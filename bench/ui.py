"""The terminal UI: key press to screen, bytes written while the demo plays, first paint.

- key to screen: the demo song in a TrackerApp run by Textual's Pilot (headless) at each
  size, edit mode on, cursor and note keys pressed one at a time with the app idle in
  between, as between keystrokes. A press is timed from just before `pilot.press(key)`
  posts the Key event to the end of the first screen update whose render included grid
  lines drawn after the key took effect (the probe stamps it; Pilot's own waits after the
  press do not count). That takes in the key's handling, the edit through the Session,
  Textual's frame pacing (an update timer, 60 frames a second at most), the compositor's
  render and the update encoded as terminal bytes (headless Textual skips that step; the
  probe does it). A note key also plays its note, so the grid's meters move, as they do
  for a user. Not included: the terminal's input parsing and the write to the terminal.
- bytes per second: `tracker --device null` (the demo) in a pseudo-terminal of each size
  (TERM=xterm-256color, COLORTERM=truecolor), F5 pressed, everything it writes counted
  after the first second. Follow mode is on by default: the grid scrolls with the play row.
- first paint: from spawning `tracker` in a pseudo-terminal until its output holds the
  pattern grid's header ("P00"); Python's start-up and imports are part of it. Best of 3.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np

from bench.figures import Figure
from tracker.demo import demo_song
from tracker.io.project import Project
from tracker.session import Session

# Nothing of textual is imported before tracker.ui: it sets Textual's frame rate, read when
# textual is first imported, and the figures must be those of the app as users run it.
from tracker.ui.app import TrackerApp

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.screen import Screen
    from textual.strip import Strip

SIZES = ((200, 60), (80, 24))  # (columns, lines)
PRESSES = 200
# Every key moves the cursor, so every press redraws the grid: notes write and step down.
PRESS_KEYS = ("z", "down", "x", "right", "left", "c", "up", "v", "down", "b")
PAINT_TIMEOUT_S = 2.0
TARGET_KEY_P99_MS = 16.0  # one frame at 60 Hz

PLAY_S = 10.0  # counted after the first second of playing
SETTLE_S = 1.0  # the first second after F5 is not counted: the view jumps, the bar changes
TARGET_KIB_PER_S = {(200, 60): 64.0}  # 80x24 is for information
LAUNCHES = 3
TARGET_FIRST_PAINT_S = 1.0
START_TIMEOUT_S = 20.0
QUIT_TIMEOUT_S = 5.0

F5 = b"\x1b[15~"
CTRL_Q = b"\x11"
GRID_HEADER = b"P00"  # the pattern grid's first header cell
UNSAVED_PROMPT = b"unsaved changes"
DISCARD = b"d"
# What a user's terminal says of itself; truecolor costs the most bytes per colour.
TERMINAL_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}


# ---- key press to screen ----------------------------------------------------------------


class _PaintProbe:
    """Times the first screen update, after `arm`, that includes grid lines drawn after the
    key changed the cursor or the song.

    Lines drawn before that do not count: the 30 Hz poll redraws the grid for its meters
    while a jammed note sounds, and such a frame may come between the press and its handling.
    """

    def __init__(self, app: TrackerApp) -> None:
        self._app = app
        self._armed = False
        self._cursor_before = app.editor.cursor
        self._song_before = app.session.song
        self._grid_drawn = False
        self._painted = asyncio.Event()
        self.painted_at_s = 0.0
        render_line = app.grid.render_line
        display = app._display

        def traced_render_line(y: int) -> Strip:
            if self._armed and not self._grid_drawn and self._changed():
                self._grid_drawn = True
            return render_line(y)

        # Private, but the one place a screen update is whole: Textual 8.2's compositor output.
        from textual._compositor import CompositorUpdate

        def timed_display(screen: Screen[object], renderable: RenderableType | None) -> None:
            display(screen, renderable)
            if isinstance(renderable, CompositorUpdate) and app.is_headless:
                # A terminal's app encodes the update into escape sequences: do it too.
                renderable.render_segments(app.console)
            if self._armed and self._grid_drawn:
                self.painted_at_s = time.perf_counter()
                self._armed = False
                self._painted.set()

        # Instance attributes shadow the methods: Textual calls both through the instance.
        app.grid.render_line = traced_render_line  # type: ignore[method-assign]
        app._display = timed_display  # type: ignore[method-assign]

    def _changed(self) -> bool:
        # By identity for the song: an edit makes a new one, and comparing songs takes long.
        app = self._app
        return app.editor.cursor != self._cursor_before or app.session.song is not self._song_before

    def arm(self) -> None:
        self._armed = True
        self._cursor_before = self._app.editor.cursor
        self._song_before = self._app.session.song
        self._grid_drawn = False
        self._painted.clear()

    async def wait(self, key: str) -> float:
        try:
            await asyncio.wait_for(self._painted.wait(), PAINT_TIMEOUT_S)
        except TimeoutError:
            raise RuntimeError(f"the pattern grid was not redrawn after {key!r}") from None
        return self.painted_at_s


async def _key_latencies_s(size: tuple[int, int], presses: int) -> list[float]:
    session = Session(Project(song=demo_song(), samples={}, path=None))
    app = TrackerApp(session, audio_device="null")
    latencies_s = []
    async with app.run_test(size=size) as pilot:
        await pilot.press("space")  # edit mode: note keys write notes
        await pilot.pause()
        if not app.editor.edit_mode:
            raise RuntimeError("space did not turn edit mode on")
        probe = _PaintProbe(app)
        for n in range(presses):
            key = PRESS_KEYS[n % len(PRESS_KEYS)]
            probe.arm()
            start_s = time.perf_counter()
            await pilot.press(key)
            latencies_s.append(await probe.wait(key) - start_s)
            await pilot.pause()  # idle again before the next key, as between keystrokes
    return latencies_s


def key_latencies_s(size: tuple[int, int], presses: int = PRESSES) -> list[float]:
    """Seconds from each key press to the screen update that shows it (see the module doc)."""
    return asyncio.run(_key_latencies_s(size, presses))


def key_figures(size: tuple[int, int], presses: int = PRESSES) -> list[Figure]:
    latencies_ms = np.array(key_latencies_s(size, presses)) * 1000
    columns, lines = size
    median_ms, p99_ms = np.percentile(latencies_ms, [50, 99])
    return [
        Figure(
            f"key_to_screen_median_ms_{columns}x{lines}",
            f"key press to screen, pattern editor {columns}x{lines}, median",
            float(median_ms),
            "ms",
            higher_is_better=False,
        ),
        Figure(
            f"key_to_screen_p99_ms_{columns}x{lines}",
            f"  p99 of {len(latencies_ms)} presses",
            float(p99_ms),
            "ms",
            target=TARGET_KEY_P99_MS,
            higher_is_better=False,
        ),
    ]


# ---- tracker in a pseudo-terminal -------------------------------------------------------


def tracker_command() -> list[str]:
    """The `tracker` script beside this Python (what a user runs), else its module."""
    script = Path(sys.executable).with_name("tracker")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "tracker.cli"]


class Terminal:
    """`tracker` running in a pseudo-terminal of a given size; its output read as it comes.

    The output is always drained while waiting: a full pty would block the app's writes.
    """

    def __init__(self, size: tuple[int, int], args: Sequence[str] = ("--device", "null")) -> None:
        columns, lines = size
        env = {**os.environ, **TERMINAL_ENV}
        # shutil.get_terminal_size() prefers these to the pty's size.
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        self._master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.started_s = time.perf_counter()
        try:
            self.process = subprocess.Popen(
                [*tracker_command(), *args],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                start_new_session=True,
            )
        except OSError:
            os.close(self._master)
            raise
        finally:
            os.close(slave)
        self._tail = b""  # the last bytes read, to find text split across reads

    def __enter__(self) -> Terminal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        os.write(self._master, data)

    def _read(self, until_s: float, on_chunk: Callable[[bytes], bool]) -> bool:
        """Read until `on_chunk` returns True or the clock reaches `until_s`; False when the
        time ran out or the app closed the terminal."""
        while (left_s := until_s - time.perf_counter()) > 0:
            ready, _, _ = select.select([self._master], [], [], left_s)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: every slave descriptor is closed, the app is gone
                return False
            if not chunk:
                return False
            if on_chunk(chunk):
                return True
        return False

    def wait_for(self, text: bytes, timeout_s: float = START_TIMEOUT_S) -> float:
        """The perf_counter time at which `text` was read; RuntimeError if it never was."""
        found_s = 0.0

        def seen(chunk: bytes) -> bool:
            nonlocal found_s
            window = self._tail + chunk
            self._tail = window[-len(text) :]
            if text in window:
                found_s = time.perf_counter()
                return True
            return False

        if not self._read(time.perf_counter() + timeout_s, seen):
            raise RuntimeError(f"tracker did not draw {text!r} within {timeout_s:g} s")
        return found_s

    def count_bytes(self, seconds: float) -> tuple[int, float]:
        """Bytes written in the next `seconds`, and the seconds actually counted."""
        total = 0

        def count(chunk: bytes) -> bool:
            nonlocal total
            total += len(chunk)
            return False

        start_s = time.perf_counter()
        self._read(start_s + seconds, count)
        return total, time.perf_counter() - start_s

    def close(self) -> None:
        """Quit with ctrl+q (discarding changes if asked), kill after QUIT_TIMEOUT_S."""
        try:
            if self.process.poll() is None:
                self.send(CTRL_Q)
                try:
                    self.wait_for(UNSAVED_PROMPT, QUIT_TIMEOUT_S)
                    self.send(DISCARD)
                except RuntimeError:
                    pass  # no prompt: the app quit (or hangs; killed below)
                self._read(time.perf_counter() + QUIT_TIMEOUT_S, lambda _: False)
            try:
                self.process.wait(timeout=QUIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        finally:
            os.close(self._master)


def terminal_kib_per_s(size: tuple[int, int], seconds: float = PLAY_S) -> float:
    """KiB a second that `tracker` writes to its terminal while the demo plays."""
    with Terminal(size) as terminal:
        terminal.wait_for(GRID_HEADER)
        terminal.count_bytes(SETTLE_S)  # the start-up's last frames
        terminal.send(F5)
        terminal.count_bytes(SETTLE_S)
        written, counted_s = terminal.count_bytes(seconds)
    return written / 1024 / counted_s


def first_paint_s(size: tuple[int, int] = (80, 24)) -> float:
    """Seconds from spawning `tracker` (the demo) until the pattern grid is on its terminal."""
    with Terminal(size) as terminal:
        return terminal.wait_for(GRID_HEADER) - terminal.started_s


# ---- the figures ------------------------------------------------------------------------


def ui_figures(
    *, presses: int = PRESSES, play_s: float = PLAY_S, launches: int = LAUNCHES
) -> list[Figure]:
    figures = []
    for size in SIZES:
        figures += key_figures(size, presses)
    for size in SIZES:
        columns, lines = size
        figures.append(
            Figure(
                f"terminal_kib_per_s_{columns}x{lines}",
                f"terminal output, demo playing, follow on, {columns}x{lines}",
                terminal_kib_per_s(size, play_s),
                "KiB/s",
                target=TARGET_KIB_PER_S.get(size),
                higher_is_better=False,
            )
        )
    figures.append(
        Figure(
            "first_paint_s",
            f"`tracker` start to first paint (demo, 80x24), best of {launches}",
            min(first_paint_s() for _ in range(launches)),
            "s",
            target=TARGET_FIRST_PAINT_S,
            higher_is_better=False,
        )
    )
    return figures
