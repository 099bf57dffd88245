"""The UI benchmarks run end to end: a few presses, a second of output. No timing is judged."""

from __future__ import annotations

from bench.ui import ui_figures


def test_ui_figures_measure_every_figure_against_its_target() -> None:
    figures = {f.key: f for f in ui_figures(presses=5, play_s=1.0, launches=1)}

    assert list(figures) == [
        "key_to_screen_median_ms_200x60",
        "key_to_screen_p99_ms_200x60",
        "key_to_screen_median_ms_80x24",
        "key_to_screen_p99_ms_80x24",
        "terminal_kib_per_s_200x60",
        "terminal_kib_per_s_80x24",
        "first_paint_s",
    ]
    assert all(figure.value > 0 for figure in figures.values())
    assert (
        figures["key_to_screen_median_ms_80x24"].value
        <= figures["key_to_screen_p99_ms_80x24"].value
    )
    assert figures["key_to_screen_p99_ms_200x60"].target == 16.0
    assert figures["terminal_kib_per_s_200x60"].target == 64.0
    assert figures["terminal_kib_per_s_80x24"].target is None
    assert figures["first_paint_s"].target == 1.0
