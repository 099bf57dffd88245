"""Mixer: keys post exact edits, meters hold peaks and clips, names print literally."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip

from tracker.model.song import Track
from tracker.ui.widgets.mixer import CLIP_HOLD_S, MASTER, Mixer, pan_label, step_volume

HOSTILE_NAMES = ["Intro [/bold]", "[@click=app.quit]x", "a\x1b[2J\x07b"]


class CountingMixer(Mixer):
    """Counts rendered lines, to tell a redraw from none."""

    lines_rendered = 0

    def render_line(self, y: int) -> Strip:
        self.lines_rendered += 1
        return super().render_line(y)


class MixerApp(App[None]):
    """Hosts a Mixer and, like the real app, applies its edits and sets the tracks again."""

    def __init__(
        self, tracks: Sequence[Track] | None, master_volume: float = 1.0, *, apply: bool = True
    ) -> None:
        """None for ``tracks``: never call set_tracks."""
        super().__init__()
        self.set_on_mount = tracks is not None
        self.tracks = list(tracks or [])
        self.master_volume = master_volume
        self.apply = apply
        self.now_s = 100.0
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield CountingMixer(clock=lambda: self.now_s)

    def on_mount(self) -> None:
        mixer = self.query_one(Mixer)
        if self.set_on_mount:
            mixer.set_tracks(self.tracks, self.master_volume)
        mixer.focus()

    def on_mixer_track_changed(self, message: Mixer.TrackChanged) -> None:
        self.seen.append(message)
        if self.apply:
            track = self.tracks[message.track]
            self.tracks[message.track] = track.model_copy(update=message.changes)
            self.query_one(Mixer).set_tracks(self.tracks, self.master_volume)

    def on_mixer_master_changed(self, message: Mixer.MasterChanged) -> None:
        self.seen.append(message)
        if self.apply:
            self.master_volume = message.volume
            self.query_one(Mixer).set_tracks(self.tracks, self.master_volume)


def tracks(count: int = 4) -> list[Track]:
    return [Track(name=f"T{number}") for number in range(count)]


def lines(mixer: Mixer) -> list[str]:
    return [strip.text for strip in mixer.render_lines(Region(0, 0, *mixer.size))]


def clip_row(mixer: Mixer) -> str:
    return lines(mixer)[3]


async def test_mute_on_track_2() -> None:
    app = MixerApp(tracks())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "right", "m")
        assert app.seen == [Mixer.TrackChanged(2, {"mute": True})]
        await pilot.press("m", "s")
        assert app.seen[1:] == [
            Mixer.TrackChanged(2, {"mute": False}),
            Mixer.TrackChanged(2, {"solo": True}),
        ]
        assert lines(app.query_one(Mixer))[1][17:24] == "03 · S "


async def test_the_widget_shows_only_what_the_app_sets() -> None:
    app = MixerApp(tracks(), apply=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m", "down")
        assert lines(app.query_one(Mixer))[1][1:8] == "01 · · "
        assert lines(app.query_one(Mixer))[-1][1:8] == " +0.0dB"


async def test_volume_steps_are_whole_db() -> None:
    app = MixerApp(tracks())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("up")  # already at the top: nothing to ask for
        await pilot.press("down", "down", "shift+down", "up")
        assert app.seen == [
            Mixer.TrackChanged(0, {"volume": 0.8913}),
            Mixer.TrackChanged(0, {"volume": 0.7943}),
            Mixer.TrackChanged(0, {"volume": 0.3981}),
            Mixer.TrackChanged(0, {"volume": 0.4467}),
        ]
        assert lines(app.query_one(Mixer))[-1][1:8] == " -7.0dB"


async def test_volume_bottoms_out_at_silence_and_comes_back_at_the_floor() -> None:
    app = MixerApp([Track(volume=0.004)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down", "up")
        assert app.seen == [
            Mixer.TrackChanged(0, {"volume": 0.0}),
            Mixer.TrackChanged(0, {"volume": 0.004}),
        ]


async def test_repeated_keys_step_on_before_the_app_answers() -> None:
    app = MixerApp(tracks(), apply=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down", "m", "m")
        assert app.seen == [
            Mixer.TrackChanged(0, {"volume": 0.8913}),
            Mixer.TrackChanged(0, {"volume": 0.7943}),
            Mixer.TrackChanged(0, {"mute": True}),
            Mixer.TrackChanged(0, {"mute": False}),
        ]


async def test_pan_steps_and_clamps() -> None:
    app = MixerApp([Track(pan=0.95), Track(pan=-0.95)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("full_stop", "full_stop", "comma")
        await pilot.press("right", "comma", "comma")
        assert app.seen == [
            Mixer.TrackChanged(0, {"pan": 1.0}),
            Mixer.TrackChanged(0, {"pan": 0.95}),
            Mixer.TrackChanged(1, {"pan": -1.0}),
        ]
        assert lines(app.query_one(Mixer))[2][:16] == "│  R95  │  L100 "


async def test_keys_before_set_tracks_do_nothing_but_select() -> None:
    app = MixerApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m", "up", "0")
        assert app.seen == []
        await pilot.press("right", "up")
        assert app.seen == [Mixer.MasterChanged(1.122)]


def test_pan_labels() -> None:
    assert [pan_label(pan) for pan in (-1.0, -0.12, 0.0, 0.004, 0.4)] == [
        "L100",
        "L12",
        "C",
        "C",
        "R40",
    ]


async def test_zero_resets_volume_and_pan() -> None:
    app = MixerApp([Track(volume=0.5, pan=-0.3), Track(volume=0.5)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("0", "0", "right", "0")
        assert app.seen == [
            Mixer.TrackChanged(0, {"volume": 1.0, "pan": 0.0}),
            Mixer.TrackChanged(1, {"volume": 1.0}),
        ]


async def test_selection_wraps_through_the_master() -> None:
    app = MixerApp(tracks(3))
    async with app.run_test(size=(80, 24)) as pilot:
        mixer = app.query_one(Mixer)
        visited = []
        for _ in range(5):
            await pilot.press("right")
            visited.append(mixer.selected)
        assert visited == [1, 2, MASTER, 0, 1]
        await pilot.press("left", "left")
        assert mixer.selected == MASTER


async def test_master_volume() -> None:
    app = MixerApp(tracks(2), master_volume=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("left", "up", "m", "s", "comma", "shift+up")
        assert app.seen == [Mixer.MasterChanged(1.122), Mixer.MasterChanged(2.0)]
        await pilot.press("up")  # +6 dB is the master's top
        await pilot.press("0")
        assert app.seen[2:] == [Mixer.MasterChanged(1.0)]
        assert lines(app.query_one(Mixer))[0][16:24] == "║MASTER "


def test_step_volume_table() -> None:
    assert step_volume(1.0, -1.0, 1.0) == 0.8913
    assert step_volume(0.9, 1.0, 1.0) == 1.0  # -0.9 dB is on the -1 dB step
    assert step_volume(2.0, 1.0, 2.0) == 2.0
    assert step_volume(0.0, -1.0, 1.0) == 0.0
    assert step_volume(0.0, 6.0, 1.0) == 0.004


async def test_clip_mark_is_held_then_cleared() -> None:
    app = MixerApp(tracks(2))
    async with app.run_test(size=(80, 24)) as pilot:
        mixer = app.query_one(Mixer)
        mixer.set_levels({1: (1.2, 0.5), MASTER: (0.5, 1.0)})
        await pilot.pause()
        # Track 1's left channel and the master's right channel (x 8..15 and 16..23).
        assert clip_row(mixer)[8:24] == "│    !  ║     ! "
        app.now_s += CLIP_HOLD_S - 0.1
        mixer.set_levels({})
        await pilot.pause()
        assert clip_row(mixer)[8:24] == "│    !  ║     ! "
        app.now_s += 0.2
        mixer.set_levels({})
        await pilot.pause()
        assert "!" not in clip_row(mixer)


async def test_meter_shows_level_with_peak_hold_that_falls() -> None:
    app = MixerApp(tracks(1))
    async with app.run_test(size=(80, 24)) as pilot:
        mixer = app.query_one(Mixer)
        mixer.set_levels({0: (1.0, 0.0)})  # 0 dB: the whole column
        await pilot.pause()
        left_column = [line[5] for line in lines(mixer)[4:-1]]
        assert left_column == ["█"] * 19
        app.now_s += 0.25  # the bar falls 6 dB, the hold stays at the top
        mixer.set_levels({0: (0.0, 0.0)})
        await pilot.pause()
        left_column = [line[5] for line in lines(mixer)[4:-1]]
        assert left_column[:3] == ["─", " ", "▅"]
        app.now_s += 5.0  # long enough for both to fall below the floor
        mixer.set_levels({})
        await pilot.pause()
        assert {line[5] for line in lines(mixer)[4:-1]} == {" "}


async def test_levels_redraw_only_when_the_drawing_changes() -> None:
    app = MixerApp(tracks(4))
    async with app.run_test(size=(80, 24)) as pilot:
        mixer = app.query_one(CountingMixer)
        mixer.set_levels({0: (0.5, 0.5)})
        await pilot.pause()
        before = mixer.lines_rendered
        mixer.set_levels({0: (0.5, 0.5)})
        mixer.set_levels({0: (0.5001, 0.5)})  # too small a change to draw
        await pilot.pause()
        assert mixer.lines_rendered == before
        app.now_s += 0.5
        mixer.set_levels({0: (0.1, 0.5)})
        await pilot.pause()
        assert before < mixer.lines_rendered <= before + 20  # the meter rows only


async def test_strips_scroll_to_keep_the_selection_visible() -> None:
    app = MixerApp(tracks(20))
    async with app.run_test(size=(80, 24)) as pilot:
        mixer = app.query_one(Mixer)
        assert lines(mixer)[0].startswith("│T0     │T1")
        assert lines(mixer)[0][72] == "▶"  # more tracks to the right
        for _ in range(12):
            await pilot.press("right")
        assert mixer.selected == 12
        name_row = lines(mixer)[0]
        assert name_row.startswith("◀T4     │T5")
        assert "│T12    ▶MASTER" in name_row
        for _ in range(8):
            await pilot.press("right")
        assert mixer.selected == MASTER
        assert lines(mixer)[0].endswith("│T19    ║MASTER ")
        await pilot.press("right")
        assert mixer.selected == 0
        assert lines(mixer)[0].startswith("│T0     │T1")


async def test_hostile_names_print_literally() -> None:
    app = MixerApp([Track(name=name) for name in [*HOSTILE_NAMES, "[b]x[/]"]])
    async with app.run_test(size=(80, 24)):
        name_row = lines(app.query_one(Mixer))[0]
        assert name_row[:33] == "│Intro …│[@clic…│a\ufffd[2J\ufffdb│[b]x[/]║"
        screenshot = app.export_screenshot()
        assert "\x1b" not in screenshot
        assert "\x07" not in screenshot


async def test_focus_shows_on_the_selected_name() -> None:
    app = MixerApp(tracks(2))
    async with app.run_test(size=(80, 24)) as pilot:
        mixer = app.query_one(Mixer)
        (selected, *_) = [s for s in mixer.render_line(0) if s.text.startswith("T0")]
        assert selected.style is not None and selected.style.reverse
        mixer.blur()
        await pilot.pause()
        (selected, *_) = [s for s in mixer.render_line(0) if s.text.startswith("T0")]
        assert selected.style is not None and not selected.style.reverse
        assert selected.style.underline


def test_snapshot_with_levels(snap_compare: Any) -> None:
    song_tracks = [
        Track(name="Kick", volume=1.0),
        Track(name="Bass [/b]", volume=0.7943, pan=-0.12, mute=True),
        Track(name="Lead", volume=0.5012, pan=0.4, solo=True),
        Track(name="Pad\x1b[2J", volume=0.3162, pan=-1.0),
        Track(name="Hats", volume=0.0),
    ]
    app = MixerApp(song_tracks, master_volume=1.4125)

    async def feed_levels(pilot: Any) -> None:
        mixer = app.query_one(Mixer)
        mixer.set_levels({0: (0.9, 0.85), 1: (0.3, 0.25), 2: (1.2, 0.6), MASTER: (0.8, 0.7)})
        app.now_s += 0.2
        mixer.set_levels({0: (0.4, 0.35), 1: (0.2, 0.2), 2: (0.5, 0.3), MASTER: (0.6, 0.5)})
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=feed_levels)


async def test_c_cycles_the_midi_channel_and_i_makes_the_track_midi_only() -> None:
    app = MixerApp(tracks())
    async with app.run_test(size=(60, 12)) as pilot:
        mixer = app.query_one(Mixer)
        await pilot.press("right", "c", "c")
        assert app.tracks[1].midi_channel == 2
        assert clip_row(mixer)[9:13] == "m2  "
        await pilot.press("C", "i")
        assert (app.tracks[1].midi_channel, app.tracks[1].midi_only) == (1, True)
        assert clip_row(mixer)[9:13] == "M1  "
        await pilot.press("C")  # below 1: off
        assert app.tracks[1].midi_channel is None
        assert clip_row(mixer)[9:13] == "    "
        for _ in range(17):  # all the way round: 1..16, then off again
            await pilot.press("c")
        assert app.tracks[1].midi_channel is None
        await pilot.press("left", "left", "c")  # the master strip has no channel
        assert [t.midi_channel for t in app.tracks] == [None] * 4


async def test_o_steps_through_the_open_midi_outputs_then_every_one() -> None:
    class OutputsApp(MixerApp):
        def compose(self) -> ComposeResult:
            yield CountingMixer(clock=lambda: self.now_s, output_names=lambda: ["a:synth", "b:[x]"])

    app = OutputsApp(tracks())
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.press("o")
        assert app.tracks[0].midi_output == "a:synth"
        await pilot.press("o")
        assert app.tracks[0].midi_output == "b:[x]"
        await pilot.press("o")
        assert app.tracks[0].midi_output is None
