"""InstrumentEditor: the parameter table, steps, limits, drawings and literal names."""

from __future__ import annotations

from typing import Any, get_args

import annotated_types
import numpy as np
import numpy.typing as npt
import pytest
from pydantic import BaseModel
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tracker.model import (
    Envelope,
    EnvelopePoint,
    Filter,
    Instrument,
    Oscillator,
    PointEnvelope,
    SampleInstrument,
    SampleRef,
    SynthInstrument,
)
from tracker.ui.widgets.instrument_editor import (
    GROUPS,
    InstrumentEditor,
    envelope_art,
    envelope_levels,
    limits,
    loop_ruler,
    nudge,
    params_for,
    points_levels,
    value_at,
    waveform_extents,
)

HOSTILE_NAMES = ["Intro [/bold]", "[@click=app.quit]x", "\x1b[2J evil\x07"]


def sample_instrument(name: str = "Kick", **fields: Any) -> SampleInstrument:
    ref = SampleRef(
        sha256="0" * 64,
        name="kick.wav",
        format="flac",
        frames=22050,
        channels=1,
        sample_rate_hz=44100,
        bit_depth="pcm16",
    )
    return SampleInstrument(name=name, sample=ref, **fields)


def decaying_sine(frames: int = 22050) -> npt.NDArray[np.float32]:
    t = np.arange(frames) / 44100.0
    wave = np.sin(2 * np.pi * 880.0 * t) * np.exp(-6.0 * t)
    return wave.astype(np.float32).reshape(-1, 1)


class EditorApp(App[None]):
    """One InstrumentEditor, focused, that records what it posts."""

    def __init__(
        self,
        instrument: Instrument | None,
        frames: npt.NDArray[np.float32] | None = None,
        number: int = 1,
    ) -> None:
        super().__init__()
        self.instrument = instrument
        self.frames = frames
        self.number = number
        self.changes: list[InstrumentEditor.Changed] = []

    def compose(self) -> ComposeResult:
        yield InstrumentEditor()

    def on_mount(self) -> None:
        editor = self.query_one(InstrumentEditor)
        editor.set_instrument(self.number, self.instrument, self.frames)
        editor.focus()

    def on_instrument_editor_changed(self, message: InstrumentEditor.Changed) -> None:
        self.changes.append(message)


def screen_lines(editor: InstrumentEditor) -> list[str]:
    return [editor.render_line(y).text for y in range(editor.size.height)]


async def go_to(pilot: Pilot[None], path: str) -> InstrumentEditor:
    """Put the cursor on ``path`` with the keys a user would press."""
    editor = pilot.app.query_one(InstrumentEditor)
    assert editor.instrument is not None
    await pilot.press("home")
    for _ in range([param.path for param in params_for(editor.instrument)].index(path)):
        await pilot.press("down")
    assert editor.param is not None and editor.param.path == path
    return editor


def current(app: EditorApp) -> Instrument:
    instrument = app.query_one(InstrumentEditor).instrument
    assert instrument is not None
    return instrument


def current_synth(app: EditorApp) -> SynthInstrument:
    instrument = current(app)
    assert isinstance(instrument, SynthInstrument)
    return instrument


def current_sample(app: EditorApp) -> SampleInstrument:
    instrument = current(app)
    assert isinstance(instrument, SampleInstrument)
    return instrument


# --- the table ---------------------------------------------------------------------------------


def _field(model: type[BaseModel], path: str) -> tuple[Any, list[Any]]:
    *parents, leaf = path.split(".")
    for key in parents:
        model = model.model_fields[key].annotation  # type: ignore[assignment]
    info = model.model_fields[leaf]
    return info.annotation, info.metadata


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for key, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths |= _leaf_paths(annotation, f"{prefix}{key}.")
        else:
            paths.add(prefix + key)
    return paths


