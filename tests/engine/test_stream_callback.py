"""The kernel's stream callback, called the way PortAudio calls it, and the null output.

PortAudio itself is exercised against a real JACK server in tests/audio; here
the callback is called directly (through cffi) so its contract is checked
exactly: time stamps, underflow counting, load history, bit-identity with the
offline render.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.dsp.helpers import RATE, TICK, make_song, sine_synth, start
from tracker.engine import RowReached, compile_song
from tracker.engine.kernel import Kernel
from tracker.engine.native import ffi, lib
from tracker.engine.playback import NullStream, Playback

ROWS = ["A-4 01 .. ..."] + ["--- .. .. ..."] * 7


def callback(kernel: Kernel, frames: int, dac_s: float, status: int = 0) -> np.ndarray:
    """One PortAudio-style call: returns the (frames, 2) block the host would play."""
    out = np.full((frames, 2), np.nan, dtype=np.float32)  # the callback must fill every sample
    when = ffi.new("tk_stream_time *", {"current_s": dac_s - 0.01, "output_dac_s": dac_s})
    engine = ffi.cast("void *", kernel.address)
    result = lib.tk_stream_callback(
        ffi.NULL, ffi.cast("float *", ffi.from_buffer(out)), frames, when, status, engine
    )
    assert result == 0  # paContinue
    return out


def test_output_is_the_offline_render_for_any_host_block() -> None:
    song = make_song(ROWS, [sine_synth()], speed=1)
    offline = start(song).render(8 * TICK)
    run = start(song)
    blocks, done = [], 0
    for n in [64, 128, 1, 333, 4096, 256] * 10:
        n = min(n, 8 * TICK - done)
        if n == 0:
            break
        blocks.append(callback(run.kernel, n, 100.0 + done / RATE))
        done += n
    np.testing.assert_array_equal(np.concatenate(blocks), offline)


def test_events_are_stamped_with_the_time_they_are_heard() -> None:
    run = start(make_song(ROWS, [sine_synth()], speed=1))
    dac_s = 1000.0
    for block in range(8 * TICK // 256):
        callback(run.kernel, 256, dac_s + block * 256 / RATE + 0.003)  # 3 ms device latency
    rows = [e for e in run.kernel.events() if isinstance(e, RowReached)]
    assert len(rows) == 8
    for row in rows:
        assert row.time_s == pytest.approx(dac_s + row.frame / RATE + 0.003, abs=1e-9)


def test_without_a_stream_time_is_frames_over_rate() -> None:
    run = start(make_song(ROWS, [sine_synth()], speed=1))
    run.render(4 * TICK)
    for row in run.rows():
        assert row.time_s == pytest.approx(row.frame / RATE)


def test_clock_anchor_follows_the_latest_callback() -> None:
    run = start(make_song(ROWS, [sine_synth()], speed=1))
    assert run.kernel.clock() is None
    callback(run.kernel, 512, 5.0)
    callback(run.kernel, 512, 5.0 + 512 / RATE)
    assert run.kernel.clock() == (512, pytest.approx(5.0 + 512 / RATE))


def test_underflows_are_counted_from_the_status_flags() -> None:
    kernel = start(make_song(ROWS, [sine_synth()], speed=1)).kernel
    callback(kernel, 128, 1.0)
    callback(kernel, 128, 1.1, status=lib.TK_STATUS_OUTPUT_UNDERFLOW)
    callback(kernel, 128, 1.2, status=0x10)  # priming output: not an underflow
    callback(kernel, 128, 1.3, status=lib.TK_STATUS_OUTPUT_UNDERFLOW | 0x10)
    stats = kernel.stats()
    assert stats.callbacks == 4
    assert stats.underflows == 2


def test_each_callback_records_its_load() -> None:
    kernel = start(make_song(ROWS, [sine_synth()], speed=1)).kernel
    for i in range(10):
        callback(kernel, 256, i * 256 / RATE)
    loads, cursor = kernel.read_loads(0)
    assert cursor == 10
    assert len(loads) == 10
    assert np.all(loads > 0) and np.all(loads < 1)  # a sine voice takes far less than real time
    stats = kernel.stats()
    assert stats.load_last == loads[-1]
    assert stats.load_max == loads.max()
    more, cursor = kernel.read_loads(cursor)
    assert len(more) == 0 and cursor == 10
    kernel.reset_load_max()
    assert kernel.stats().load_max == 0


def test_load_history_keeps_the_newest_when_read_late() -> None:
    kernel = Kernel(RATE)
    calls = lib.TK_LOAD_HISTORY + 100
    for i in range(calls):
        callback(kernel, 32, i * 32 / RATE)
    loads, cursor = kernel.read_loads(0)
    assert cursor == calls
    assert 0 < len(loads) <= lib.TK_LOAD_HISTORY  # the oldest are gone, not garbage


def test_nan_time_info_and_no_song_still_fill_the_buffer() -> None:
    kernel = Kernel(RATE)  # no song loaded: silence, not garbage
    out = np.full((256, 2), np.nan, dtype=np.float32)
    lib.tk_stream_callback(
        ffi.NULL,
        ffi.cast("float *", ffi.from_buffer(out)),
        256,
        ffi.NULL,  # a host that passes no time info
        0,
        ffi.cast("void *", kernel.address),
    )
    assert np.array_equal(out, np.zeros_like(out))


def test_null_output_keeps_real_time_pace() -> None:
    kernel = Kernel(RATE)
    kernel.load(compile_song(make_song(ROWS, [sine_synth()], speed=1)))
    stream = NullStream(kernel, block_frames=256)
    try:
        kernel.play_song()
        time.sleep(0.1)
        first, started_s = kernel.stats().frames_rendered, time.monotonic()
        time.sleep(1.0)
        frames = kernel.stats().frames_rendered - first
        elapsed_s = time.monotonic() - started_s
    finally:
        stream.close()
    assert frames == pytest.approx(elapsed_s * RATE, rel=0.1)
    rows = [e for e in kernel.events() if isinstance(e, RowReached)]
    assert rows
    # stamped on the monotonic clock, at most a block ahead of when they were rendered
    assert all(r.time_s <= time.monotonic() + 256 / RATE for r in rows)
    stopped_at = kernel.stats().frames_rendered
    time.sleep(0.05)
    assert kernel.stats().frames_rendered == stopped_at  # the thread is gone


@pytest.mark.parametrize("block_frames", [0, 1 << 17])
def test_null_output_refuses_absurd_blocks(block_frames: int) -> None:
    engine = ffi.cast("tk_engine *", Kernel(RATE).address)
    assert lib.tk_null_stream_start(engine, block_frames) == ffi.NULL


def test_swap_while_the_null_output_plays_frees_the_old_song_off_the_audio_thread() -> None:
    kernel = Kernel(RATE)
    old = compile_song(make_song(ROWS, [sine_synth()], speed=1))
    kernel.load(old)
    playback = Playback(kernel)
    playback.open("null")
    try:
        kernel.play_song()
        for volume in (0.5, 0.25, 0.75):
            new = compile_song(make_song(ROWS, [sine_synth(volume=volume)], speed=1))
            kernel.swap(new)
            deadline = time.monotonic() + 2
            while len(kernel._songs) > 1 and time.monotonic() < deadline:
                time.sleep(0.01)
                kernel.events()  # the release event arrives here; the song is freed here
            assert set(kernel._songs) == {new.address}
        playback.check()  # still running
    finally:
        kernel.stop()
        playback.close()
