"""Standard MIDI File export and import (tracker.io.smf) and the `export` / `import` commands."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

import mido
import pytest

from tracker.cli import main
from tracker.demo import demo_song
from tracker.io.project import load_project
from tracker.io.smf import (
    MAX_SMF_BYTES,
    SmfError,
    export_smf,
    import_smf,
    played_rows,
    song_to_midi,
)
from tracker.model import NOTE_OFF, Cell, Effect, Pattern, Song, SynthInstrument, Track, parse_row

TOLERANCE_S = 0.001
ROW_S = 6 * 2.5 / 125  # a row at the default speed 6 and 125 BPM: 0.12 s

Event = tuple[float, str, int, int, int]  # time_s, kind, channel, note or program, velocity


def make_song(
    patterns: Sequence[Sequence[str]], rows: int = 16, order: Sequence[int] = (0,)
) -> Song:
    """A song from pattern text, one string per row ("C-4 01 40 ED3 | --- .. .. ..."); rows
    past the text are empty. Two plain synths; tracks have one effect column."""
    tracks = patterns[0][0].count("|") + 1
    empty = " | ".join(["--- .. .. ..."] * tracks)
    built = [
        Pattern(
            rows=[parse_row(line, [1] * tracks) for line in [*text, *[empty] * (rows - len(text))]]
        )
        for text in patterns
    ]
    return Song(
        tracks=[Track(name=f"t{index}") for index in range(tracks)],
        instruments=[SynthInstrument(name="one"), SynthInstrument(name="two")],
        patterns=built,
        order=list(order),
    )


def read_events(midi: mido.MidiFile) -> list[list[Event]]:
    """Per MIDI track after the conductor, its channel events with times in seconds."""
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    per_track: list[list[Event]] = []
    for track in midi.tracks[1:]:
        tick = 0
        events: list[Event] = []
        for message in track:
            tick += message.time
            time_s = mido.tick2second(tick, midi.ticks_per_beat, tempo)
            if message.type == "program_change":
                events.append((time_s, "program", message.channel, message.program, 0))
            elif message.type == "note_on":
                events.append((time_s, "on", message.channel, message.note, message.velocity))
            elif message.type == "note_off":
                events.append((time_s, "off", message.channel, message.note, 0))
        per_track.append(events)
    return per_track


def assert_events(actual: list[Event], expected: list[Event]) -> None:
    assert [event[1:] for event in actual] == [event[1:] for event in expected]
    for got, want in zip(actual, expected, strict=True):
        assert got[0] == pytest.approx(want[0], abs=TOLERANCE_S), (got, want)


def notes_by_row(song: Song) -> dict[tuple[int, int], int]:
    """(song row, track) -> note of every cell with a note, patterns in order."""
    found: dict[tuple[int, int], int] = {}
    offset = 0
    for index in song.order:
        for r, row in enumerate(song.patterns[index].rows):
            for t, cell in enumerate(row):
                if cell.note is not None:
                    found[offset + r, t] = cell.note
        offset += len(song.patterns[index].rows)
    return found


# ---- export -------------------------------------------------------------------------------


def test_export_notes_channels_velocities_programs_and_row_times(tmp_path: Path) -> None:
    song = make_song(
        [
            [
                "C-4 01 40 ... | --- .. .. ...",
                "--- .. .. ... | --- .. .. ...",
                "--- .. .. ... | A-3 02 .. ...",
                "--- .. .. ... | --- .. .. ...",
                "E-4 .. .. ... | --- .. .. ...",
                "--- .. .. ... | --- .. .. ...",
                "--- .. .. ... | ^^^ .. .. ...",
                "--- .. .. ... | --- .. .. ...",
                "=== .. .. ... | --- .. .. ...",
                "--- .. .. ... | --- .. .. ...",
                "--- .. .. ... | --- .. .. ...",
                "--- .. .. ... | --- .. .. ...",
                "G-4 02 10 ... | --- .. .. ...",
            ]
        ]
    )
    path = tmp_path / "song.mid"
    export_smf(song, None, path)

    midi = mido.MidiFile(path)
    assert midi.type == 1
    assert [track.name for track in midi.tracks] == ["", "t0", "t1"]
    events = read_events(midi)
    assert_events(
        events[0],
        [
            (0.0, "program", 0, 0, 0),
            (0.0, "on", 0, 60, 127),  # C-4 is middle C; volume 40 is full velocity
            (4 * ROW_S, "off", 0, 60, 0),
            (4 * ROW_S, "on", 0, 64, 100),  # no volume column: 100
            (8 * ROW_S, "off", 0, 64, 0),  # note-off
            (12 * ROW_S, "program", 0, 1, 0),  # instrument 02
            (12 * ROW_S, "on", 0, 67, 32),  # volume 10 of 40
            (16 * ROW_S, "off", 0, 67, 0),  # the song's end
        ],
    )
    assert_events(
        events[1],
        [
            (2 * ROW_S, "program", 1, 1, 0),
            (2 * ROW_S, "on", 1, 57, 100),
            (6 * ROW_S, "off", 1, 57, 0),  # note cut
        ],
    )


def test_export_follows_speed_tempo_breaks_and_jumps() -> None:
    song = make_song(
        [
            [
                "C-4 01 .. ...",
                "--- .. .. ...",
                "D-4 .. .. F03",  # speed 3 from here
                "G-4 .. .. ED4",  # a 4-tick delay in a 3-tick row: never played
                "E-4 .. .. F96",  # tempo 150 from here
                "--- .. .. D02",  # break to row 2 of the next position
            ],
            [
                "--- .. .. ...",
                "--- .. .. ...",
                "F-4 .. .. ED1",  # one tick of tempo 150 late
                "--- .. .. B02",  # to position 2, then (played from there) the song's end
            ],
        ],
        rows=8,
        order=[0, 1, 1],
    )
    slow, fast = 3 * 2.5 / 125, 3 * 2.5 / 150
    expected_rows = [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (1, 3)]
    expected_rows += [(2, 0), (2, 1), (2, 2), (2, 3)]
    durations = [ROW_S, ROW_S, slow, slow] + [fast] * 8
    times = [sum(durations[:index]) for index in range(len(durations))]

    rows, end_s = played_rows(song)
    assert [(row.order, row.row) for row in rows] == expected_rows
    assert [row.time_s for row in rows] == pytest.approx(times, abs=1e-4)
    assert end_s == pytest.approx(sum(durations), abs=1e-4)

    events = read_events(song_to_midi(song))
    fast_tick_s = 2.5 / 150
    starts = [times[0], times[2], times[4], times[6] + fast_tick_s, times[10] + fast_tick_s]
    notes = [60, 62, 64, 65, 65]
    ends = [*starts[1:], sum(durations)]
    expected: list[Event] = [(0.0, "program", 0, 0, 0)]
    for note, start, end in zip(notes, starts, ends, strict=True):
        expected += [(start, "on", 0, note, 100), (end, "off", 0, note, 0)]
    expected.sort(key=lambda event: (round(event[0], 6), event[1] != "program", event[1] == "on"))
    assert_events(events[0], expected)


def test_export_note_delay_note_cut_and_pattern_delay(tmp_path: Path) -> None:
    tick_s = 2.5 / 125
    song = make_song(
        [
            [
                "C-4 01 .. ED3",  # starts 3 ticks late
                *["--- .. .. ..."] * 3,
                "E-4 .. .. EC2",  # cut after 2 ticks
                *["--- .. .. ..."] * 3,
                "G-4 .. .. EE1",  # the row plays twice: row 9 comes a row later
                "A-4 .. .. ...",
                *["--- .. .. ..."] * 2,
                "B-4 .. .. ED7",  # a delay past the row's 6 ticks: never played
            ]
        ]
    )
    path = tmp_path / "delays.mid"
    export_smf(song, None, path)
    events = read_events(mido.MidiFile(path))
    assert_events(
        events[0],
        [
            (3 * tick_s, "program", 0, 0, 0),
            (3 * tick_s, "on", 0, 60, 100),
            (4 * ROW_S, "off", 0, 60, 0),
            (4 * ROW_S, "on", 0, 64, 100),
            (4 * ROW_S + 2 * tick_s, "off", 0, 64, 0),
            (8 * ROW_S, "on", 0, 67, 100),
            (10 * ROW_S, "off", 0, 67, 0),
            (10 * ROW_S, "on", 0, 69, 100),
            (17 * ROW_S, "off", 0, 69, 0),  # 16 rows and one repeat
        ],
    )


def test_export_uses_the_song_beat_as_tempo_and_skips_the_drum_channel() -> None:
    song = make_song([[" | ".join(["C-4 01 .. ..."] * 11)]])
    midi = song_to_midi(song)
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    assert tempo == 480_000  # 4 rows of 0.12 s: 125 BPM, so a DAW's bars match the song's
    channels = [next(m.channel for m in track if m.type == "note_on") for track in midi.tracks[1:]]
    assert channels == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11]


def test_demo_song_exports_a_conductor_and_one_midi_track_per_tracker_track(
    tmp_path: Path,
) -> None:
    song = demo_song()
    path = tmp_path / "demo.mid"
    export_smf(song, None, path)
    midi = mido.MidiFile(path)
    assert len(midi.tracks) == len(song.tracks) + 1
    assert [track.name for track in midi.tracks] == [song.title] + [t.name for t in song.tracks]
    assert all(any(m.type == "note_on" for m in track) for track in midi.tracks[1:])
    _, end_s = played_rows(song)
    assert midi.length == pytest.approx(end_s, abs=TOLERANCE_S)


# ---- import -------------------------------------------------------------------------------


def write_midi(path: Path, tracks: list[list[mido.Message]], kind: int = 1) -> Path:
    """A MIDI file at 480 ticks per beat; messages carry absolute ticks, made relative here."""
    midi = mido.MidiFile(type=kind, ticks_per_beat=480)
    for messages in tracks:
        track = mido.MidiTrack()
        now = 0
        for message in messages:
            track.append(message.copy(time=message.time - now))
            now = message.time
        midi.tracks.append(track)
    midi.save(path)
    return path


def note(
    channel: int, pitch: int, start_beats: float, beats: float, velocity: int = 100
) -> list[mido.Message]:
    return [
        mido.Message(
            "note_on", channel=channel, note=pitch, velocity=velocity, time=round(start_beats * 480)
        ),
        mido.Message(
            "note_off", channel=channel, note=pitch, time=round((start_beats + beats) * 480)
        ),
    ]


def by_time(messages: list[mido.Message]) -> list[mido.Message]:
    return sorted(messages, key=lambda message: message.time)


def test_import_melody_chord_two_channels_and_tempo(tmp_path: Path) -> None:
    conductor = [
        mido.MetaMessage("track_name", name="Tune", time=0),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100), time=0),
    ]
    piano = [
        mido.MetaMessage("track_name", name="Piano", time=0),
        mido.Message("program_change", channel=0, program=4, time=0),
        *by_time(
            note(0, 60, 0, 1)  # a melody: C, D, a rest...
            + note(0, 62, 1, 0.5)
            + note(0, 60, 2, 2)  # ...and a C major chord
            + note(0, 64, 2, 2)
            + note(0, 67, 2, 2)
        ),
    ]
    bass = [
        mido.MetaMessage("track_name", name="Bass", time=0),
        mido.Message("program_change", channel=1, program=33, time=0),
        *note(1, 36, 0, 4, velocity=127),
    ]
    song = import_smf(write_midi(tmp_path / "tune.mid", [conductor, piano, bass]))

    assert Song.model_validate(song.model_dump()) == song
    assert (song.title, song.tempo_bpm, song.speed_ticks) == ("Tune", 100, 6)
    assert [track.name for track in song.tracks] == ["Piano", "Piano 2", "Piano 3", "Bass"]
    assert [instrument.name for instrument in song.instruments] == ["ch 1 prog 5", "ch 2 prog 34"]
    assert song.order == [0]
    assert len(song.patterns[0].rows) == 16  # one bar
    cells = {
        (r, t): cell
        for r, row in enumerate(song.patterns[0].rows)
        for t, cell in enumerate(row)
        if cell != Cell()
    }
    assert cells == {
        (0, 0): Cell(note=48, instrument=1, volume=50),  # C-4, velocity 100
        (4, 0): Cell(note=50, instrument=1, volume=50),  # D-4 right after: no note-off
        (6, 0): Cell(note=NOTE_OFF),
        (8, 0): Cell(note=48, instrument=1, volume=50),  # the chord, over three tracks
        (8, 1): Cell(note=52, instrument=1, volume=50),
        (8, 2): Cell(note=55, instrument=1, volume=50),
        (0, 3): Cell(note=24, instrument=2),  # velocity 127: full volume, the column empty
    }


def test_import_type_0_names_tracks_by_channel_and_turns_tempo_changes_into_fxx(
    tmp_path: Path,
) -> None:
    messages = by_time(
        [
            mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120), time=0),
            mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(150), time=4 * 480),
            *note(0, 72, 0, 8),
            *note(9, 36, 4, 0.25),
        ]
    )
    song = import_smf(write_midi(tmp_path / "zero.mid", [messages], kind=0))
    assert [track.name for track in song.tracks] == ["ch 1", "ch 10"]
    assert song.tempo_bpm == 120
    assert song.patterns[0].rows[16][0].effects == (Effect(command="F", param=150),)
    assert [instrument.name for instrument in song.instruments] == ["ch 1 prog 1", "ch 10 prog 1"]
    drums = song.instruments[1]
    assert isinstance(drums, SynthInstrument) and drums.osc1.wave == "noise"  # a noise hit


def test_export_then_import_gives_the_same_notes_on_the_same_rows(tmp_path: Path) -> None:
    song = make_song(
        [
            [
                "C-4 01 .. ...",
                "--- .. .. ...",
                "--- .. .. ...",
                "--- .. .. ...",
                "E-4 01 .. ...",
                "--- .. .. ...",
                "=== .. .. ...",
                "--- .. .. ...",
                "G-4 01 .. ...",
                "A#4 01 .. ...",
                *["--- .. .. ..."] * 6,
                "C-5 01 .. ...",
                *["--- .. .. ..."] * 3,
                "=== .. .. ...",
            ]
        ],
        rows=32,
    )
    path = tmp_path / "round.mid"
    export_smf(song, None, path)
    back = import_smf(path)
    assert (back.tempo_bpm, back.speed_ticks) == (song.tempo_bpm, song.speed_ticks)
    assert notes_by_row(back) == notes_by_row(song)


def test_import_rounds_to_the_nearest_row(tmp_path: Path) -> None:
    ticks = [(59, 170), (180, 410), (700, 1000)]  # a row is 120 ticks; 180 is half-way
    messages = by_time([m for on, off in ticks for m in note(0, 60, on / 480, (off - on) / 480)])
    song = import_smf(write_midi(tmp_path / "loose.mid", [messages]))
    notes = {r: row[0].note for r, row in enumerate(song.patterns[0].rows) if row[0].note}
    assert notes == {0: 48, 1: NOTE_OFF, 2: 48, 3: NOTE_OFF, 6: 48, 8: NOTE_OFF}


def test_import_with_8_rows_per_beat_keeps_the_tempo(tmp_path: Path) -> None:
    path = write_midi(tmp_path / "fine.mid", [note(0, 60, 0.125, 0.5)])
    song = import_smf(path, rows_per_beat=8)
    assert (song.speed_ticks, song.tempo_bpm, song.rows_per_beat) == (3, 120, 8)
    assert song.patterns[0].rows[1][0].note == 48
    assert song.patterns[0].rows[5][0].note == NOTE_OFF


def test_import_refuses_more_voices_than_tracks(tmp_path: Path) -> None:
    path = write_midi(
        tmp_path / "chord.mid", [by_time(note(0, 60, 0, 1) + note(0, 64, 0, 1) + note(0, 67, 0, 1))]
    )
    with pytest.raises(SmfError) as caught:
        import_smf(path, tracks_max=2)
    assert "more than 2 tracks" in str(caught.value)


# ---- bad input ------------------------------------------------------------------------------


def header(kind: int = 1, tracks: int = 1, division: int = 480) -> bytes:
    return b"MThd" + struct.pack(">LHHH", 6, kind, tracks, division)


def track_chunk(data: bytes, size: int | None = None) -> bytes:
    return b"MTrk" + struct.pack(">L", len(data) if size is None else size) + data


END = b"\x00\xff\x2f\x00"  # end of track
BAD_FILES = {
    "text": (b"this is a text file, not MIDI\n", "not a MIDI file"),
    "empty": (b"", "is empty"),
    "short header": (b"MThd\x00\x00\x00\x06\x00\x01", "truncated MIDI header"),
    "huge chunk": (header() + track_chunk(END, size=0xFFFFFFF0), "declares 4294967280 bytes"),
    "huge track count": (header(tracks=65535) + track_chunk(END), "lists 65535 tracks, found 1"),
    "no notes": (header() + track_chunk(b"\x00\xff\x51\x03\x07\xa1\x20" + END), "no notes"),
    "cut message": (header() + track_chunk(b"\x00\x90\x3c"), "middle of a message"),
    "bad status": (header() + track_chunk(b"\x00\xf4" + END), "not a valid MIDI file"),
    "stray data": (header() + track_chunk(b"\x00\x3c\x40" + END), "not a valid MIDI file"),
    "smpte": (header(division=0xE728) + track_chunk(END), "SMPTE"),
    "type 2": (header(kind=2) + track_chunk(END), "type 2"),
    "not a track": (header() + b"RIFF" + struct.pack(">L", 4) + END, "expected a track"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_one_line_errors(tmp_path: Path, name: str) -> None:
    data, fragment = BAD_FILES[name]
    path = tmp_path / "bad.mid"
    path.write_bytes(data)
    with pytest.raises(SmfError) as caught:
        import_smf(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("bad.mid: ")
    assert fragment in message


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.mid"
    path.write_bytes(header() + track_chunk(b"\x00\x90\x3c\x40" + b"\x00\x3c\x40" * (7 * 2**20)))
    assert path.stat().st_size > 20 * 2**20 > MAX_SMF_BYTES
    with pytest.raises(SmfError) as caught:
        import_smf(path)
    assert "\n" not in str(caught.value) and "MiB" in str(caught.value)


# ---- command line ---------------------------------------------------------------------------


def test_cli_import_of_a_bad_file_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_text("not midi at all\n")
    out = tmp_path / "x.json"
    assert main(["import", str(bad), "-o", str(out)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tracker: bad.mid: not a MIDI file")
    assert not out.exists()


def test_cli_export_to_a_wav_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["export", "-o", str(tmp_path / "out.wav")])
    assert caught.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "'.wav'" in lines[0] and ".mid, .midi" in lines[0]
    assert not (tmp_path / "out.wav").exists()


def test_cli_export_then_import_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    midi_path, song_path = tmp_path / "demo.mid", tmp_path / "demo.json"
    assert main(["export", "-o", str(midi_path)]) == 0
    assert main(["import", str(midi_path), "-o", str(song_path)]) == 0
    song = load_project(song_path).song
    assert [track.name for track in song.tracks] == [track.name for track in demo_song().tracks]
    before = song_path.read_bytes()
    capsys.readouterr()
    assert main(["import", str(midi_path), "-o", str(song_path)]) == 1
    assert "--force" in capsys.readouterr().err
    assert song_path.read_bytes() == before
    assert main(["import", str(midi_path), "-o", str(song_path), "--force"]) == 0