@pytest.mark.parametrize(
    "model, not_parameters",
    [
        (SynthInstrument, {"kind", "name", "wavetable"}),
        # An imported module's drawn envelopes, auto-vibrato and further samples are kept and
        # played, not edited in this table (yet).
        (
            SampleInstrument,
            {"kind", "name", "volume_envelope", "pan_envelope", "auto_vibrato", "zones", "keymap"},
        ),
    ],
)
def test_every_field_is_in_the_table_with_the_models_range(
    model: type[SynthInstrument | SampleInstrument], not_parameters: set[str]
) -> None:
    kind = model.model_fields["kind"].default
    params = [param for group in GROUPS if kind in group.kinds for param in group.params]
    expected = {path for path in _leaf_paths(model) if not path.startswith("sample.")}
    assert {param.path for param in params} == expected - not_parameters
    for param in params:
        annotation, metadata = _field(model, param.path)
        if param.kind == "choice":
            assert param.choices == get_args(annotation), param.path
            continue
        low = next(m.ge for m in metadata if isinstance(m, annotated_types.Ge))
        high = next(m.le for m in metadata if isinstance(m, annotated_types.Le))
        assert (param.minimum, param.maximum) == (low, high), param.path
        assert param.coarse_step > param.step > 0, param.path


# --- steps, cycles and limits ------------------------------------------------------------------


async def test_cutoff_moves_by_octaves_and_semitones() -> None:
    app = EditorApp(SynthInstrument(filter=Filter(type="lowpass", cutoff_hz=1000.0)))
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, "filter.cutoff_hz")
        await pilot.press("shift+right")
        assert current(app).filter.cutoff_hz == 2000.0
        await pilot.press("left_square_bracket")
        assert current(app).filter.cutoff_hz == 1000.0
        await pilot.press("right")
        assert current(app).filter.cutoff_hz == 1059.5  # 1000 * 2**(1/12), 5 digits
        await pilot.press("left")
        assert current(app).filter.cutoff_hz == 1000.0
        await pilot.pause()
        assert [change.param for change in app.changes] == ["filter.cutoff_hz"] * 4
        assert [change.instrument.filter.cutoff_hz for change in app.changes] == [
            2000.0,
            1000.0,
            1059.5,
            1000.0,
        ]


async def test_cutoff_stops_at_its_limits_and_posts_nothing_there() -> None:
    app = EditorApp(SynthInstrument(filter=Filter(cutoff_hz=15000.0)))
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, "filter.cutoff_hz")
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert current(app).filter.cutoff_hz == 20000.0
        await pilot.pause()
        assert len(app.changes) == 1
        for _ in range(12):
            await pilot.press("shift+left")
        assert current(app).filter.cutoff_hz == 20.0
        await pilot.press("left")
        await pilot.pause()
        assert current(app).filter.cutoff_hz == 20.0
        assert app.changes[-1].instrument.filter.cutoff_hz == 20.0


async def test_volume_clamps_at_one_and_zero() -> None:
    app = EditorApp(SynthInstrument(volume=0.95))
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, "volume")
        await pilot.press("shift+right", "shift+right")
        assert current(app).volume == 1.0
        await pilot.pause()
        assert len(app.changes) == 1
        await pilot.press("left")
        assert current(app).volume == 0.99
        for _ in range(11):
            await pilot.press("shift+left")
        assert current(app).volume == 0.0


async def test_wave_cycles_through_the_waves_and_skips_wavetable_without_a_table() -> None:
    app = EditorApp(SynthInstrument(osc1=Oscillator(wave="saw")))
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, "osc1.wave")
        seen = []
        for _ in range(6):
            await pilot.press("right")
            seen.append(current_synth(app).osc1.wave)
        assert seen == ["pulse", "noise", "off", "sine", "triangle", "saw"]
        await pilot.press("left")
        assert current_synth(app).osc1.wave == "triangle"


async def test_wave_reaches_wavetable_when_the_instrument_has_one() -> None:
    instrument = SynthInstrument(osc1=Oscillator(wave="noise"), wavetable=[0.0, 1.0, 0.0, -1.0])
    app = EditorApp(instrument)
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, "osc1.wave")
        await pilot.press("right")
        assert current_synth(app).osc1.wave == "wavetable"


