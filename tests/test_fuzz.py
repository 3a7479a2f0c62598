"""Property tests over the whole answer path: any text in, a valid, bounded, escaped reply out."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers.render import CAPTION_LIMIT, MESSAGE_LIMIT, caption_html, html_messages, text
from bot.service import EvidenceService
from tests.fake_bot_api import assert_telegram_html

SERVICE = EvidenceService.from_directory()
WORDS = ["dupilumab", "dupixent", "skin", "infection", "eczema", "herpeticum", "EH", "pink eye", "OR", "RR",
         "random", "fixed", "300", "mg", "q2w", "without", "CHRONOS", "only", "16-week", "if baseline risk is",
         "10%", "tralokinumab", "asthma", "<b>", "</a>", "&", "&amp;", "<i>", "*bold*", "_x_", "`code`", "🙂",
         "\u202e", "\x00", "\u200b", "שלום", "١٢٣", "999999999999999999999", "-1%", "1e309", "nan", "/ask",
         "/settings model=", "herpes", "zoster", "not", "no", "except", "adolescents", "children", "?", "vs",
         "omalizumab", "EASI-75"]

questions = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=3000, max_size=4096),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(questions)
def test_any_text_gives_valid_bounded_html(question):
    result = SERVICE.ask(question)
    assert result.answer.parse.status in ("answer", "clarify", "no_data", "not_understood")
    for sections in ((), ("trials", "method", "sensitivity", "sources")):
        messages = html_messages(result.reply, sections)
        assert messages
        for message in messages:
            assert_telegram_html(message, MESSAGE_LIMIT)
    assert_telegram_html(caption_html(result.reply), CAPTION_LIMIT)
    assert text(result.reply).count("not medical advice") == 1


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["<u>qzx</u>", "<script>alert(1)</script>", "<a href='evil'>", "&qzx;", "<tg-spoiler>"]),
       st.sampled_from(["dupilumab {} skin infection", "tralokinumab {}", "{} hello", "dupilumab {}",
                        "dupilumab skin {}", "{}"]))
def test_user_text_never_comes_back_unescaped(fragment, template):
    """Markup the bot never writes itself must never appear raw, whatever the user sent."""
    result = SERVICE.ask(template.format(fragment))
    for message in [*html_messages(result.reply, ("trials", "method", "sources")), caption_html(result.reply)]:
        assert fragment not in message
        assert "<u>" not in message and "<script" not in message and "evil" not in message


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join))
def test_an_answer_is_only_about_what_was_named(question):
    """Never answer about a drug or outcome that the question did not name, and never assume a drug."""
    parsed = SERVICE.ask(question).answer.parse
    if parsed.status == "answer" and parsed.intent == "effect":
        lowered = question.lower()
        names = {"dupilumab": ("dupilumab", "dupixent"), "tralokinumab": ("tralokinumab",)}
        assert any(n in lowered for n in names[parsed.intervention]) and not parsed.assumed_drug
        assert parsed.comparator == "placebo" or any(n in lowered for n in names[parsed.comparator])
        assert parsed.outcomes
        assert "asthma" not in lowered and "omalizumab" not in lowered
