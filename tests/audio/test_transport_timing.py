"""Transport commands in real time, through PortAudio into JACK: stop, play from a row, mute and a
live note are heard within one block of being pushed, at exactly the frame the engine reports,
and sound exactly as the same command does offline at that frame.

Method: R is the engine's frames_rendered right before the push. The audio thread drains
commands at the start of each callback, so the effect must start in [R, R + one block]; the
slack is how far the stream moved while the command was being pushed (nothing, unless this
thread was preempted). Engine frames map to recording indexes through the song's first sound,
whose engine frame is its first RowReached: row 0 has a note whose first sample is not zero.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

from tests.audio.conftest import PERIOD_FRAMES, RATE, Audio, Recording
from tests.dsp.helpers import A4, CONTROL_FRAMES, FULL, SAMPLE_AUDIO, TICK, dc_sample, make_song
from tests.dsp.helpers import start as start_offline
from tests.jack_rig import JackServer
from tracker.engine import compile_song
from tracker.engine.kernel import Kernel, KernelEvent, RowReached, Stopped
from tracker.engine.playback import Playback
from tracker.model import Song, Track

BLOCK_FRAMES = PERIOD_FRAMES
"""With blocksize 0, PortAudio calls back once per JACK period."""
ROWS = 16
DECLICK_FRAMES = RATE * 2 // 1000
"""A stop fades the song's voices over 2 ms."""
MIX_RAMP_FRAMES = RATE * 5 // 1000
"""Track mute, volume and pan ramp over 5 ms."""
AFTER_COMMAND_FRAMES = 2 * ROWS * TICK
"""Heard after a command: long enough to pass the pattern's loop back to row 0."""
RECORD_FRAMES = 10 * RATE
"""An upper bound; the recording is stopped as soon as enough was heard."""
WAIT_S = 5.0


def row_level(row: int) -> float:
    """Track 0's level on a row: its volume column (4, 8, ..., 64 of 64) times FULL."""
    return 4 * (row + 1) / 64 * FULL


def steps_song(held_right: bool) -> Song:
    """Track 0, hard left: a DC note on every row, one level per row (a row is one tick, 20 ms).
    Track 1, hard right: a DC note held from row 0 (held_right) or nothing."""
    right = "A-4 02 .. ..." if held_right else "--- .. .. ..."
    rows = [f"A-4 01 {4 * (row + 1):02X} ... | " + (right if row == 0 else "--- .. .. ...")
            for row in range(ROWS)]  # fmt: skip
    song = make_song(rows, [dc_sample(), dc_sample()], speed=1)
    return song.model_copy(update={"tracks": [Track(pan=-1.0), Track(pan=1.0)]})


@dataclass(frozen=True)
class Pushed:
    """A command pushed while the stream ran, and where the stream was at that moment."""

    frames_before: int  # R: frames_rendered right before the push
    frames_after: int  # right after; more than R only if this thread was preempted meanwhile
    now_s: float  # playback.now_s() right before the push

    @property
    def latest_frame(self) -> int:
        """The latest frame the command may take effect: the next callback's first."""
        return self.frames_after + BLOCK_FRAMES


@dataclass
class LiveRun:
    """A song playing in real time into the recorder; its first frame is engine frame `start`."""

    song: Song
    kernel: Kernel
    playback: Playback
    recording: Recording
    events: list[KernelEvent] = field(default_factory=list)
    start: int = 0

    def wait_for(self, match: Callable[[KernelEvent], bool]) -> KernelEvent:
        deadline = time.monotonic() + WAIT_S
        seen = 0
        while time.monotonic() < deadline:
            self.events += self.kernel.events()
            for event in self.events[seen:]:
                if match(event):
                    return event
            seen = len(self.events)
            time.sleep(0.002)
        pytest.fail(f"no such event within {WAIT_S} s; events: {self.events[-5:]}")

    def push(self, command: Callable[[Kernel], None]) -> Pushed:
        now_s = self.playback.now_s()
        before = self.kernel.stats().frames_rendered
        command(self.kernel)
        return Pushed(before, self.kernel.stats().frames_rendered, now_s)

    def hear(self, until_frame: int) -> Audio:
        """Stop recording once the engine has rendered `until_frame`; the recording from the
        song's first frame on, so index i is engine frame start + i."""
        deadline = time.monotonic() + WAIT_S
        while self.kernel.stats().frames_rendered < until_frame and time.monotonic() < deadline:
            time.sleep(0.01)
        heard = self.recording.stop()
        self.events += self.kernel.events()
        left = np.flatnonzero(heard[:, 0])
        assert len(left), "the recording is silent"
        song = heard[left[0] :]
        assert len(song) >= until_frame - self.start, "the recording stopped early"
        return song


def play_live(
    song: Song, open_playback: Callable[..., Playback], record: Callable[..., Recording]
) -> LiveRun:
    """Play `song` on JACK while recording, and return once its row 3 is being heard."""
    kernel = Kernel(RATE)
    kernel.load(compile_song(song, SAMPLE_AUDIO))
    kernel.set_metering(False)
    playback = open_playback(kernel)
    run = LiveRun(song, kernel, playback, record(RECORD_FRAMES))
    kernel.play_song()
    run.start = run.wait_for(lambda e: isinstance(e, RowReached)).frame
    run.wait_for(lambda e: isinstance(e, RowReached) and e.row == 3)
    return run


def offline(
    song: Song, frames: int, at: int = 0, command: Callable[[Kernel], None] | None = None
) -> Audio:
    """The song rendered offline from its first frame, with `command` pushed at frame `at`."""
    run = start_offline(song)
    head = run.render(at)
    if command is not None:
        command(run.kernel)
    return np.concatenate([head, run.render(frames - at)])