async def test_times_step_on_a_log_scale_from_zero() -> None:
    instrument = SynthInstrument(amp_env=Envelope(attack_s=0.0, release_s=16.0))
    app = EditorApp(instrument)
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, "amp_env.attack_s")
        await pilot.press("right")
        assert current(app).amp_env.attack_s == 0.001
        await pilot.press("shift+right")
        assert current(app).amp_env.attack_s == 0.002
        await pilot.press("right")
        assert current(app).amp_env.attack_s == 0.0023784  # 2 ms * 2**(1/4)
        await pilot.press("shift+left", "shift+left")
        assert current(app).amp_env.attack_s == 0.0  # below 1 ms is 0
        await go_to(pilot, "amp_env.release_s")
        await pilot.press("shift+right")
        assert current(app).amp_env.release_s == 20.0


async def test_semitones_and_notes_step_by_one_and_an_octave() -> None:
    app = EditorApp(sample_instrument(base_note=60))
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await go_to(pilot, "base_note")
        assert any("C-5" in line for line in screen_lines(editor))
        await pilot.press("right")
        assert current_sample(app).base_note == 61
        assert any("C#5" in line for line in screen_lines(editor))
        await pilot.press("shift+right")
        assert current_sample(app).base_note == 73
        for _ in range(5):
            await pilot.press("shift+right")
        assert current_sample(app).base_note == 119


async def test_switching_a_loop_on_loops_the_whole_sample_and_points_stay_ordered() -> None:
    app = EditorApp(sample_instrument())
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, "loop")
        await pilot.press("right")
        instrument = current(app)
        assert isinstance(instrument, SampleInstrument)
        assert (instrument.loop, instrument.loop_start_frames, instrument.loop_end_frames) == (
            "forward",
            0,
            22050,
        )
        await go_to(pilot, "loop_start_frames")
        await pilot.press("shift+right", "right")
        assert current_sample(app).loop_start_frames == 689 + 22  # 1/32 and 1/1024 of the sample
        # Near the end the start stops one frame before it, and the end one frame after.
        app.query_one(InstrumentEditor).set_instrument(
            1, current_sample(app).model_copy(update={"loop_start_frames": 22040})
        )
        await pilot.press("shift+right")
        assert current_sample(app).loop_start_frames == 22049
        await go_to(pilot, "loop_end_frames")
        await pilot.press("shift+left")
        assert current_sample(app).loop_end_frames == 22050


def test_coarse_steps_reach_either_limit_through_valid_instruments() -> None:
    synth = SynthInstrument(name="s", wavetable=[0.0, 0.5, -0.5])
    for start in (synth, sample_instrument(loop="pingpong", loop_end_frames=1000)):
        for param in params_for(start):
            for direction in (1, -1):
                instrument: Instrument = start
                # Choices cycle for ever; numbers stop at a limit within 48 coarse steps.
                for _ in range(48):
                    changed = nudge(instrument, param, direction, coarse=True)
                    if changed is None:
                        break
                    assert type(changed).model_validate(changed.model_dump()) == changed
                    assert value_at(changed, param.path) != value_at(instrument, param.path)
                    instrument = changed
                if param.kind != "choice":
                    low, high = limits(instrument, param)
                    assert value_at(instrument, param.path) == (high if direction > 0 else low)


async def test_keys_post_a_new_valid_instrument_for_every_parameter() -> None:
    instrument = sample_instrument(loop="pingpong", loop_end_frames=1000)
    original = instrument.model_copy(deep=True)
    app = EditorApp(instrument)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in params_for(instrument):
            await pilot.press("right", "down")
        await pilot.pause()
    movable = [p.path for p in params_for(instrument) if nudge(instrument, p, 1, False)]
    assert "filter.cutoff_hz" not in movable  # already at 20 kHz: nothing to post
    assert [change.param for change in app.changes] == movable
    for change in app.changes:
        assert type(change.instrument).model_validate(change.instrument.model_dump()) == (
            change.instrument
        )
        assert change.number == 1
    assert instrument == original  # the editor never mutates what it was given


async def test_changed_carries_the_number_it_was_given() -> None:
    app = EditorApp(SynthInstrument(), number=0x1F)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right")
        await pilot.pause()
        assert [(change.number, change.param) for change in app.changes] == [(0x1F, "volume")]


