"""The `tracker` command: play and render songs, list audio devices, create projects,
export and import MIDI files and modules.

User mistakes (a missing file, a broken project, a bad option) end with one
line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import NoReturn

from tracker.config import ENV_S3_BUCKET, ENV_S3_PREFIX
from tracker.io.project import (
    Project,
    ProjectError,
    load_project,
    remove_stale_temporaries,
    save_project,
)
from tracker.model import Song

EXIT_USAGE = 2
EXIT_FAILED = 1

_WAV_SUBTYPES = {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"}


class UserError(Exception):
    """A problem the user can fix; printed as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _version() -> str:
    try:
        return version("tracker")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tracker", description="A tracker-style music sequencer for the terminal."
    )
    parser.add_argument("--version", action="version", version=f"tracker {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    render = commands.add_parser("render", help="render a song to a WAV file")
    render.add_argument("song", nargs="?", type=Path, help="project file (default: the demo song)")
    render.add_argument("-o", "--output", type=Path, required=True, help="WAV file to write")
    render.add_argument("--rate", type=int, default=48000, help="sample rate in Hz (default 48000)")
    render.add_argument("--stems", type=Path, metavar="DIR", help="also write one WAV per track")
    render.add_argument("--seconds", type=float, help="stop after this many seconds")
    render.add_argument(
        "--bits", choices=sorted(_WAV_SUBTYPES), default="24", help="sample format (default 24)"
    )

    play = commands.add_parser("play", help="play a song through the sound card (or JACK)")
    play.add_argument("song", nargs="?", type=Path, help="project file (default: the demo song)")
    play.add_argument(
        "--device",
        help="output index or name (see 'tracker devices'); 'null' for silent output "
        "(default: a running JACK server, else the system default)",
    )
    play.add_argument("--rate", type=int, help="sample rate in Hz (default: JACK's, else 48000)")
    play.add_argument(
        "--blocksize", type=int, default=0, help="frames per callback (default: the host's)"
    )
    play.add_argument(
        "--from",
        dest="start",
        default="0",
        metavar="ORDER[:ROW]",
        help="start at this order position and row (decimal, or hex with 0x)",
    )
    play.add_argument("--loop", action="store_true", help="loop the song instead of stopping")
    play.add_argument("--seconds", type=float, help="stop after this many seconds")

    commands.add_parser("devices", help="list audio outputs and MIDI ports")

    new = commands.add_parser("new", help="write a new empty project (or the demo song)")
    new.add_argument("song", type=Path, help="project file to create")
    new.add_argument("--demo", action="store_true", help="write the bundled demo song")
    new.add_argument("--tracks", type=int, default=8, help="tracks in an empty song (default 8)")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")

    export = commands.add_parser(
        "export",
        help="export a song as a Standard MIDI File or a ProTracker or FastTracker II module",
    )
    export.add_argument("song", nargs="?", type=Path, help="project file (default: the demo song)")
    export.add_argument(
        "-o",
        "--output",
        type=_export_path,
        required=True,
        help="file to write (.mid or .midi: MIDI; .mod: ProTracker module; .xm: FastTracker II)",
    )

    import_ = commands.add_parser(
        "import", help="import a Standard MIDI File or a module as a new project"
    )
    import_.add_argument(
        "file", type=_import_path, help="file to read (.mid, .midi, or a module: .mod, .xm, .s3m)"
    )
    import_.add_argument("-o", "--output", type=Path, required=True, help="project file to write")
    import_.add_argument(
        "--rows-per-beat", type=int, default=4, help="MIDI: rows per quarter note (default 4)"
    )
    import_.add_argument("--force", action="store_true", help="overwrite an existing file")
    _sync_parser(commands)
    return parser


def _sync_parser(commands: argparse._SubParsersAction[_Parser]) -> None:
    sync = commands.add_parser("sync", help="push and pull projects to and from an S3 bucket")
    actions = sync.add_subparsers(dest="sync_command", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    helps = {
        "push": "upload the saved project (merging remote changes to other parts)",
        "pull": "bring the remote project in (merged with local changes to other parts)",
        "status": "in sync, local ahead, remote ahead or diverged",
        "log": "the remote versions, where the bucket keeps them",
    }
    for name, text in helps.items():
        action = actions.add_parser(name, help=text)
        if name == "pull":
            action.add_argument(
                "song", help="project file, or the remote key of a project to pull here"
            )
            action.add_argument("--version", help="pull this version (see `tracker sync log`)")
            action.add_argument("-o", "--output", type=Path, help="project file to write")
        else:
            action.add_argument("song", type=Path, help="project file")
        action.add_argument("--bucket", help=f"S3 bucket (default: ${ENV_S3_BUCKET}, config.toml)")
        action.add_argument("--prefix", help=f"folder in the bucket (default: ${ENV_S3_PREFIX})")
        action.add_argument(
            "--endpoint-url", help="an S3-compatible store (default: $AWS_ENDPOINT_URL_S3)"
        )


def _suffixed_path(text: str, suffixes: Sequence[str]) -> Path:
    # A type for argparse: a wrong suffix is a usage error, reported before any work is done.
    path = Path(text)
    if path.suffix.lower() not in suffixes:
        supported = ", ".join(suffixes)
        raise argparse.ArgumentTypeError(
            f"{text}: unsupported format {path.suffix or '(no suffix)'!r}; supported: {supported}"
        )
    return path


def _export_path(text: str) -> Path:
    from tracker.io import mod, smf, xm

    return _suffixed_path(text, (*smf.SUFFIXES, *mod.SUFFIXES, *xm.SUFFIXES))


def _import_path(text: str) -> Path:
    from tracker.io import modules, smf

    return _suffixed_path(text, (*smf.SUFFIXES, *modules.SUFFIXES))


def _load(path: Path | None) -> Project:
    """The demo song, a project, or a module (.mod, .xm, .s3m) imported as a new project."""
    from tracker.demo import demo_song
    from tracker.io import modules

    if path is None:
        return Project(song=demo_song(), samples={}, path=None)
    try:
        if path.suffix.lower() in modules.SUFFIXES:
            return modules.load_module(path)
        return load_project(path)
    except ProjectError as error:
        raise UserError(str(error)) from None


def _render(args: argparse.Namespace) -> int:
    import soundfile
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from tracker.engine.render import estimate_frames, render_song

    if not 8000 <= args.rate <= 384000:
        raise UserError(f"--rate {args.rate}: must be between 8000 and 384000 Hz")
    if args.seconds is not None and not 0 < args.seconds <= 24 * 3600:
        raise UserError(f"--seconds {args.seconds}: must be above 0 and at most a day")
    project = _load(args.song)
    song = project.song
    samples = {sha: audio.frames for sha, audio in project.samples.items()}
    total = estimate_frames(song, args.rate)
    if args.seconds is not None:
        total = min(total, int(args.seconds * args.rate))
    console = Console(stderr=True)
    with Progress(
        TextColumn("rendering"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("render", total=max(total, 1))
        rendered = render_song(
            song,
            samples,
            sample_rate_hz=args.rate,
            max_seconds=args.seconds,
            stems=args.stems is not None,
            on_progress=lambda done: progress.update(task, completed=min(done, total)),
        )
    subtype = _WAV_SUBTYPES[args.bits]
    try:
        soundfile.write(args.output, rendered.mix, args.rate, subtype=subtype)
        if args.stems is not None and rendered.stems is not None:
            args.stems.mkdir(parents=True, exist_ok=True)
            for index, track in enumerate(song.tracks):
                name = _file_safe(track.name) or "track"
                path = args.stems / f"{index + 1:02d}-{name}.wav"
                soundfile.write(path, rendered.stems[index], args.rate, subtype=subtype)
    except (OSError, soundfile.LibsndfileError) as error:
        raise UserError(f"cannot write audio: {error}") from None
    seconds = len(rendered.mix) / args.rate
    print(f"wrote {args.output} ({seconds:.1f} s at {args.rate} Hz)", file=sys.stderr)
    return 0


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_")[:40]


def _start_position(text: str) -> tuple[int, int]:
    order, _, row = text.partition(":")
    try:
        position = int(order, 0), int(row or "0", 0)
    except ValueError:
        raise UserError(f"--from {text}: expected ORDER or ORDER:ROW, e.g. 2 or 2:16") from None
    if min(position) < 0:
        raise UserError(f"--from {text}: positions start at 0")
    return position


def _play(args: argparse.Namespace) -> int:
    from tracker.engine.portaudio import AudioError
    from tracker.play import PlayOptions, play

    if args.rate is not None and not 8000 <= args.rate <= 384000:
        raise UserError(f"--rate {args.rate}: must be between 8000 and 384000 Hz")
    if not 0 <= args.blocksize <= 8192:
        raise UserError(f"--blocksize {args.blocksize}: must be between 0 and 8192 frames")
    if args.seconds is not None and not 0 < args.seconds <= 24 * 3600:
        raise UserError(f"--seconds {args.seconds}: must be above 0 and at most a day")
    order, row = _start_position(args.start)
    project = _load(args.song)
    samples = {sha: audio.frames for sha, audio in project.samples.items()}
    options = PlayOptions(
        device=args.device,
        rate_hz=args.rate,
        blocksize=args.blocksize,
        start_order=order,
        start_row=row,
        loop=args.loop,
        seconds=args.seconds,
    )
    try:
        result = play(project.song, samples, options, sys.stderr if sys.stderr.isatty() else None)
    except AudioError as error:
        raise UserError(str(error)) from None
    how = "stopped" if result.interrupted else "played"
    print(
        f"{how} {result.seconds:.1f} s on {result.device}; "
        f"xruns {result.underflows}, peak callback load {result.load_max * 100:.1f}%",
        file=sys.stderr,
    )
    return 0


def _devices(args: argparse.Namespace) -> int:
    from tracker.engine.portaudio import AudioError, default_output, output_devices, rescan

    try:
        rescan()
        devices = output_devices()
        default = default_output()
    except AudioError as error:
        raise UserError(str(error)) from None
    print("Audio outputs:")
    for device in devices:
        mark = "*" if default is not None and device.index == default.index else " "
        print(f" {mark} {device.describe()}, {device.default_rate_hz:.0f} Hz")
    print("   null (silent output driven by the clock)")
    if not devices:
        print("No audio output devices found: start a JACK server or use --device null.")

    from tracker.io.midi import MidiError, choose_api, describe_ports

    try:
        api = choose_api()
        lines = describe_ports(api)
    except MidiError as error:  # no MIDI is no reason to fail a listing
        print(f"MIDI: {error}")
        return 0
    print(f"MIDI ({api}):")
    print("\n".join(lines))
    return 0


def _new(args: argparse.Namespace) -> int:
    from tracker.demo import demo_song

    if args.song.exists() and not args.force:
        raise UserError(f"{args.song}: already exists (use --force to overwrite)")
    if not 1 <= args.tracks <= 64:
        raise UserError(f"--tracks {args.tracks}: must be between 1 and 64")
    song = demo_song() if args.demo else Song.new(tracks=args.tracks)
    try:
        save_project(Project(song=song, samples={}, path=args.song), args.song)
    except ProjectError as error:
        raise UserError(str(error)) from None
    print(f"wrote {args.song}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from tracker.io import mod, xm
    from tracker.io.samples import write_atomic
    from tracker.io.smf import export_smf

    project = _load(args.song)
    tracks = len(project.song.tracks)
    suffix = args.output.suffix.lower()
    if suffix in (*mod.SUFFIXES, *xm.SUFFIXES):
        save = mod.save_mod if suffix in mod.SUFFIXES else xm.save_xm
        try:
            data = save(project)
        except ProjectError as error:
            raise UserError(f"{args.output.name}: {error}") from None
        try:
            write_atomic(args.output, lambda file: file.write(data))
        except ProjectError as error:
            raise UserError(str(error)) from None
        print(f"wrote {args.output} ({tracks} channels)", file=sys.stderr)
        return 0
    samples = {sha: audio.frames for sha, audio in project.samples.items()}
    try:
        export_smf(project.song, samples, args.output)
    except ProjectError as error:
        raise UserError(str(error)) from None
    print(f"wrote {args.output} ({tracks} tracks and a tempo track)", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    from tracker.io import modules
    from tracker.io.smf import import_smf

    if args.output.exists() and not args.force:
        raise UserError(f"{args.output}: already exists (use --force to overwrite)")
    if not 1 <= args.rows_per_beat <= 32:
        raise UserError(f"--rows-per-beat {args.rows_per_beat}: must be between 1 and 32")
    try:
        if args.file.suffix.lower() in modules.SUFFIXES:
            project = modules.load_module(args.file)
        else:
            project = Project(song=import_smf(args.file, rows_per_beat=args.rows_per_beat))
        save_project(project, args.output)
    except ProjectError as error:
        raise UserError(str(error)) from None
    song = project.song
    print(
        f"wrote {args.output} ({len(song.tracks)} tracks, {len(song.patterns)} patterns, "
        f"{song.tempo_bpm} BPM)",
        file=sys.stderr,
    )
    return 0


def _ui_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tracker",
        description="Open the terminal UI (other commands: render, play, devices, new, "
        "export, import; "
        "see 'tracker --help').",
    )
    parser.add_argument(
        "song",
        nargs="?",
        type=Path,
        help="project to open, a module (.mod, .xm, .s3m) to import, or a new project to "
        "create there (default: the demo song)",
    )
    parser.add_argument("--device", help="audio output (see 'tracker devices'); 'null': silent")
    parser.add_argument(
        "--midi-in",
        metavar="NAME",
        help="play from this MIDI input (see 'tracker devices') instead of those in "
        "config.toml, this time only; our own port tracker:in is always open",
    )
    parser.add_argument(
        "--midi-out",
        metavar="NAME",
        help="send to this MIDI output instead of the one in config.toml, this time only; "
        "our own port tracker:out is always open",
    )
    parser.add_argument(
        "--midi-api",
        choices=("alsa", "jack"),
        help="the MIDI system, this time only (default: config.toml's, else ALSA if there, "
        "else a running JACK server)",
    )
    return parser


def _ui(args: argparse.Namespace) -> int:
    from tracker.demo import demo_song
    from tracker.ui.app import run

    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise UserError("the UI needs a terminal (try 'tracker play' or 'tracker render')")
    notice = ""
    if args.song is None:
        project = Project(song=demo_song(), samples={}, path=None)
        notice = "the demo song: Ctrl+E saves it as a file of your own  ·  F1 help"
    elif args.song.exists():
        project = _load(args.song)
        if project.path is None:  # a module, imported: saving makes it a project
            notice = f"imported {args.song.name}: Ctrl+E saves it as a project  ·  F1 help"
        elif removed := remove_stale_temporaries(args.song):
            notice = f"removed {len(removed)} unfinished save file(s) left by a killed save"
    else:
        project = Project(song=Song.new(tracks=4), samples={}, path=args.song)
        notice = f"new song: Ctrl+S saves it to {args.song}  ·  F1 help"
    run(
        project,
        audio_device=args.device,
        notice=notice,
        midi_in=args.midi_in,
        midi_out=args.midi_out,
        midi_api=args.midi_api,
    )
    return 0


EXIT_CONFLICT = 3
"""A sync kept both versions: the remote one is in a conflict copy beside the project."""
EXIT_QUEUED = 75
"""A push could not reach the bucket and is queued (EX_TEMPFAIL: try again later)."""


def _sync(args: argparse.Namespace) -> int:
    from tracker.config import ConfigError, load_config
    from tracker.io import sync
    from tracker.io.s3 import S3Error, location_from

    try:
        config = load_config()
    except ConfigError as error:
        raise UserError(str(error)) from None
    path, key = _sync_target(args)
    try:
        location = None
        if sync.read_state(path) is None or args.bucket:
            location = location_from(
                args.bucket,
                args.prefix,
                args.endpoint_url,
                config.s3_bucket,
                config.s3_prefix,
                config.s3_endpoint_url,
            )
        elif args.endpoint_url or config.s3_endpoint_url:
            state = sync.read_state(path)
            assert state is not None
            location = location_from(
                state.bucket, None, args.endpoint_url, None, None, config.s3_endpoint_url
            )
        if args.sync_command == "status":
            print(sync.status(path, location)[1])
            return 0
        if args.sync_command == "log":
            print("\n".join(sync.log(path, location)))
            return 0
        if args.sync_command == "push":
            result = sync.push(path, location)
        else:
            result = sync.pull(path, location, version_id=args.version, key=key)
    except (sync.SyncError, S3Error) as error:
        raise UserError(str(error)) from None
    print(result.message)
    if result.conflict_copy is not None:
        return EXIT_CONFLICT
    return EXIT_QUEUED if result.queued else 0


def _sync_target(args: argparse.Namespace) -> tuple[Path, str | None]:
    """The local project file, and the remote key when `pull` was given one."""
    if args.sync_command != "pull":
        if not args.song.exists():
            raise UserError(f"{args.song}: no such file")
        return args.song, None
    from tracker.io.project import sync_folder

    named = Path(args.song)
    local = named.exists() or sync_folder(named).exists() or "/" not in args.song
    if args.output is not None:
        return args.output, None if local else args.song
    return (named, None) if local else (Path(named.name), args.song)


_COMMANDS = ("render", "play", "devices", "new", "export", "import", "sync")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    opens_ui = not arguments or (
        arguments[0] not in _COMMANDS and arguments[0] not in ("-h", "--help", "--version")
    )
    parser = _ui_parser() if opens_ui else _parser()
    args = parser.parse_args(arguments)
    handlers = {
        "render": _render,
        "play": _play,
        "devices": _devices,
        "new": _new,
        "export": _export,
        "import": _import,
        "sync": _sync,
    }
    try:
        return _ui(args) if opens_ui else handlers[args.command](args)
    except UserError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("tracker: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
