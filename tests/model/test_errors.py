import pytest
from pydantic import ValidationError

from tracker.model import Song, format_location, summarize


def test_format_location() -> None:
    assert format_location(("patterns", 2, "rows", 5)) == "patterns[2].rows[5]"
    assert format_location(("tempo_bpm",)) == "tempo_bpm"
    assert format_location((0, "volume")) == "[0].volume"
    assert format_location(()) == ""
    # the discriminated union's tag is not part of the path a reader sees
    assert format_location(("instruments", 0, "synth", "volume")) == "instruments[0].volume"


def error_for(**fields: object) -> str:
    with pytest.raises(ValidationError) as info:
        Song.model_validate({**Song.new(tracks=1).model_dump(), **fields})
    return summarize(info.value)


def test_one_line_with_the_field_path() -> None:
    assert error_for(tempo_bpm=300) == "tempo_bpm: must be <= 255, got 300"
    assert error_for(title="x" * 300) == "title: must be at most 256 characters long"
    assert error_for(extra=1) == "extra: unknown field"
    assert error_for(tempo_bpm="120") == "tempo_bpm: must be an integer, got '120'"
    assert (
        error_for(instruments=[{"kind": "synth", "volume": float("nan")}])
        == "instruments[0].volume: must be a finite number"
    )
    assert error_for(instruments=[{"kind": "fm"}]).startswith("instruments[0]: kind must be one")


def test_more_errors_are_counted() -> None:
    message = error_for(tempo_bpm=300, speed_ticks=0, rows_per_beat=0)
    assert message == "tempo_bpm: must be <= 255, got 300 (and 2 more)"


def test_messages_stay_on_one_line() -> None:
    assert "\n" not in error_for(interpolation="a\nb" * 50)
