"""Following an external clock through a Session on the silent clock-driven output: start,
continue from a song position, stop, and the tempo taken from pulses sent in real time."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import mido
import pytest

from tracker.clock_in import ClockFollower, TransportFollowed, song_position
from tracker.engine.playback import NULL_DEVICE
from tracker.io.project import Project
from tracker.model import Pattern, Song
from tracker.session import Session


def song(rows: tuple[int, ...] = (64, 32, 16), rows_per_beat: int = 4) -> Song:
    base = Song.new(tracks=2)
    patterns = [Pattern.empty(n, 2) for n in rows]
    return base.model_copy(
        update={
            "patterns": patterns,
            "order": list(range(len(rows))),
            "rows_per_beat": rows_per_beat,
        }
    )


@pytest.fixture
def session() -> Iterator[Session]:
    s = Session(Project(song=song()))
    s.open_audio(NULL_DEVICE)
    yield s
    s.close()


def wait_until(done: object, timeout_s: float = 2.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.mark.parametrize(
    ("sixteenths", "rows_per_beat", "expected"),
    [
        (0, 4, (0, 0)),
        (63, 4, (0, 63)),
        (64, 4, (1, 0)),
        (100, 4, (2, 4)),
        (112, 4, (0, 0)),
        (10, 8, (0, 20)),
        (3, 2, (0, 1)),
        (16383, 4, (0, 16383 % 112)),
    ],
)
def test_song_position_pointer_names_order_and_row(
    sixteenths: int, rows_per_beat: int, expected: tuple[int, int]
) -> None:
    assert song_position(song(rows_per_beat=rows_per_beat), sixteenths) == expected


def test_start_stop_and_continue_from_a_song_position(session: Session) -> None:
    seen: list[TransportFollowed] = []
    follower = ClockFollower(session, seen.append, time.monotonic)
    follower.handle(mido.Message("start"))
    assert seen == []  # not following: the messages are ignored
    follower.enabled = True

    follower.handle(mido.Message("start"))
    wait_until(lambda: session.kernel.stats().playing)
    follower.handle(mido.Message("stop"))
    wait_until(lambda: not session.kernel.stats().playing)
    session.poll()  # what the first start played
    follower.handle(mido.Message("songpos", pos=72))
    follower.handle(mido.Message("continue"))
    wait_until(lambda: session.kernel.stats().playing)
    time.sleep(0.05)
    session.poll()
    first = session.rows_drained[0] if session.rows_drained else None

    assert seen == [
        TransportFollowed("song", 0, 0),
        TransportFollowed("stopped"),
        TransportFollowed("song", 1, 8),
    ]
    assert first is not None and (first.order, first.row) == (1, 8)


def test_the_tempo_follows_pulses_sent_in_real_time(session: Session) -> None:
    follower = ClockFollower(session, lambda _: None, time.monotonic)
    follower.enabled = True
    session.follow_clock(True)
    interval_s = 60.0 / (24 * 150.0)  # 150 BPM, speed 6, 4 rows a beat
    start_s = time.monotonic() + 0.05
    stamps = iter(start_s + k * interval_s for k in range(10**6))
    follower._now_s = lambda: next(stamps)  # stamped exactly on arrival, like a perfect port
    follower.handle(mido.Message("start"))
    rows = []
    for k in range(int(3.0 / interval_s)):
        time.sleep(max(0.0, start_s + k * interval_s - time.monotonic()))
        follower.handle(mido.Message("clock"))
        session.poll()
        rows.extend(session.rows_drained)
    assert session.kernel.stats().follow_bpm == pytest.approx(150.0, rel=2e-3)
    frames = [r.frame for r in rows[-16:]]
    row_s = [(b - a) / session.kernel.sample_rate_hz for a, b in itertools.pairwise(frames)]
    assert row_s == pytest.approx([6 * 2.5 / 150] * 15, rel=0.01)


class Pulses:
    """A ClockTarget that only counts the pulses it is given."""

    def __init__(self) -> None:
        self.song = song()
        self.times: list[float] = []

    def clock_pulse(self, monotonic_s: float) -> None:
        self.times.append(monotonic_s)

    def external_play(self, order: int, row: int) -> None: ...

    def external_stop(self) -> None: ...


def feed(follower: ClockFollower, times: list[float]) -> None:
    stamps = iter(times)
    follower._now_s = lambda: next(stamps)
    for _ in times:
        follower.handle(mido.Message("clock"))


def test_a_flood_of_clocks_never_reaches_the_kernel_and_a_clock_after_it_does() -> None:
    target = Pulses()
    follower = ClockFollower(target, lambda _: None, time.monotonic)
    follower.enabled = True
    feed(follower, [k * 0.001 for k in range(1000)])  # a thousand a second
    assert target.times == []
    assert follower.flood_dropped == 1000
    steady = [2.0 + k * 0.02 for k in range(50)]  # 125 BPM, after a pause
    feed(follower, steady)
    assert target.times == steady  # each with the two before it at no more than a clock's rate


def test_a_flood_in_the_middle_of_a_clock_lets_at_most_two_through() -> None:
    target = Pulses()
    follower = ClockFollower(target, lambda _: None, time.monotonic)
    follower.enabled = True
    feed(follower, [k * 0.02 for k in range(20)])
    assert target.times == [k * 0.02 for k in range(2, 20)]  # from the third: the rate known
    forwarded = len(target.times)
    feed(follower, [0.41 + k * 0.0005 for k in range(500)])
    assert len(target.times) - forwarded <= 2  # the kernel waits for three strays anyway


def test_a_flood_read_in_batches_after_stalls_is_still_a_flood() -> None:
    """A reader that stalls 60 ms, then takes 60 pulses at once, and again: each batch comes
    after a long gap, but the count in the last quarter second gives it away."""
    target = Pulses()
    follower = ClockFollower(target, lambda _: None, time.monotonic)
    follower.enabled = True
    times = [batch * 0.06 + k * 0.00001 for batch in range(20) for k in range(60)]
    feed(follower, times)
    assert target.times == []
