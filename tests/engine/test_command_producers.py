"""Two control threads (the UI and MIDI input) may send commands at once: none is lost or
mixed with another (the queue has one producer; Kernel serializes the senders)."""

from __future__ import annotations

import threading

from tracker.engine import Kernel, compile_song
from tracker.model import Song, SynthInstrument
from tracker.model import edit as ed


def test_notes_from_two_threads_all_arrive_whole() -> None:
    song, _ = ed.add_instrument(Song.new(tracks=2), SynthInstrument(name="s"))
    kernel = Kernel(48000)
    kernel.load(compile_song(song))
    per_thread = 200  # both threads together stay under the queue's capacity

    def send(track: int) -> None:
        for i in range(per_thread):
            kernel.note_on(track, 36 + i % 48, 1)
            kernel.note_off(track, 36 + i % 48)

    threads = [threading.Thread(target=send, args=(track,)) for track in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kernel.render(256)  # drains the queue
    stats = kernel.stats()
    assert stats.events_dropped == 0
    assert stats.faults == 0
    # Every pair was note on then off on a valid track: nothing is left sounding after
    # the releases, which a torn command (wrong track or note) would leave behind.
    kernel.render(48000)
    assert kernel.stats().voices_active == 0
