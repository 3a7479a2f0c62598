"""Pictures are real PNGs, drawn for the analysis asked, cached, and absent when there is nothing to draw."""

from __future__ import annotations

from bot.answers.plots import forest_png, icon_array_png

PNG = b"\x89PNG\r\n\x1a\n"


def _outcome(service, question):
    return service.ask(question).answer.outcomes[0]


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_forest_plot_is_a_png_sized_for_phones(service):
    data = forest_png(_outcome(service, "dupilumab skin infections"))
    width, height = png_size(data)
    assert 900 <= width <= 1200 and height < 2000


def test_forest_plot_grows_with_trials_and_is_cached(service):
    one = forest_png(_outcome(service, "dupilumab herpes"))
    many = forest_png(_outcome(service, "dupilumab conjunctivitis random effects"))
    assert png_size(many)[1] > png_size(one)[1]
    assert forest_png(_outcome(service, "dupilumab conjunctivitis random effects")) is many  # cached


def test_other_measure_gives_another_picture(service):
    rr = forest_png(_outcome(service, "dupilumab conjunctivitis"))
    odds = forest_png(_outcome(service, "dupilumab conjunctivitis odds ratio"))
    assert rr != odds


def test_icon_array_per_100_and_per_1000(service):
    common = icon_array_png(_outcome(service, "dupilumab conjunctivitis"))
    rare = icon_array_png(_outcome(service, "dupilumab eczema herpeticum"))
    assert png_size(common) != png_size(rare)  # 10x10 grid vs 40x25 grid


def test_no_picture_without_an_analysis(service):
    oa = _outcome(service, "dupilumab conjunctivitis adolescents 300 mg every 2 weeks")
    assert forest_png(oa) is None and icon_array_png(oa) is None


def test_trials_without_a_marker_show_their_counts_and_say_why(service):
    from bot.answers.plots import forest_note, no_marker_reason

    oa = _outcome(service, "abrocitinib acne")
    assert forest_png(oa)[:8] == b"\x89PNG\r\n\x1a\n"
    assert no_marker_reason(11, 313, 0, 78) == "0 in one arm"
    assert no_marker_reason(0, 375, 0, 249) == "no events"
    rows = tuple((t.label, t.ai, t.n1i, t.ci, t.n2i, *(e or (None, None, None)), 0.0)
                 for t, e in zip(oa.evidence.tables, oa.trial_estimates, strict=True))
    note = forest_note(rows, "MH")
    assert "JADE MONO-2, JADE COMPARE: no ratio of their own" in note and "still count" in note
