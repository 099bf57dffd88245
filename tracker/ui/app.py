"""The tracker's terminal UI: the App, its views and the actions its keys run.

Keys map to actions through tracker.ui.keymap's table; pattern edits go through the
Editor (tracker.ui.editor) into the Session (tracker.session), which keeps the undo
history and the kernel in step. A timer polls the Session ~30 times a second for what
is heard (playhead, meters) and redraws only what changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.theme import Theme
from textual.widgets import ContentSwitcher, Static

from tracker.clock_in import ClockFollower, TransportFollowed
from tracker.config import Config, ConfigError, UserConfig, load_user_config
from tracker.io.errors import SampleError
from tracker.io.midi import MidiInput, MidiOutput
from tracker.io.project import (
    Project,
    ProjectError,
    load_project,
    loads_song,
    sync_folder,
)
from tracker.io.samples import import_sample
from tracker.midi_learn import Controllers, Learned, Moved, ParamFollower, control_name, fan_out
from tracker.midi_play import MidiPlayer, NoteReleased, NoteTyped, ProgramChosen, Target, UiEvent
from tracker.midi_ports import MidiPorts
from tracker.model import NOTE_CUT, NOTE_OFF, SampleInstrument, Song, SynthInstrument
from tracker.model import edit as ed
from tracker.model.edit import NOTE, EditError
from tracker.model.merge import merge_songs
from tracker.model.params import Param, ParamError, find_param, song_params
from tracker.perform import CueAsked, Performer, PerformEvent
from tracker.record import (
    ControlMove,
    Moment,
    Recorder,
    RecordSettings,
    Take,
    apply_points,
    apply_writes,
)
from tracker.session import Session, autosave_path
from tracker.ui import keymap
from tracker.ui.automation import describe
from tracker.ui.commands import TrackerCommands
from tracker.ui.editor import Editor
from tracker.ui.screens.confirm import Confirm
from tracker.ui.screens.help import HelpScreen
from tracker.ui.screens.midi_mappings import MidiMappingsScreen
from tracker.ui.screens.midi_ports import MidiPortsScreen
from tracker.ui.screens.number_prompt import NumberPrompt
from tracker.ui.screens.param_picker import ParamPicker
from tracker.ui.screens.path_prompt import PathPrompt
from tracker.ui.screens.rename import RenameScreen
from tracker.ui.screens.sample_browser import SampleBrowser
from tracker.ui.screens.sync_conflict import KEEP_MINE, OPEN_THEIRS, SyncConflict
from tracker.ui.text import literal
from tracker.ui.widgets.instrument_editor import InstrumentEditor
from tracker.ui.widgets.instrument_list import InstrumentList
from tracker.ui.widgets.mixer import MASTER as MIXER_MASTER
from tracker.ui.widgets.mixer import Mixer
from tracker.ui.widgets.order_list import OrderList
from tracker.ui.widgets.pattern_grid import PatternGrid
from tracker.ui.widgets.transport_bar import TransportBar, TransportState

if TYPE_CHECKING:
    # tracker.io.sync brings boto3 (~130 ms): imported when a sync first runs, not at start.
    from tracker.io.sync import SyncResult, SyncState, SyncStatus

POLL_HZ: Final = 30.0
JAM_HOLD_S: Final = 0.6
"""A jammed note sounds this long after its key press (terminals send no key release)."""
JAM_REPEAT_HOLD_S: Final = 0.15
"""...and this long after each auto-repeat of a held key, so holding a key holds the note."""
VIEWS: Final = ("pattern", "instruments", "mixer")
HEADER_METER_PERIOD_S: Final = 0.1
LOAD_PERIOD_S: Final = 0.5
EXIT_GRACE_S: Final = 3.0
"""After SIGHUP/SIGTERM, how long a clean exit may take before the process just ends."""
GC_IDLE_S: Final = 0.25
"""No key for this long: a full garbage collection now cannot delay one."""
GC_PERIOD_S: Final = 5.0
GC_NEVER: Final = 1_000_000
"""A gen-2 threshold never reached: full collections happen in _collect_when_idle only."""
HIGH_CONTRAST: Final = Theme(
    name="tracker-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#303030",
    success="#00FF00",
    warning="#FFFF00",
    error="#FF0000",
    dark=True,
)
"""Black, white and pure primaries: readable on any screen, and exact in 16 colours."""
SYNC_RETRY_S: Final = 30.0
"""A queued push (the bucket could not be reached) is tried again this often."""
SYNC_CHECK_S: Final = 60.0
"""A synced project is compared with its bucket this often, for the indicator."""


class MidiArrived(Message):
    """A MIDI message's part for the UI, posted from the MIDI input's thread."""

    def __init__(self, event: UiEvent) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # A burst of program changes selects the last one: the UI need not redraw for each.
        return (
            isinstance(message, MidiArrived)
            and isinstance(self.event, ProgramChosen)
            and isinstance(message.event, ProgramChosen)
        )


class MidiNotice(Message):
    """A port gone, back or missing: one line from the MIDI port watcher's thread."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class Performed(Message):
    """A performance pad asked for a cue, a mute or a solo (the MIDI input's thread)."""

    def __init__(self, event: PerformEvent) -> None:
        super().__init__()
        self.event = event


class ClockFollowed(Message):
    """An external clock started or stopped the song (the MIDI input's thread)."""

    def __init__(self, event: TransportFollowed) -> None:
        super().__init__()
        self.event = event


class MidiLearned(Message):
    """MIDI learn made a mapping, posted from the MIDI input's thread."""

    def __init__(self, learned: Learned) -> None:
        super().__init__()
        self.learned = learned


SyncKind = Literal["push", "retry", "check"]
"""The sync key's push, the timer's retry of a queued push, the timer's status check."""


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What a sync worker did, for the UI thread."""

    kind: SyncKind
    path: Path
    """The project file synced (another may be open by the time this arrives)."""
    label: str
    """The indicator's text."""
    alert: bool
    """The indicator asks for attention (conflict, queued, offline, an error)."""
    state: SyncState | None
    """The sync state as the worker left it; None: never synced."""
    result: SyncResult | None = None
    error: str = ""
    """One line when the sync could not be done."""
    pushed: Song | None = None
    """The song the file held before the push: what the remote's changes were merged into."""
    project: Project | None = None
    """The file loaded again, with its samples, when the sync rewrote it."""