async def test_cursor_keys() -> None:
    app = EditorApp(SynthInstrument())
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.query_one(InstrumentEditor)
        paths = [param.path for param in params_for(SynthInstrument())]
        await pilot.press("down", "down")
        assert editor.param == params_for(SynthInstrument())[2]
        await pilot.press("pagedown")
        assert editor.param is not None and editor.param.path == "osc2.wave"
        await pilot.press("pageup")
        assert editor.param is not None and editor.param.path == "osc1.wave"
        await pilot.press("end")
        assert editor.param is not None and editor.param.path == paths[-1]
        await pilot.press("down")
        assert editor.param.path == paths[-1]
        await pilot.press("home", "up")
        assert editor.cursor == 0


async def test_click_puts_the_cursor_on_a_parameter() -> None:
    app = EditorApp(SynthInstrument())
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.query_one(InstrumentEditor)
        row = next(y for y, line in enumerate(screen_lines(editor)) if "Cutoff" in line)
        column = screen_lines(editor)[row].index("Cutoff")
        await pilot.click(InstrumentEditor, offset=(column, row))
        assert editor.param is not None and editor.param.path == "filter.cutoff_hz"


async def test_cursor_keeps_its_parameter_across_instruments() -> None:
    app = EditorApp(SynthInstrument())
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await go_to(pilot, "filter.cutoff_hz")
        editor.set_instrument(2, sample_instrument())
        assert editor.param is not None and editor.param.path == "filter.cutoff_hz"


async def test_scrolls_to_keep_the_cursor_in_view() -> None:
    app = EditorApp(SynthInstrument())
    async with app.run_test(size=(40, 12)) as pilot:
        editor = app.query_one(InstrumentEditor)
        await pilot.press("end")
        await pilot.pause()
        assert editor.scroll_offset.y > 0
        assert any(line.startswith("> Depth") for line in screen_lines(editor))
        await pilot.press("home")
        await pilot.pause()
        assert editor.scroll_offset.y == 0


