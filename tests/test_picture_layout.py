"""Pictures that stand alone (issue 22): every picture is drawn 360 points wide (a phone's width), carries its
title, who and when, the source of its lead estimate and the data version, and no text in it is below the
minimum size, outside the picture or overlapping another text, at the longest drug, regimen, outcome and trial
names held. Checked on the text boxes matplotlib's renderer draws (a handful of renders: fast)."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from bot.answers.evidence import trial_label
from bot.answers.picture_kit import MIN_FONT, PHONE_WIDTH
from bot.answers.plots import MIN_AXES, forest_figure, icons_figure
from bot.answers.regimens import drug_nodes
from bot.answers.sof_picture import card_figure, card_png, sof_figure, sof_png

DATA = "2026.12.0 (0123456789ab)"


def layout_problems(fig) -> list[str]:
    """Every text drawn: at least MIN_FONT points, inside the figure, overlapping no other text."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    page = fig.bbox
    problems = []
    if abs(fig.get_figwidth() * 72 - PHONE_WIDTH) > 0.01:
        problems.append(f"width {fig.get_figwidth() * 72:.0f} pt")
    for t, box in boxes:
        if t.get_fontsize() < MIN_FONT:
            problems.append(f"{t.get_text()!r} at {t.get_fontsize()} pt")
        if box.x0 < page.x0 - 0.5 or box.x1 > page.x1 + 0.5 or box.y0 < page.y0 - 0.5 or box.y1 > page.y1 + 0.5:
            problems.append(f"{t.get_text()!r} outside the picture")
    for i, (t, box) in enumerate(boxes):
        for u, other in boxes[i + 1:]:
            if box.x0 < other.x1 - 0.5 and other.x0 < box.x1 - 0.5 and box.y0 < other.y1 - 0.5 \
                    and other.y0 < box.y1 - 0.5:
                problems.append(f"{t.get_text()!r} overlaps {u.get_text()!r}")
    return problems


def plot_width(fig) -> float:
    """The forest plot's axes width in points."""
    return fig.axes[0].get_position().width * fig.get_figwidth() * 72


def all_text(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(Text))


@pytest.fixture(scope="module")
def longest(service):
    kb = service.kb
    trials = sorted({trial_label(t) for t in kb.trials}, key=len)[-6:]
    drugs = sorted((kb.drug_label(d) for d in kb.covered_drugs), key=len)
    regimens = sorted((n.label(kb) for d in kb.covered_drugs for n in drug_nodes(kb, d)), key=len)
    outcome = max((o.plural for o in kb.outcomes.values()), key=len)
    return trials, drugs[-1], drugs[-2], regimens[-1], regimens[-2], outcome


def test_forest_plot_at_the_longest_names_and_widest_numbers(longest):
    trials, drug, comparator, _, _, outcome = longest
    rows = tuple((label, 1234, 5678, 0, 4321, *([14.7, 1.77, 121.7] if i % 2 else [None, None, None]), 100 / 6)
                 for i, label in enumerate(trials))
    fig = forest_figure(rows, "RR", "MH", (4.4, 0.07, 288.8), (0.01, 99.0), outcome,
                        (0.34, 0.14, 0.84, "Pereyra-Rodriguez 2021"), (drug, comparator, True), "published",
                        ("Adults, adolescents and children aged 6 months to 11 years; trials of 12 to 52 weeks.",
                         "Leads: Pereyra-Rodriguez et al. 2021, published network meta-analysis of 12 trials."),
                        DATA)
    assert layout_problems(fig) == []
    assert plot_width(fig) >= MIN_AXES - 0.5  # the plot itself keeps room, whatever the names beside it
    text = all_text(fig)
    assert outcome in text and DATA in text and "Leads: Pereyra-Rodriguez" in text and "weeks" in text


def test_icon_arrays_at_the_longest_names(longest):
    _, drug, comparator, _, _, outcome = longest
    for per, control, treated in ((100, 18, 10), (1000, 19, 7)):
        fig = icons_figure(per, control, treated, f"{outcome}: {per:,} people on each side", drug, comparator,
                           False, ("Adults and adolescents; over 52 weeks.", "Relative effect from a source."), DATA)
        assert layout_problems(fig) == []
        assert DATA in all_text(fig)


def test_summary_of_findings_with_every_outcome_and_the_longest_drug(service, longest):
    _, drug, _, _, _, _ = longest
    answer = service.ask("is lebrikizumab safe").answer
    assert sof_png(answer.overview, DATA)[:4] == b"\x89PNG"
    rows = tuple((oa.outcome.kind, oa.outcome.name, "19/1,000", "7/1,000",
                  "7/375 vs 0/249; RD +1.9/100 (+0.4 to +3.3)", "Pereyra-Rodriguez 2021", "not rated")
                 for oa in answer.overview.rows)
    fig = sof_figure(drug.capitalize(), rows, "Adults and adolescents; responses at week 16; harms over 16 "
                                              "to 52 weeks.", DATA)
    assert layout_problems(fig) == []
    assert DATA in all_text(fig) and "Adults and adolescents" in all_text(fig)


