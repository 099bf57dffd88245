"""Live performance in the app (null output): cueing the next order position from the keys
and from MIDI pads, pads muting and soloing tracks, and the MIDI clock switches."""

from __future__ import annotations

import time

import mido

from tests.ui.app_support import make_app, small_song, wait_for
from tracker.model import Pattern, Song
from tracker.ui.app import TrackerApp


def three_orders() -> Song:
    song = small_song(rows=8)
    patterns = [Pattern.empty(8, 4) for _ in range(3)]
    return song.model_copy(update={"patterns": patterns, "order": [0, 1, 2]})


def transport_text(app: TrackerApp) -> str:
    return str(app.transport.render())


async def test_a_cued_position_plays_when_the_pattern_ends_and_the_bar_shows_it() -> None:
    app = make_app(three_orders())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("alt+q")
        assert "nothing is playing" in str(app.status_line.render())
        await pilot.press("ctrl+f", "f5")  # follow off: the order cursor stays put
        await pilot.press("ctrl+g", "down", "down")
        assert app.orders.cursor == 2
        await pilot.press("alt+q")
        assert app.session.cued == 2
        assert "CUE 02" in transport_text(app)
        await wait_for(pilot, lambda: app.session.heard.order == 2)
        assert app.session.heard.row < 4  # straight after order 0: order 1 was skipped
        await wait_for(pilot, lambda: app.session.cued is None)
        await pilot.pause(0.05)
        assert "CUE" not in transport_text(app)


async def test_cue_again_cancels() -> None:
    app = make_app(three_orders())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+f", "f5", "ctrl+g", "down", "down", "alt+q", "alt+q")
        assert app.session.cued is None
        seen = set()
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            await pilot.pause(0.02)
            seen.add(app.session.heard.order)
        assert 1 in seen  # the song went on in order


async def test_pads_on_the_performance_channel_cue_mute_and_solo_and_do_not_play() -> None:
    app = make_app(three_orders())
    app.performer.channel = 15
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("f5")
        send = app.midi_ports._handler  # what every MIDI input's reader thread calls
        send(mido.Message("note_on", channel=15, note=36 + 2, velocity=100), 0.0)
        send(mido.Message("note_on", channel=15, note=72 + 1, velocity=100), 0.0)
        send(mido.Message("note_on", channel=15, note=96 + 3, velocity=100), 0.0)
        await wait_for(pilot, lambda: app.session.cued == 2)
        await wait_for(pilot, lambda: app.session.song.tracks[1].mute)
        await wait_for(pilot, lambda: app.session.song.tracks[3].solo)
        send(mido.Message("program_change", channel=15, program=1), 0.0)
        await wait_for(pilot, lambda: app.session.cued == 1)
        assert app.session.kernel.stats().voices_active == 0  # pads are not notes


async def test_clock_switches_turn_on_and_off_and_show() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("alt+u")
        assert app.session.midi_clock and app.config.effective.midi_clock_out
        await pilot.pause(0.05)
        assert "CLK OUT" in transport_text(app)
        await pilot.press("alt+f")
        assert app.session.following_clock and app.clock_follower.enabled
        await pilot.pause(0.05)
        assert "EXT --" in transport_text(app)  # no clock heard yet
        await pilot.press("alt+u", "alt+f")
        assert not app.session.midi_clock and not app.session.following_clock
        assert not app.config.effective.midi_clock_in


async def test_ctrl_b_cues_for_the_end_of_the_bar() -> None:
    song = three_orders().model_copy(update={"rows_per_bar": 2})
    app = make_app(song)
    async with app.run_test(size=(120, 30)) as pilot:
        heard: list[tuple[int, int]] = []
        poll = app.session.poll

        def poll_and_keep() -> str | None:
            notice = poll()
            heard.extend((r.order, r.row) for r in app.session.rows_drained)
            return notice

        app.session.poll = poll_and_keep  # type: ignore[method-assign]
        await pilot.press("ctrl+f", "f5", "ctrl+g", "down", "down", "ctrl+b")
        # (a two-row bar may end before the next look: the cue can be taken already)
        assert "Cued order position 02: starts when this bar ends" in str(app.status_line.render())
        await wait_for(pilot, lambda: (2, 0) in heard)
        before = heard[: heard.index((2, 0))]
        assert before[-1][1] % 2 == 1  # left at the last row of a two-row bar
        assert all(order == 0 for order, _ in before)  # straight from order 0
        assert before[-1][1] < 7  # not at the pattern's end