class SyncFinished(Message):
    """A sync worker is done (posted from its thread)."""

    def __init__(self, outcome: SyncOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class TrackerApp(App[None]):
    """tracker: write, hear and save a song from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "tracker"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS: ClassVar[set[Any]] = {TrackerCommands}
    BINDINGS: ClassVar[list[BindingType]] = keymap.bindings()  # type: ignore[assignment]

    def __init__(
        self,
        session: Session,
        *,
        audio_device: str | None = None,
        keys: dict[str, str] | None = None,
        notice: str = "",
        midi: bool = True,
        midi_in: str | None = None,
        config: UserConfig | None = None,
    ) -> None:
        """midi: open our own MIDI ports (tracker:in, tracker:out) and the chosen ones;
        midi_in: play from this input (over the config's); config: the user's settings
        (default: in memory only, nothing saved)."""
        super().__init__()
        self.session = session
        self.editor = Editor(session)
        self.audio_device = audio_device
        self.midi = midi
        self.recorder = Recorder()
        self.midi_player = MidiPlayer(
            session,
            lambda: Target(
                self.editor.cursor.track,
                self.editor.instrument,
                len(self.session.song.tracks),
                spread=self.recorder.on,
            ),
            # From rtmidi's thread: post_message only queues, it never waits for the UI.
            self._midi_for_ui,
        )
        self.config = config or UserConfig(None)
        if midi_in:
            self.config.effective = self.config.effective.model_copy(
                update={"midi_inputs": (midi_in,)}
            )
        settings = self.config.effective
        channel = settings.midi_channel
        self.midi_player.channel = None if channel is None else channel - 1
        self.midi_player.bend_semitones = settings.pitch_bend_semitones
        pads = settings.perform_channel
        self.performer = Performer(
            lambda event: self.post_message(Performed(event)), None if pads is None else pads - 1
        )
        self.clock_follower = ClockFollower(
            session, lambda event: self.post_message(ClockFollowed(event)), time.monotonic
        )
        self.clock_follower.enabled = settings.midi_clock_in
        session.follow_clock(settings.midi_clock_in)
        session.set_midi_clock(settings.midi_clock_out)
        session.midi_outputs = lambda: self.midi_outputs
        self.controllers = Controllers(session, lambda done: self.post_message(MidiLearned(done)))
        """MIDI mappings and MIDI learn, on the MIDI reader thread beside the player."""
        self.param_follower = ParamFollower(session)
        self.midi_ports = MidiPorts(
            fan_out(
                self.performer.guard(self.midi_player.handle),
                self.performer.guard(self.controllers.handle),
                self.performer.handle,
                self.clock_follower.handle,
            ),
            api=settings.midi_api,
            inputs=settings.midi_inputs,
            output=settings.midi_output,
            notify=lambda text: self.post_message(MidiNotice(text)),
        )
        self.key_overrides = keys or {}
        self._notice = notice
        self._jam: dict[str, tuple[int, int, float]] = {}
        """Held jam keys: key -> (track, note, time the note ends)."""
        self._last_peaks: dict[int, tuple[float, float]] = {}
        self._header_peaks: dict[int, float] = {}
        self._pending_peaks: dict[int, float] = {}
        self._header_peaks_at = 0.0
        self._shown_load = 0.0
        self._load_at = 0.0
        self._last_key_s = 0.0
        self._collected_s = 0.0
        self._gc_threshold = gc.get_threshold()
        self.high_contrast = False
        self._autosaved: object = None
        """The song last autosaved, so an unchanged song is not written again."""
        self._lane_said = ""
        """The status line last said for the automation lane under the cursor."""
        self._sync_state: SyncState | None = None
        """The project's sync state as the last sync worker found it; None: never synced."""
        self._sync_running: SyncKind | None = None
        """The sync worker under way: one at a time, as they share the project's files."""
        self._sync_shown: tuple[str, bool] = ("", False)
        """The indicator's text, and whether it asks for attention."""
        self._after_sync: Callable[[], object] | None = None
        """A save asked for while a push was rewriting the file, done when it ends."""

    # ---- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: query_one() looks at the active screen, a dialog when one is up.
        self.transport = TransportBar(id="transport")
        self.views = ContentSwitcher(initial="pattern", id="views")
        self.orders = OrderList(id="orders")
        self.grid = PatternGrid(self.editor, id="grid")
        self.instrument_list = InstrumentList(id="instrument-list")
        self.instrument_editor = InstrumentEditor(id="instrument-editor")
        self.mixer = Mixer(
            id="mixer", output_names=lambda: [output.port_name for output in self.midi_outputs]
        )
        self.status_line = Static(id="status")
        yield self.transport
        with self.views:
            with Horizontal(id="pattern"):
                yield self.orders
                yield self.grid
            with Horizontal(id="instruments"):
                yield self.instrument_list
                yield self.instrument_editor
            yield self.mixer
        yield self.status_line

    def on_mount(self) -> None:
        self.register_theme(HIGH_CONTRAST)
        if self.key_overrides:
            self.set_keymap(self.key_overrides)
        notice = self.session.open_audio(self.audio_device)
        midi_notice = self._open_midi()
        status = f"{self._notice or 'F1 help'}  ·  audio: {notice}"
        self.set_status(f"{status}  ·  {midi_notice}" if midi_notice else status)
        self.grid.focus()
        self._refresh_all()
        self.set_interval(1.0 / POLL_HZ, self._poll)
        if self.config.effective.autosave_s > 0:
            self.set_interval(self.config.effective.autosave_s, self._autosave_if_dirty)
        self.set_interval(SYNC_RETRY_S, self._retry_queued_push)
        self.set_interval(SYNC_CHECK_S, self._check_sync)
        self._check_sync()
        self._offer_recovery()
        self._install_signal_handlers()
        # A full garbage collection walks every long-lived object (the song, Textual, the
        # libraries) and, landing in a key press, costs it a frame or two (p99 31 ms against
        # 9 ms without). So the old generation is collected only while the keys are idle;
        # the young ones, which are cheap, as usual.
        gc.collect()
        gc.freeze()
        threshold0, threshold1, _ = gc.get_threshold()
        gc.set_threshold(threshold0, threshold1, GC_NEVER)

    def _autosave_if_dirty(self) -> None:
        """Every autosave_s (config.toml) while there are unsaved changes: the work goes to
        the autosave file, never over the song."""
        if not self.session.dirty or self.session.song is self._autosaved:
            return
        try:
            where = self.session.autosave()
        except ProjectError as error:
            self.set_status(f"autosave failed: {error}")
            return
        self._autosaved = self.session.song
        self.set_status(f"autosaved to {where.name}")

    def _offer_recovery(self) -> None:
        """An autosave newer than the song (a dropped connection, a crash): offer it. Declined,
        both files stay as they are."""
        path = self.session.project.path
        autosave = autosave_path(path)
        try:
            newer = path is not None and autosave.stat().st_mtime > path.stat().st_mtime
        except OSError:
            newer = False
        if not newer:
            return

        def answered(choice: str | None) -> None:
            if choice != "r":
                self.set_status(f"kept the song as saved; {autosave.name} is still there")
                return
            try:
                recovered = load_project(autosave)
            except ProjectError as error:
                self.set_status(f"cannot recover: {error}")
                return
            self.session.edit(recovered.song, "Recover autosave")
            self._refresh_all()
            self.set_status(f"recovered {autosave.name}: Ctrl+S saves it over the song")

        self.push_screen(
            Confirm(
                f"{autosave.name} is newer than the song: recover the unsaved work?",
                [("r", "Recover"), ("k", "Keep the song as saved")],
            ),
            answered,
        )

    def _install_signal_handlers(self) -> None:
        # An SSH connection that drops sends SIGHUP: keep the work in the autosave file.
        loop = asyncio.get_running_loop()
        for number in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            # Not in the main thread (tests) or no signals here: nothing to install.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(number, self._on_signal)

    def _on_signal(self) -> None:
        # A terminal that is gone (the SSH connection dropped) can leave the shutdown
        # waiting on writes to it; the work is saved first, so never linger holding the
        # audio device.
        watchdog = threading.Timer(EXIT_GRACE_S, os._exit, args=(0,))
        watchdog.daemon = True
        watchdog.start()
        self._save_and_exit()

    def _save_and_exit(self) -> None:
        if self.session.dirty:
            # Nowhere to write: nothing more can be done on the way out.
            with contextlib.suppress(ProjectError, OSError):
                self.session.autosave()
        self.session.close()
        self.exit()

    # ---- drawing state ----------------------------------------------------------------

    def set_status(self, text: str) -> None:
        self.status_line.update(literal(text))

    def _refresh_all(self) -> None:
        """After an edit, undo or a new song: every panel that shows the song."""
        editor = self.editor
        song = self.session.song
        editor.clamp()
        self.orders.set_order(
            song.order, len(song.patterns), editor.order_position, self._playing_order()
        )
        self.instrument_list.set_instruments(song.instruments, editor.instrument)
        self._show_instrument()
        self.mixer.set_tracks(song.tracks, song.master_volume)
        self._draw()

    def _show_instrument(self) -> None:
        number = self.editor.instrument
        song = self.session.song
        instrument = song.instruments[number - 1] if number else None
        frames = None
        if isinstance(instrument, SampleInstrument):
            audio = self.session.project.samples.get(instrument.sample.sha256)
            frames = audio.frames if audio is not None else None
        self.instrument_editor.set_instrument(number, instrument, frames)

    def _playing_order(self) -> int | None:
        heard = self.session.heard
        return heard.order if heard.state == "song" else None

    def _playing_row(self) -> int | None:
        heard = self.session.heard
        if heard.state == "stopped" or heard.pattern != self.editor.cursor.pattern:
            return None
        return heard.row

    def _draw(self) -> None:
        editor = self.editor
        heard = self.session.heard
        song = self.session.song
        self.grid.update_view(self._playing_row(), self._header_peaks)
        cursor = editor.cursor
        status = self.session.playback.status()
        state = TransportState(
            playing=heard.state,
            order=heard.order if heard.state != "stopped" else editor.order_position,
            order_length=len(song.order),
            pattern=heard.pattern if heard.state != "stopped" else cursor.pattern,
            row=heard.row if heard.state != "stopped" else cursor.row,
            tempo_bpm=song.tempo_bpm,
            speed_ticks=song.speed_ticks,
            octave=editor.octave,
            edit_step=editor.edit_step,
            edit_mode=editor.edit_mode,
            record=self.recorder.on,
            cue=self.session.cued,
            clock=self._clock_label(),
            follow=editor.follow,
            loop_pattern=self.session.loop_pattern,
            load=self._shown_load,
            xruns=status.underflows,
            dirty=self.session.dirty,
            audio=self.session.audio_notice,
            hex_rows=self.grid.hex_rows,
            sync=self._sync_shown[0],
            sync_alert=self._sync_shown[1],
        )
        self.transport.update_state(state)
        said = self._lane_status()
        if said != self._lane_said:  # the cursor moved in a lane, or its value changed
            self._lane_said = said
            if said:
                self.set_status(said)
        if editor.message:
            self.set_status(editor.message)
            editor.message = ""

    def _slow_figures(self, peaks: dict[int, tuple[float, float]]) -> None:
        """The track headers' meters and the CPU figure change at a calmer pace than the
        mixer's: they share the screen with the pattern, and every redrawn line is bytes
        on a slow SSH link. Peaks are held, so no transient is missed."""
        for track, pair in peaks.items():
            self._pending_peaks[track] = max(self._pending_peaks.get(track, 0.0), *pair)
        now = time.monotonic()
        if now - self._header_peaks_at >= HEADER_METER_PERIOD_S:
            self._header_peaks, self._pending_peaks = self._pending_peaks, {}
            self._header_peaks_at = now
        if now - self._load_at >= LOAD_PERIOD_S:
            # The worst block of the period: a dropout comes from the peaks, not the mean.
            self._shown_load = self.session.playback.status().load_max
            self.session.kernel.reset_load_max()
            self._load_at = now

    def _open_midi(self) -> str:
        """Our own ports always (other programs can play into us, listen to us), and the
        chosen ones, then the watcher; a problem is a notice, never a reason not to start."""
        if not self.midi:
            return ""
        problems = self.midi_ports.open()
        self.midi_ports.start()
        return "  ·  ".join(p if p.startswith("MIDI") else f"MIDI: {p}" for p in problems)

    @property
    def midi_inputs(self) -> list[MidiInput]:
        """The open MIDI inputs, ours first: a list replaced whole, never changed in place."""
        return self.midi_ports.inputs

    @property
    def midi_outputs(self) -> list[MidiOutput]:
        """The open MIDI outputs, ours (tracker:out) first, for any thread: iterate the list
        taken, which is replaced whole, never changed in place. A send may raise MidiError
        when its port has just gone."""
        return self.midi_ports.outputs

    def action_midi_ports(self) -> None:
        self.push_screen(MidiPortsScreen(self.midi_ports, self.config, self.midi_player))

    @on(MidiNotice)
    def _midi_notice(self, message: MidiNotice) -> None:
        self.set_status(message.text)
        # Probing JACK silences stderr, where Textual draws, for a moment: draw it all again.
        self.refresh()

    def on_unmount(self) -> None:
        self.midi_ports.close()
        self.midi_player.all_off()
        self.session.close()
        gc.unfreeze()
        gc.set_threshold(*self._gc_threshold)

    def _collect_when_idle(self) -> None:
        now = time.monotonic()
        if now - self._last_key_s > GC_IDLE_S and now - self._collected_s > GC_PERIOD_S:
            gc.collect()
            self._collected_s = time.monotonic()

    def _poll(self) -> None:
        self._collect_when_idle()
        notice = self.session.poll()
        self.recorder.timeline.add(self.session.rows_drained, self.session.song, self.session.plays)
        if notice:
            self.set_status(notice)
        self._release_jam_notes()
        self._follow_controllers()
        peaks = self.session.heard.peaks
        if peaks or self._last_peaks:
            self._last_peaks = peaks
            self.mixer.set_levels(peaks)
        self._slow_figures(peaks)
        editor = self.editor
        heard = self.session.heard
        following = heard.state == "song" and editor.follow and not editor.edit_mode
        # Follow mode: show the pattern being heard (the order list's cursor too).
        if following and (
            heard.order != editor.order_position or heard.pattern != editor.cursor.pattern
        ):
            editor.order_position = heard.order
            editor.show_pattern(heard.pattern)
            self.orders.set_order(
                self.session.song.order,
                len(self.session.song.patterns),
                editor.order_position,
                heard.order,
            )
        self._draw()

    # ---- keys the table cannot hold: notes and digits -----------------------------------

    def on_key(self, event: events.Key) -> None:
        self._last_key_s = time.monotonic()
        editor = self.editor
        key = event.key
        if isinstance(self.focused, InstrumentEditor):
            # Play the instrument being edited, to hear each change (as in MilkyTracker).
            note = editor.note_key(key)
            if note is not None:
                event.stop()
                self._jam_note(key, note)
            return
        if not isinstance(self.focused, PatternGrid):
            return
        if editor.cursor.column == NOTE:
            note = editor.note_key(key)
            if note is None:
                return
            event.stop()
            event.prevent_default()
            if editor.edit_mode:
                editor.enter_note(note)
                if note not in (NOTE_OFF, NOTE_CUT):
                    self._jam_note(key, note)
                self._after_edit()
            else:
                self._jam_note(key, note)
            return
        if editor.edit_mode and editor.enter_hex(key):
            event.stop()
            event.prevent_default()
            self._after_edit()

    def _jam_note(self, key: str, note: int) -> None:
        """Play a note on the cursor's track now; held while the key repeats."""
        track = self.editor.cursor.track
        now = time.monotonic()
        if note in (NOTE_OFF, NOTE_CUT):
            self.session.note_off(track)
            return
        held = self._jam.get(key)
        if held is not None and held[:2] == (track, note) and now < held[2]:
            self._jam[key] = (track, note, now + JAM_REPEAT_HOLD_S)  # auto-repeat: keep holding
            return
        if self.editor.instrument:
            self.session.note_on(track, note, self.editor.instrument)
            self._jam[key] = (track, note, now + JAM_HOLD_S)

    def _release_jam_notes(self) -> None:
        now = time.monotonic()
        for key, (track, note, until) in list(self._jam.items()):
            if now >= until:
                del self._jam[key]
                self.session.note_off(track, note)

    def _after_edit(self) -> None:
        self._refresh_all()

    # ---- file actions -----------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_save(self) -> None:
        if self.session.project.path is None:
            self.action_save_as()
            return
        self._save(None)

    def _save(self, path: Path | None) -> bool:
        if self._sync_running in ("push", "retry"):
            # The push may rewrite the file with the remote's changes: save after it.
            self._after_sync = lambda: self._save(path)
            self.set_status("a sync is writing the song file: saving when it is done")
            return False
        before = self.session.project.path
        try:
            saved = self.session.save(path)
        except (ProjectError, OSError) as error:
            self.set_status(f"not saved: {error}")
            return False
        self.set_status(f"saved {saved}")
        if saved != before:
            self._forget_sync()
        elif self._sync_state is not None:
            from tracker.io.sync import SyncStatus

            self._sync_shown = sync_label(self._sync_state, SyncStatus.LOCAL_AHEAD)
        self._draw()
        return True

    def action_save_as(self) -> None:
        current = self.session.project.path

        def chosen(path: str | None) -> None:
            if path:
                self._save(Path(path))

        self.push_screen(PathPrompt("Save as", str(current or "song.json")), chosen)

    def action_open(self) -> None:
        def chosen(path: Path | None) -> None:
            if path is not None:
                self._confirm_discard(lambda: self._open(path))

        folder = self.session.project.path.parent if self.session.project.path else Path.cwd()
        self.push_screen(SampleBrowser(folder, "Open project", frozenset({".json"})), chosen)

    def _open(self, path: Path) -> None:
        try:
            project = load_project(path)
        except ProjectError as error:
            self.set_status(str(error))
            return
        self.session.replace(project)
        self.editor = Editor(self.session)
        self.grid.editor = self.editor
        self.set_status(f"opened {path}")
        self._forget_sync()
        self._refresh_all()

    def _confirm_discard(self, then: Any) -> None:
        """Run ``then`` now, or after asking when there are unsaved changes."""
        if not self.session.dirty:
            then()
            return

        def answered(choice: str | None) -> None:
            if choice == "s":
                if self.session.project.path is None:
                    self.action_save_as()
                    return
                if not self._save(None):
                    return
                then()
            elif choice == "d":
                then()

        self.push_screen(
            Confirm(
                "The song has unsaved changes.",
                [("s", "Save"), ("d", "Discard"), ("c", "Cancel")],
            ),
            answered,
        )

    def action_quit_app(self) -> None:
        def leave() -> None:
            self.session.close()
            self.exit()

        self._confirm_discard(leave)

    # ---- S3 sync (tracker.io.sync; the network only in worker threads) ------------------

    def action_sync(self) -> None:
        """Save if needed, then push in a worker thread; the remote's changes come back merged."""
        if self._sync_running == "check":  # only looking: push as soon as it is done
            self._after_sync = self.action_sync
            self._sync_shown = ("S3 …", False)
            return
        if self._sync_running is not None:
            self.set_status("a sync is under way")
            return
        path = self.session.project.path
        if path is None or (not path.exists() and not self.session.dirty):
            self.set_status("sync: the song has never been saved; save it first (Ctrl+S)")
            return
        if self.session.dirty and not self._save(None):
            return
        self._sync_shown = ("S3 …", False)
        self._start_sync("push", path)
        self._draw()

    def _start_sync(self, kind: SyncKind, path: Path) -> None:
        self._sync_running = kind
        config = self.config.effective

        def work() -> None:
            # post_message only queues: a worker never waits for the UI (nor hangs at exit).
            self.post_message(SyncFinished(run_sync(kind, path, config)))

        self.run_worker(work, name=f"sync {kind}", group="sync", thread=True)

    def _retry_queued_push(self) -> None:
        """Every SYNC_RETRY_S: a push queued while the bucket could not be reached."""
        state, path = self._sync_state, self.session.project.path
        if self._sync_running is None and path and state is not None and state.pending_push:
            self._start_sync("retry", path)

    def _check_sync(self) -> None:
        """At start, and every SYNC_CHECK_S, compare a synced project with its bucket."""
        path = self.session.project.path
        if self._sync_running is not None or path is None:
            return
        if self._sync_state is not None or has_sync_folder(path):
            self._start_sync("check", path)

    def _forget_sync(self) -> None:
        """Another file is open: its own sync state, if it has one, is looked up."""
        self._sync_state = None
        self._sync_shown = ("", False)
        self._check_sync()

    @on(SyncFinished)
    def _sync_finished(self, message: SyncFinished) -> None:
        done = message.outcome
        self._sync_running = None
        if done.path != self.session.project.path:  # another project was opened meanwhile
            self._after_sync = None
            self._check_sync()
            return
        self._sync_state = done.state
        self._sync_shown = (done.label, done.alert)
        result = done.result
        if done.kind == "push":
            self.set_status(done.error or (result.message if result else ""))
        elif done.kind == "retry" and result is not None and not result.queued:
            self.set_status(f"queued push done: {result.message}")
        if result is not None and result.changed_local and done.project and done.pushed:
            self._take_synced_song(done.project, done.pushed)
        after, self._after_sync = self._after_sync, None
        if after is not None:
            after()
        if result is not None and result.conflict_copy is not None:
            self._ask_conflict(result.message, done.path, result.conflict_copy)
        self._draw()

    def _take_synced_song(self, project: Project, pushed: Song) -> None:
        """The sync rewrote the file with the remote's changes: the song shown becomes it, as
        one undoable edit. Edits made while the push ran are merged in (or one undo away)."""
        session = self.session
        # Old samples stay: undo may bring back a song that still uses them.
        session.project.samples = {**session.project.samples, **project.samples}
        current = session.song
        synced = project.song
        if current == pushed:
            if synced != current:
                session.edit(synced, "Sync: remote changes", where=self.editor.cursor)
            session.history.mark_saved()  # the file holds exactly this song now
        else:
            merged = merge_songs(pushed, current, synced).song
            session.edit(merged or synced, "Sync: remote changes", where=self.editor.cursor)
            if merged is None:
                self.set_status(
                    "the remote's changes conflict with your edits made during the sync: "
                    "undo (Ctrl+Z) brings yours back"
                )
        self._refresh_all()

    def _ask_conflict(self, message: str, path: Path, copy: Path) -> None:
        def answered(choice: str | None) -> None:
            if choice == KEEP_MINE:
                self.action_sync()  # the base is now theirs: ours replaces it whole
            elif choice == OPEN_THEIRS:
                # Ours is saved (the sync saved it), or the usual question asks first.
                self._confirm_discard(lambda: self._open_theirs(path, copy))
            else:
                self.set_status(f"conflict left for later: theirs is in {copy.name}")

        self.push_screen(SyncConflict(message, path, copy), answered)

    def _open_theirs(self, path: Path, copy: Path) -> None:
        self._open(copy)
        if self.session.project.path == copy:
            self.set_status(
                f"opened {copy.name} (theirs); {path.name} (yours) is unchanged and not pushed"
            )

    # ---- transport --------------------------------------------------------------------

    def action_play_song(self) -> None:
        self.session.play_song(self.editor.order_position, 0)

    def action_play_pattern(self) -> None:
        self.session.play_pattern(self.editor.cursor.pattern, 0)

    def action_play_from_cursor(self) -> None:
        cursor = self.editor.cursor
        song = self.session.song
        if song.order[self.editor.order_position] == cursor.pattern:
            self.session.play_song(self.editor.order_position, cursor.row)
        else:
            self.session.play_pattern(cursor.pattern, cursor.row)

    def action_stop(self) -> None:
        if self._cancel_learn():
            return
        if self.editor.anchor is not None:
            self.editor.clear_selection()
        else:
            self.session.stop()
        self._draw()

    # ---- live performance and MIDI clock -----------------------------------------------

    def action_cue(self, at_bar: bool = False) -> None:
        """Cue the order list's position (its pattern, when a pattern plays) for the end of
        the pattern or bar; again: cancel."""
        session = self.session
        if session.state == "stopped":
            self.set_status("Cue: nothing is playing")
            return
        position = self.orders.cursor
        if session.state == "pattern":
            position = session.song.order[position]
        self._cue(None if session.cued == position else position, at_bar)

    def _cue(self, position: int | None, at_bar: bool = False) -> None:
        self.session.cue(position, at_bar)
        if position is not None:
            what = "pattern" if self.session.state == "pattern" else "order position"
            when = "bar" if at_bar else "pattern"
            self.set_status(f"Cued {what} {position:02X}: starts when this {when} ends")
        self._draw()

    @on(Performed)
    def _performed(self, message: Performed) -> None:
        event = message.event
        song = self.session.song
        if isinstance(event, CueAsked):
            if event.order < len(song.order) and self.session.state != "stopped":
                position = event.order
                if self.session.state == "pattern":
                    position = song.order[position]
                self._cue(position)
        elif event.track < len(song.tracks):
            track = song.tracks[event.track]
            changes = {"solo": not track.solo} if event.solo else {"mute": not track.mute}
            self._song_edit(ed.update_track(song, event.track, **changes), "Mixer")

    @on(ClockFollowed)
    def _clock_followed(self, message: ClockFollowed) -> None:
        self.session.transport_followed("stopped" if message.event.state == "stopped" else "song")
        self._draw()

    def _clock_label(self) -> str:
        parts = []
        if self.session.following_clock:
            bpm = self.session.kernel.stats().follow_bpm
            parts.append(f"EXT {bpm:.1f}" if bpm else "EXT --")
        if self.session.midi_clock:
            parts.append("CLK OUT")
        return " ".join(parts)

    def action_toggle_clock_out(self) -> None:
        on = not self.session.midi_clock
        self.session.set_midi_clock(on)
        self._save_setting(f"MIDI clock out {'on' if on else 'off'}", midi_clock_out=on)

    def action_toggle_clock_in(self) -> None:
        on = not self.session.following_clock
        self.session.follow_clock(on)
        self.clock_follower.enabled = on
        self._save_setting(f"Following MIDI clock {'on' if on else 'off'}", midi_clock_in=on)

    def _save_setting(self, said: str, **fields: Any) -> None:
        try:
            self.config.change(**fields)
        except ConfigError as error:
            said = f"{said} (not saved: {error})"
        self.set_status(said)
        self._draw()

    def action_toggle_loop(self) -> None:
        self.session.set_loop_pattern(not self.session.loop_pattern)
        self._draw()

    def action_toggle_follow(self) -> None:
        self.editor.follow = not self.editor.follow
        self._draw()

    def action_tempo(self, delta: int) -> None:
        song = self.session.song
        tempo = max(32, min(255, song.tempo_bpm + delta))
        self._song_edit(ed.update_song(song, tempo_bpm=tempo), "Tempo")
        self.session.set_tempo(tempo)

    # ---- views ------------------------------------------------------------------------

    def action_view(self, name: str) -> None:
        if name not in VIEWS:
            return
        self.views.current = name
        # With no instrument yet there is nothing to edit: the list is where one is made.
        editor = self.instrument_editor if self.session.song.instruments else self.instrument_list
        focus = {"pattern": self.grid, "instruments": editor, "mixer": self.mixer}
        focus[name].focus()

    def action_focus_orders(self) -> None:
        self.action_view("pattern")
        self.orders.focus()

    # ---- cursor and editing actions (the pattern grid's) ------------------------------

    def _grid_action(self, method: str, *args: Any) -> None:
        if not isinstance(self.focused, PatternGrid):
            return
        try:
            getattr(self.editor, method)(*args)
        except EditError as error:
            self.set_status(str(error))
        self._refresh_all()

    def action_move(self, rows: int, select: bool = False) -> None:
        self._grid_action("move_rows", rows, select)

    def action_go_row(self, row: int) -> None:
        rows = len(self.session.song.patterns[self.editor.cursor.pattern].rows)
        self._grid_action("go_row", rows - 1 if row < 0 else row)

    def action_column(self, delta: int, select: bool = False) -> None:
        self._grid_action("move_column", delta, select)

    def action_track(self, delta: int) -> None:
        """Tab: the next track in the pattern grid; elsewhere, the next widget as usual."""
        if isinstance(self.focused, PatternGrid):
            self._grid_action("move_track", delta)
        elif delta > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def action_order_step(self, delta: int) -> None:
        self.editor.show_order(self.editor.order_position + delta)
        self._refresh_all()

    def action_toggle_edit(self) -> None:
        self.editor.edit_mode = not self.editor.edit_mode
        self._draw()

    def action_toggle_record(self) -> None:
        self.recorder.toggle()
        state = "on" if self.recorder.on else "off"
        self.set_status(f"record {state}: {self.recorder.settings.describe()}")
        self._draw()

    def action_record_quantise(self) -> None:
        settings = self.recorder.settings
        tick = settings.quantise == "row"
        self._record_settings(replace(settings, quantise="tick" if tick else "row"))

    def action_record_note_offs(self) -> None:
        settings = self.recorder.settings
        self._record_settings(replace(settings, note_offs=not settings.note_offs))

    def action_record_velocity(self) -> None:
        settings = self.recorder.settings
        self._record_settings(replace(settings, velocity=not settings.velocity))

    def _record_settings(self, settings: RecordSettings) -> None:
        self.recorder.settings = settings
        self.set_status(f"record: {settings.describe()}")

    def action_clear_field(self) -> None:
        self._grid_action("clear_field")

    def action_clear_cell(self) -> None:
        self._grid_action("clear_cell")

    def action_insert_row(self, all_tracks: bool) -> None:
        self._grid_action("insert_row", all_tracks)

    def action_delete_row(self, all_tracks: bool) -> None:
        self._grid_action("delete_row", all_tracks)

    def action_undo(self) -> None:
        self.editor.undo()
        self._refresh_all()

    def action_redo(self) -> None:
        self.editor.redo()
        self._refresh_all()

    def action_block_begin(self) -> None:
        self._grid_action("block_begin")

    def action_block_end(self) -> None:
        self._grid_action("block_end")

    def action_select_track(self) -> None:
        self._grid_action("select_track")

    def action_copy(self) -> None:
        self._grid_action("copy")

    def action_cut(self) -> None:
        self._grid_action("cut")

    def action_paste(self, mix: bool) -> None:
        self._grid_action("paste", mix)

    def action_clear_block(self) -> None:
        self._grid_action("clear_block")

    def action_transpose(self, semitones: int) -> None:
        self._grid_action("transpose", semitones)

    def action_set_instrument(self) -> None:
        self._grid_action("set_instrument_on_block")

    def action_interpolate(self) -> None:
        self._grid_action("interpolate")

    def action_expand(self) -> None:
        self._grid_action("expand")

    def action_shrink(self) -> None:
        self._grid_action("shrink")

    def action_octave(self, delta: int) -> None:
        self.editor.change_octave(delta)
        self._draw()

    def action_step(self, delta: int) -> None:
        self.editor.change_edit_step(delta)
        self._draw()

    def action_instrument(self, delta: int) -> None:
        self.editor.change_instrument(delta)
        self._refresh_all()

    def action_toggle_hex(self) -> None:
        grid = self.grid
        grid.hex_rows = not grid.hex_rows
        self._draw()

    def action_toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast
        self.theme = HIGH_CONTRAST.name if self.high_contrast else "textual-dark"

    # ---- the panels' messages ---------------------------------------------------------

    def _song_edit(self, song: Any, label: str) -> None:
        self.session.edit(song, label, where=self.editor.cursor)
        self._refresh_all()

    def _midi_for_ui(self, event: UiEvent) -> None:
        """From the MIDI reader thread: only what the UI will use goes to it, so a flood of
        notes while nothing is written does not queue up in front of the keys."""
        if isinstance(event, NoteTyped | NoteReleased) and not (
            self.editor.edit_mode or self.recorder.on
        ):
            return
        self.post_message(MidiArrived(event))

    @on(MidiArrived)
    def _midi_arrived(self, message: MidiArrived) -> None:
        """What a MIDI message means for the editor (its sound was already sent)."""
        event = message.event
        if isinstance(event, ProgramChosen):
            if event.number <= len(self.session.song.instruments):
                self.editor.instrument = event.number
                self._refresh_all()
        elif self.recorder.on and isinstance(event, NoteTyped | NoteReleased):
            self._record(event)
        elif (
            isinstance(event, NoteTyped)
            and self.editor.edit_mode
            and isinstance(self.focused, PatternGrid)
        ):
            # Like a note key: written at the cursor with the current instrument.
            self.editor.enter_note(event.note)
            self._after_edit()

    def _record(self, event: NoteTyped | NoteReleased) -> None:
        """Record mode: the note written where it was heard, or at the cursor when stopped."""
        session, editor = self.session, self.editor
        if session.state != "stopped":
            self._poll()  # the rows the kernel has reached by now
        now = self._moment(session.stream_time_s(event.arrived_s))
        song = session.song
        if isinstance(event, NoteTyped):
            take = self.recorder.press(song, event.note, event.velocity, event.track, now)
        else:
            take = self.recorder.release(song, event.note, now)
        try:
            if take.writes:
                recorded = apply_writes(song, take.writes)
                session.edit(recorded, "Record", where=editor.cursor, group=take.group)
        except EditError as error:
            self.set_status(f"not recorded: {error}")
        if take.cursor_row is not None:
            editor.go_row(take.cursor_row)
        self._after_edit()

    def _moment(self, time_s: float) -> Moment:
        session, editor = self.session, self.editor
        return Moment(
            playing=session.state != "stopped",
            time_s=time_s,
            loop=session.state == "pattern" or session.loop_pattern,
            cursor_pattern=editor.cursor.pattern,
            cursor_row=editor.cursor.row,
            edit_step=editor.edit_step,
            instrument=editor.instrument,
            plays=session.plays,
        )

    @on(PatternGrid.CursorMoved)
    def _grid_clicked(self) -> None:
        self._refresh_all()

    @on(OrderList.CursorMoved)
    def _order_cursor(self, message: OrderList.CursorMoved) -> None:
        self.editor.show_order(message.position)
        self._refresh_all()

    @on(OrderList.Jump)
    def _order_jump(self, message: OrderList.Jump) -> None:
        self.editor.show_order(message.position)
        if self.session.state != "stopped":
            self.session.play_song(message.position, 0)
        self._refresh_all()

    @on(OrderList.Requested)
    def _order_request(self, message: OrderList.Requested) -> None:
        song = self.session.song
        position = message.position
        pattern = song.order[position]
        try:
            match message.action:
                case "insert":
                    self._song_edit(ed.insert_order(song, position, pattern), "Insert order")
                case "delete":
                    self._song_edit(ed.delete_order(song, position), "Delete order")
                case "duplicate":
                    self._song_edit(ed.duplicate_order(song, position), "Duplicate order")
                    self.editor.order_position = position + 1
                case "move_up" | "move_down":
                    delta = -1 if message.action == "move_up" else 1
                    self._song_edit(ed.move_order(song, position, delta), "Move order")
                    self.editor.order_position = max(0, min(len(song.order) - 1, position + delta))
                case "next_pattern" | "previous_pattern":
                    delta = 1 if message.action == "next_pattern" else -1
                    target = max(0, min(len(song.patterns) - 1, pattern + delta))
                    self._song_edit(ed.set_order(song, position, target), "Set order")
                # A new or cloned pattern goes into a new order entry after the cursor's,
                # as OpenMPT does, so the song's existing order is kept.
                case "new_pattern":
                    rows = len(song.patterns[pattern].rows)
                    new_song, index = ed.new_pattern(song, rows)
                    new_song = ed.insert_order(new_song, position + 1, index)
                    self._song_edit(new_song, "New pattern")
                    self.editor.order_position = position + 1
                case "clone_pattern":
                    new_song, index = ed.clone_pattern(song, pattern)
                    new_song = ed.insert_order(new_song, position + 1, index)
                    self._song_edit(new_song, "Clone pattern")
                    self.editor.order_position = position + 1
                case "delete_unused":
                    self._song_edit(ed.delete_unused_patterns(song), "Delete unused patterns")
                case "pattern_length":
                    self._ask_pattern_length(pattern)
        except EditError as error:
            self.set_status(str(error))
        self.editor.show_order(self.editor.order_position)
        self._refresh_all()

    def _ask_pattern_length(self, pattern: int) -> None:
        rows = len(self.session.song.patterns[pattern].rows)

        def chosen(length: int | None) -> None:
            if length is not None:
                song = ed.set_pattern_length(self.session.song, pattern, length)
                self._song_edit(song, "Pattern length")

        self.push_screen(NumberPrompt("Pattern length (rows)", rows, 1, 256), chosen)

    @on(Mixer.TrackChanged)
    def _mixer_track(self, message: Mixer.TrackChanged) -> None:
        try:
            song = ed.update_track(self.session.song, message.track, **message.changes)
        except EditError as error:
            self.set_status(str(error))
            return
        self._song_edit(song, "Mixer")
        track = song.tracks[message.track]
        if "midi_output" in message.changes or "midi_channel" in message.changes:
            channel = f"channel {track.midi_channel}" if track.midi_channel else "no channel"
            output = track.midi_output or "every output"
            self.set_status(f"Track {message.track + 1} MIDI: {channel}, to {output}")

    @on(Mixer.MasterChanged)
    def _mixer_master(self, message: Mixer.MasterChanged) -> None:
        self._song_edit(ed.update_song(self.session.song, master_volume=message.volume), "Master")

    @on(InstrumentList.Selected)
    def _instrument_selected(self, message: InstrumentList.Selected) -> None:
        self.editor.instrument = message.number
        self._refresh_all()

    @on(InstrumentEditor.Changed)
    def _instrument_changed(self, message: InstrumentEditor.Changed) -> None:
        song = ed.replace_instrument(self.session.song, message.number, message.instrument)
        self._song_edit(song, f"Instrument {message.param}")

    @on(InstrumentList.Requested)
    def _instrument_request(self, message: InstrumentList.Requested) -> None:
        song = self.session.song
        number = message.number
        try:
            match message.action:
                case "new_synth":
                    new_song, number = ed.add_instrument(song, SynthInstrument(name="synth"))
                    self._song_edit(new_song, "New instrument")
                    self.editor.instrument = number
                case "new_sample":
                    self.push_screen(SampleBrowser(Path.cwd()), self._load_sample)
                case "clone" if number:
                    new_song, number = ed.clone_instrument(song, number)
                    self._song_edit(new_song, "Clone instrument")
                    self.editor.instrument = number
                case "delete" if number:
                    self._song_edit(ed.delete_instrument(song, number), "Delete instrument")
                case "rename" if number:
                    name = song.instruments[number - 1].name
                    self.push_screen(
                        RenameScreen(name),
                        lambda new: self._rename_instrument(number, new),
                    )
        except EditError as error:
            self.set_status(str(error))
        self._refresh_all()

    def _rename_instrument(self, number: int, name: str | None) -> None:
        if name is not None:
            self._song_edit(ed.rename_instrument(self.session.song, number, name), "Rename")

    def _load_sample(self, path: Path | None) -> None:
        if path is None:
            return
        try:
            ref = import_sample(self.session.project, path)
        except SampleError as error:
            self.set_status(str(error))
            return
        instrument = SampleInstrument(name=path.stem[:256], sample=ref)
        song, number = ed.add_instrument(self.session.song, instrument)
        self._song_edit(song, "Load sample")
        self.editor.instrument = number
        self._refresh_all()

    # ---- MIDI learn and controller mappings (tracker.midi_learn) ------------------------

    def _follow_controllers(self) -> None:
        """The song takes the controls' latest values (already heard) at the poll's pace;
        recording while playing, their moves are automation points too, in the pass's undo
        step."""
        self.controllers.expire_learn()
        moves = self.controllers.take_moves()
        take = self._automation_take(moves) if self.recorder.on and moves else Take()
        values = self.controllers.take_values()
        changed = self.param_follower.apply(values, time.monotonic(), take.group)
        if take.points:  # after the values: the song swapped in must hold them already
            try:
                song = apply_points(self.session.song, take.points)
                self.session.edit(song, "Record", where=self.editor.cursor, group=take.group)
                changed = True
            except EditError as error:
                self.set_status(f"not recorded: {error}")
        if changed:
            self._refresh_all()

    def _automation_take(self, moves: list[Moved]) -> Take:
        session = self.session
        timed = [ControlMove(m.param, m.value, session.stream_time_s(m.arrived_s)) for m in moves]
        return self.recorder.automate(session.song, timed, self._moment(0.0))

    # ---- automation lanes (tracker.ui.automation; the Editor edits them) ----------------

    def action_add_lane(self) -> None:
        """Pick a parameter for a new lane in the pattern shown; the mixer strip's or the
        instrument editor line's parameter comes highlighted."""
        under = None
        if isinstance(self.focused, Mixer | InstrumentEditor):
            under = self._param_under_cursor("Automation")

        def chosen(param_id: str | None) -> None:
            if param_id is None:
                return
            try:
                self.editor.add_lane(param_id)
            except EditError as error:
                self.set_status(str(error))
                return
            self.action_view("pattern")
            self._refresh_all()

        params = song_params(self.session.song)
        self.push_screen(ParamPicker(params, under.id if under else None), chosen)

    def action_remove_lane(self) -> None:
        lane = self.editor.current_lane()
        if lane is None or not isinstance(self.focused, PatternGrid):
            self.set_status("Put the cursor in an automation lane to remove it")
            return
        question = f"Remove the automation lane of {self.editor.lane_name()}?"

        def answered(choice: str | None) -> None:
            if choice == "r":
                self.editor.remove_lane()
                self._refresh_all()

        self.push_screen(Confirm(question, [("r", "Remove"), ("c", "Cancel")]), answered)

    def action_lane_interpolation(self) -> None:
        self._grid_action("toggle_interpolation")

    def _lane_status(self) -> str:
        lane = self.editor.current_lane()
        if lane is None or not isinstance(self.focused, PatternGrid):
            return ""
        try:
            param = find_param(self.session.song, lane.param)
        except ParamError:
            return f"{lane.param}: not a parameter of this song"
        return describe(param, lane, self.editor.cursor.row)

    def action_midi_learn(self) -> None:
        """Arm MIDI learn for the parameter under the cursor: the mixer's strip (again: the
        strip's next parameter) or the instrument editor's."""
        param = self._param_under_cursor()
        if param is None:
            return
        self.controllers.learner.arm(param.id)
        self.set_status(f"Move a control to map {param.name} (escape cancels)")

    def _param_under_cursor(self, purpose: str = "MIDI learn") -> Param | None:
        focused = self.focused
        label = ""
        if isinstance(focused, Mixer) and focused.selected == MIXER_MASTER:
            param_id = "master.volume"
        elif isinstance(focused, Mixer):
            prefix = f"track.{focused.selected + 1}."
            armed = self.controllers.learner.armed or ""
            fields = ("volume", "pan", "mute", "solo")
            field = armed.removeprefix(prefix)
            after = fields.index(field) + 1 if armed.startswith(prefix) and field in fields else 0
            param_id = prefix + fields[after % len(fields)]
        elif isinstance(focused, InstrumentEditor) and focused.param and self.editor.instrument:
            param_id = f"instrument.{self.editor.instrument}.{focused.param.path}"
            label = focused.param.label
        else:
            self.set_status(f"{purpose}: select a parameter in the mixer or instrument editor")
            return None
        try:
            return find_param(self.session.song, param_id)
        except ParamError:  # a choice (wave, filter type) or a sample's loop points
            self.set_status(f"{purpose}: {label} cannot be mapped to a control")
            return None

    def _cancel_learn(self) -> bool:
        if self.controllers.learner.armed is None:
            return False
        self.controllers.learner.cancel()
        self.set_status("MIDI learn cancelled")
        return True

    @on(MidiLearned)
    def _midi_learned(self, message: MidiLearned) -> None:
        mapping = message.learned.mapping
        try:
            song = ed.add_mapping(self.session.song, mapping)
        except EditError as error:
            self.set_status(str(error))
            return
        self._song_edit(song, "MIDI learn")
        name = find_param(song, mapping.param).name
        self.set_status(f"Mapped {control_name(mapping)} → {name}")

    def action_midi_mappings(self) -> None:
        self.push_screen(MidiMappingsScreen(lambda: self.session.song))

    @on(MidiMappingsScreen.Requested)
    def _mapping_requested(self, message: MidiMappingsScreen.Requested) -> None:
        song = self.session.song
        try:
            if message.changes is None:
                song, label = ed.remove_mapping(song, message.index), "Remove MIDI mapping"
            else:
                song = ed.update_mapping(song, message.index, **message.changes)
                label = "Change MIDI mapping"
        except EditError as error:
            self.set_status(str(error))
            return
        self._song_edit(song, label)


def run(
    project: Project,
    audio_device: str | None = None,
    notice: str = "",
    midi_in: str | None = None,
    midi_out: str | None = None,
    midi_api: str | None = None,
) -> None:
    """Open the UI on ``project`` until the user quits; the MIDI options override the
    user's config.toml for this run only."""
    keys: dict[str, str] = {}
    try:
        keys = keymap.load_overrides()
    except keymap.KeymapError as error:
        notice = f"{error} (using the default keys)"
    config = load_user_config(
        midi_inputs=(midi_in,) if midi_in else None, midi_output=midi_out, midi_api=midi_api
    )
    notice = config.notice or notice
    session = Session(project)
    app = TrackerApp(session, audio_device=audio_device, keys=keys, notice=notice, config=config)
    app.run()


# ---- S3 sync: what the worker threads run (the network and files, never the widgets) ----


def run_sync(kind: SyncKind, path: Path, config: Config) -> SyncOutcome:
    """Push `path` (kind "push" or "retry") or compare it with its bucket ("check").

    Runs in a worker thread. A project never synced goes to the bucket named by the
    environment or `config`; once synced, its sync state says where.
    """
    from tracker.io import sync
    from tracker.io.s3 import Offline, S3Error, location_from

    result: SyncResult | None = None
    status: SyncStatus | None = None
    pushed: Song | None = None
    project: Project | None = None
    error = ""
    offline = False
    try:
        state = sync.read_state(path)
        if kind == "check":
            if state is not None:
                status, _ = sync.status(path, None)
        else:
            location = None
            if state is None:
                # No bucket anywhere: push itself says so, in one line, before writing anything.
                with contextlib.suppress(S3Error):
                    location = location_from(
                        None,
                        None,
                        None,
                        config.s3_bucket,
                        config.s3_prefix,
                        config.s3_endpoint_url,
                    )
            pushed = loads_song(path.read_bytes(), path.name)
            result = sync.push(path, location)
            status = result.status
            if result.changed_local:
                project = load_project(path)
    except (sync.SyncError, S3Error, ProjectError, OSError) as problem:
        error = str(problem)
        offline = isinstance(problem, Offline | sync.SyncOffline)
    except Exception as problem:  # a bug in a sync must not take the open song down with it
        error = f"sync failed: {type(problem).__name__}: {problem}"
    try:
        state = sync.read_state(path)
    except sync.SyncError:
        state = None
    label, alert = sync_label(state, status, offline=offline, failed=bool(error))
    return SyncOutcome(kind, path, label, alert, state, result, error, pushed, project)


def sync_label(
    state: SyncState | None, status: SyncStatus | None, offline: bool = False, failed: bool = False
) -> tuple[str, bool]:
    """The indicator's text and whether it asks for attention; nothing for a project never
    synced, so the bar looks as it always did until the first sync."""
    from tracker.io.sync import SyncStatus

    if state is None:
        return "", False
    if state.pending_push:
        return "S3 queued", True
    if state.conflict_copy:
        return "S3 conflict", True
    if offline:
        return "S3 offline", True
    if failed:
        return "S3 error", True
    if status is SyncStatus.REMOTE_MISSING:
        return "S3 missing", True
    if status is SyncStatus.DIVERGED:
        return "S3 ⇅", True  # a push merges the two, or finds a conflict
    if status is None:
        return "S3", False
    arrows = {
        SyncStatus.IN_SYNC: "S3 ✓",
        SyncStatus.LOCAL_AHEAD: "S3 ↑",
        SyncStatus.REMOTE_AHEAD: "S3 ↓",
    }
    return arrows.get(status, "S3"), False


def has_sync_folder(path: Path | None) -> bool:
    """Whether `path` was ever synced (without importing boto3 into every start)."""
    return path is not None and sync_folder(path).is_dir()