async def test_no_instrument() -> None:
    app = EditorApp(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right", "down")
        await pilot.pause()
        assert screen_lines(app.query_one(InstrumentEditor))[0].startswith("No instrument")
        assert app.changes == []


# --- what it shows -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_names_are_shown_literally(name: str) -> None:
    ref_name = f"{name}.wav"
    instrument = sample_instrument(name=name)
    instrument = instrument.model_copy(
        update={"sample": instrument.sample.model_copy(update={"name": ref_name})}
    )
    app = EditorApp(instrument, decaying_sine())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = "\n".join(screen_lines(app.query_one(InstrumentEditor)))
        shown = name.replace("\x1b", "\N{REPLACEMENT CHARACTER}").replace(
            "\x07", "\N{REPLACEMENT CHARACTER}"
        )
        assert f"01 {shown}" in text
        assert f"Sample {shown}.wav" in text
        assert "\x1b" not in text and "\x07" not in text
        assert "\x1b" not in app.export_screenshot()


def test_envelope_curve_follows_the_envelope() -> None:
    levels = envelope_levels(Envelope(attack_s=0.01, decay_s=0.1, sustain=0.5), 40)
    assert levels[0] < 0.5 and max(levels) > 0.9
    assert levels[-1] < 0.01  # released to silence
    assert 0.5 in levels  # the held sustain
    flat = envelope_levels(Envelope(attack_s=0.0, decay_s=0.0, sustain=0.7, release_s=0.0), 10)
    assert flat == [0.7] * 10


async def test_envelope_drawing_changes_when_attack_changes() -> None:
    app = EditorApp(SynthInstrument())
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await go_to(pilot, "amp_env.attack_s")
        before = screen_lines(editor)
        await pilot.press("shift+right", "shift+right")
        after = screen_lines(editor)
        changed = [y for y, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
        # The attack's value line and the curve beside the group, not the filter envelope.
        assert len(changed) > 1
        assert all(any(0x2800 <= ord(char) <= 0x28FF for char in after[y]) for y in changed)
    slow = envelope_art(Envelope(attack_s=1.0), 12, 4)
    fast = envelope_art(Envelope(attack_s=0.001), 12, 4)
    assert slow != fast and all(len(line) == 12 for line in slow + fast)


def test_waveform_extents_per_column() -> None:
    frames = np.array([0.0, 0.5, -0.25, 1.0, -1.0, 0.0, 0.1, 0.2], dtype=np.float32)
    lows, highs = waveform_extents(frames.reshape(-1, 1), 4)
    assert lows.tolist() == [0.0, -0.25, -1.0, 0.10000000149011612]
    assert highs.tolist() == [0.5, 1.0, 0.0, 0.20000000298023224]
    stereo = np.array([[0.5, -0.5], [0.1, 0.2]], dtype=np.float32)
    lows, highs = waveform_extents(stereo, 4)  # more columns than frames repeat frames
    assert lows.tolist()[0] == -0.5 and highs.tolist()[0] == 0.5
    assert len(lows) == 4


def test_loop_ruler_marks_start_and_end() -> None:
    assert loop_ruler(0, 100, 100, 10) == "├────────┤"
    assert loop_ruler(50, 100, 100, 10) == "     ├───┤"
    assert loop_ruler(10, 12, 100, 10) == " │        "


async def test_sample_shows_its_waveform_and_loop() -> None:
    app = EditorApp(sample_instrument(loop="forward", loop_end_frames=22050), decaying_sine())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_lines(app.query_one(InstrumentEditor))
        assert any(line.startswith("├") and line.rstrip().endswith("┤") for line in lines)
        braille_rows = [line for line in lines[2:8] if any("\u2800" < c <= "\u28ff" for c in line)]
        assert len(braille_rows) >= 4


async def test_linear_values_stay_on_their_step() -> None:
    app = EditorApp(SynthInstrument(pan=0.0))
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to(pilot, "pan")
        await pilot.press("right", "right", "right", "shift+left")
        assert current(app).pan == -0.07  # not -0.06999999999999999
        assert any("-0.07" in line for line in screen_lines(app.query_one(InstrumentEditor)))


# --- snapshots ---------------------------------------------------------------------------------


def test_snapshot_synth(snap_compare: Any) -> None:
    instrument = SynthInstrument(
        name="Acid [b]lead",
        osc1=Oscillator(wave="saw"),
        osc2=Oscillator(wave="pulse", coarse_semitones=-12, fine_cents=7.0, level=0.5),
        filter=Filter(type="lowpass", cutoff_hz=1200.0, resonance=0.6),
        amp_env=Envelope(attack_s=0.005, decay_s=0.3, sustain=0.6, release_s=0.4),
        filter_env=Envelope(attack_s=0.0, decay_s=0.25, sustain=0.2, release_s=0.1),
        filter_env_octaves=3.0,
    )
    assert snap_compare(EditorApp(instrument), terminal_size=(80, 24))


def test_snapshot_sample(snap_compare: Any) -> None:
    instrument = sample_instrument(
        name="Kick",
        loop="forward",
        loop_start_frames=5512,
        loop_end_frames=22050,
        amp_env=Envelope(attack_s=0.0, decay_s=0.5, sustain=0.0, release_s=0.2),
    )
    assert snap_compare(EditorApp(instrument, decaying_sine()), terminal_size=(80, 24))


def test_a_drawn_envelope_is_drawn_through_its_points() -> None:
    ramp = PointEnvelope(
        points=[EnvelopePoint(tick=0, value=1.0), EnvelopePoint(tick=10, value=0.0)]
    )
    assert points_levels(ramp, 11) == pytest.approx([1 - k / 10 for k in range(11)])
    held = PointEnvelope(points=[EnvelopePoint(tick=0, value=0.5)])
    assert points_levels(held, 4) == [0.5] * 4


async def test_an_imported_instruments_drawn_envelope_is_what_the_editor_shows() -> None:
    # It shapes the note instead of the ADSR, so the amp envelope's graph is the drawn one.
    drawn = PointEnvelope(
        points=[EnvelopePoint(tick=0, value=0.0), EnvelopePoint(tick=4, value=1.0)]
    )
    plain = sample_instrument()
    app = EditorApp(plain)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await go_to(pilot, "amp_env.attack_s")
        before = screen_lines(editor)
    app = EditorApp(plain.model_copy(update={"volume_envelope": drawn}))
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await go_to(pilot, "amp_env.attack_s")
        after = screen_lines(editor)
    changed = [y for y, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert changed
    assert all(any(0x2800 <= ord(char) <= 0x28FF for char in after[y]) for y in changed)