@pytest.mark.parametrize("question", ["upadacitinib vs dupilumab", "abrocitinib 100 mg vs 200 mg"])
def test_the_comparison_card_picture(service, longest, question):
    _, _, _, regimen, other, _ = longest
    card = service.ask(question).answer.card
    assert card_png(card, DATA)[:4] == b"\x89PNG"
    rows = tuple((r.outcome.kind, r.outcome.name, "20/1,000", "9/1,000", "+11 (-4 to +66)/1,000",
                  "Measure Up 1, Measure Up 2 +1", "very low (±)") for r in card.rows)
    fig = card_figure(f"{regimen} vs {other}: benefits and harms", regimen, other, rows,
                      ("Adults and adolescents (default); responses at weeks 12 to 16; harms over 12 to 52 weeks.",
                       "Per 100 people on each. Each row: a network meta-analysis of the trials held."), DATA)
    assert layout_problems(fig) == []


@pytest.mark.parametrize(("question", "kind", "needles"), [
    ("does dupilumab reduce skin infections", "forest", ("Leads: Fleming et al. 2018", "Adults and adolescents",
                                                         "weeks")),
    ("upadacitinib itch response", "forest", ("Leads: our pooling of 3 trials", "weeks")),
    ("abrocitinib acne", "forest", ("no marker", "weeks")),
    ("dupilumab eczema herpeticum", "icons", ("1,000 people on each side", "over 52 weeks", "Fleming et al. 2018")),
    ("lebrikizumab itch response", "icons", ("100 people on each side", "at week 16", "our pooling of 2 trials")),
    ("is dupilumab safe", "sof", ("summary of findings", "weeks", "Fleming 2018")),
    ("tralokinumab vs lebrikizumab", "card", ("benefits and harms", "weeks", "network meta-analysis")),
])
def test_real_pictures_stand_alone(service, question, kind, needles):
    from bot.answers.plots import forest_inputs, icon_inputs
    from bot.answers.sof_picture import card_inputs, sof_inputs

    answer = service.ask(question).answer
    inputs = {"forest": lambda: forest_inputs(answer.outcomes[0], DATA),
              "icons": lambda: icon_inputs(answer.outcomes[0], DATA),
              "sof": lambda: sof_inputs(answer.overview, DATA),
              "card": lambda: card_inputs(answer.card, DATA)}[kind]()
    draw = {"forest": forest_figure, "icons": icons_figure, "sof": sof_figure, "card": card_figure}[kind]
    fig = draw(*inputs)
    assert layout_problems(fig) == []
    if kind == "forest":
        assert plot_width(fig) >= MIN_AXES - 0.5
    text = all_text(fig)
    assert DATA in text and "not medical advice" in text
    for needle in needles:
        assert needle in text, (needle, text)


def test_the_lead_estimate_gets_the_largest_mark(service):
    """Fleming leads skin infections: its diamond is the large one, our pooling's the small grey one."""
    from matplotlib.patches import Polygon

    from bot.answers.plots import POOLED_COLOUR, SECONDARY_COLOUR, forest_inputs

    def diamonds(question):
        fig = forest_figure(*forest_inputs(service.ask(question).answer.outcomes[0], DATA))
        ax = fig.axes[0]
        return {p.get_facecolor()[:3]: p.get_window_extent().height for p in ax.patches if isinstance(p, Polygon)}

    from matplotlib.colors import to_rgb
    published_leads = diamonds("does dupilumab reduce skin infections")
    assert published_leads[to_rgb(POOLED_COLOUR)] > published_leads[to_rgb(SECONDARY_COLOUR)]
    ours_lead = diamonds("upadacitinib EASI-75")  # our pooling leads; Meher 2024 beside it, smaller
    assert ours_lead[to_rgb(POOLED_COLOUR)] > ours_lead[to_rgb(SECONDARY_COLOUR)]


def test_the_checker_finds_overlaps_and_small_text():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 2))
    fig.text(0.1, 0.5, "upadacitinib", fontsize=9)
    fig.text(0.12, 0.5, "lebrikizumab", fontsize=9)
    fig.text(0.5, 0.1, "tiny", fontsize=5)
    fig.text(0.98, 0.9, "outside the page", fontsize=9)
    problems = layout_problems(fig)
    assert any("overlaps" in p for p in problems) and any("5" in p for p in problems)
    assert any("outside" in p for p in problems)