def departure(heard: Audio, expected: Audio, channel: int) -> int:
    """The first frame at which a channel of the recording leaves the expected audio."""
    differs = np.flatnonzero(heard[:, channel] != expected[: len(heard), channel])
    assert len(differs), "the command changed nothing"
    return int(differs[0])


def check_lands_within_a_block(
    run: LiveRun,
    pushed: Pushed,
    heard: Audio,
    command: Callable[[Kernel], None],
    channel: int,
) -> int:
    """Where the command's effect starts (frames from the song's start), after checking that it
    starts within a block of the push and that the whole recording is the offline render with
    the command at that frame."""
    at = departure(heard, offline(run.song, len(heard)), channel)
    assert pushed.frames_before <= run.start + at <= pushed.latest_frame
    assert np.array_equal(heard, offline(run.song, len(heard), at, command))
    return at


def test_stop_fades_to_silence_within_a_block(
    open_playback: Callable[..., Playback], record: Callable[..., Recording]
) -> None:
    run = play_live(steps_song(held_right=True), open_playback, record)
    pushed = run.push(Kernel.stop)
    stopped = run.wait_for(lambda e: isinstance(e, Stopped))
    heard = run.hear(stopped.frame + AFTER_COMMAND_FRAMES)

    at = check_lands_within_a_block(run, pushed, heard, Kernel.stop, channel=0)
    assert at == stopped.frame - run.start  # heard where the engine says
    assert heard[at - 1, 0] > 0  # a row's level, up to the stop
    assert not heard[at + DECLICK_FRAMES :].any()


def test_play_from_a_row_starts_that_row_within_a_block(
    open_playback: Callable[..., Playback], record: Callable[..., Recording]
) -> None:
    run = play_live(steps_song(held_right=True), open_playback, record)

    def jump(kernel: Kernel) -> None:
        kernel.play_song(order=0, row=8)

    pushed = run.push(jump)
    first = run.wait_for(lambda e: isinstance(e, RowReached) and e.frame >= pushed.frames_before)
    heard = run.hear(first.frame + AFTER_COMMAND_FRAMES)

    assert (first.order, first.row) == (0, 8)  # no row of the old place in between
    at = check_lands_within_a_block(run, pushed, heard, jump, channel=0)
    assert at == first.frame - run.start
    # row 8's note for the whole row, once the old place's note has faded
    assert np.all(heard[at + DECLICK_FRAMES : at + TICK, 0] == row_level(8))


def test_mute_silences_only_that_track_within_a_block(
    open_playback: Callable[..., Playback], record: Callable[..., Recording]
) -> None:
    run = play_live(steps_song(held_right=True), open_playback, record)

    def mute(kernel: Kernel) -> None:
        kernel.set_track_mute(1, True)

    pushed = run.push(mute)
    heard = run.hear(pushed.latest_frame + AFTER_COMMAND_FRAMES)

    at = check_lands_within_a_block(run, pushed, heard, mute, channel=1)
    assert heard[at - 1, 1] == FULL  # track 1's held note, up to the mute
    assert not heard[at + MIX_RAMP_FRAMES :, 1].any()  # even when row 0 plays it again
    untouched = offline(run.song, len(heard))
    assert np.array_equal(heard[:, 0], untouched[:, 0])  # track 0 plays on


def test_live_note_sounds_within_a_block(
    open_playback: Callable[..., Playback], record: Callable[..., Recording]
) -> None:
    run = play_live(steps_song(held_right=False), open_playback, record)

    def note(kernel: Kernel) -> None:
        kernel.note_on(1, A4, 2, 1.0)

    pushed = run.push(note)
    heard = run.hear(pushed.latest_frame + AFTER_COMMAND_FRAMES)

    at = check_lands_within_a_block(run, pushed, heard, note, channel=1)
    assert not heard[:at, 1].any()
    assert np.all(heard[at + CONTROL_FRAMES :, 1] == FULL)  # held at full velocity
    untouched = offline(run.song, len(heard))
    assert np.array_equal(heard[:, 0], untouched[:, 0])  # the song plays on beside it


def total_latency_frames(server: JackServer, port: str) -> int:
    """JACK's own figure for how long after its cycle a port's output is heard."""
    listing = subprocess.run(
        ["jack_lsp", "-s", server.name, "-L", port], capture_output=True, text=True, timeout=10
    )
    found = re.search(r"total latency = (\d+) frames", listing.stdout)
    assert found, listing.stdout + listing.stderr
    return int(found.group(1))


def test_events_carry_the_stream_time_they_are_heard(
    jack_server: JackServer,
    open_playback: Callable[..., Playback],
    record: Callable[..., Recording],
) -> None:
    run = play_live(steps_song(held_right=True), open_playback, record)
    pushed = run.push(Kernel.stop)
    stopped = run.wait_for(lambda e: isinstance(e, Stopped))
    run.hear(stopped.frame)
    block_s = BLOCK_FRAMES / RATE
    # Not playback.status().latency_s: PortAudio reports one period (5.3 ms) where JACK and
    # PortAudio's own time stamps count two, JACK2's asynchronous mode adding one.
    latency_s = total_latency_frames(jack_server, "tracker:out_0") / RATE

    rows = [e for e in run.events if isinstance(e, RowReached)]
    assert len(rows) >= 4
    for before, after in itertools.pairwise(rows):
        # the stream clock is read once a callback, whenever in its period the callback runs
        assert after.time_s - before.time_s == pytest.approx(
            (after.frame - before.frame) / RATE, abs=block_s
        )
    assert pushed.now_s - block_s <= stopped.time_s <= pushed.now_s + latency_s + 2 * block_s
