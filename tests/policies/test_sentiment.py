"""The anger and threat flag: capitals, exclamation marks, anger and threat words, 5 languages."""

from __future__ import annotations

import pytest

from hatchway.policies.sentiment import ANGRY_SCORE, anger, compile_keywords
from tests.policies._demo import demo_case


@pytest.mark.parametrize(
    "text",
    [
        "This is absolutely ridiculous, your service is useless.",
        "I am furious!!! Where is my parcel?",
        "Das ist eine Frechheit und Abzocke, ich bin wirklich wütend.",
        "C'est inadmissible et scandaleux, j'en ai ras le bol !!!",
        "Es inaceptable, una vergüenza. Estoy harta.",
        "Dit is schandalig en belachelijk, ik ben woedend.",
        "WHERE IS MY ORDER? I HAVE WAITED THREE WEEKS AND NOBODY ANSWERS MY EMAILS",
    ],
)
def test_angry_texts_in_five_languages(text: str) -> None:
    signal = anger(text)

    assert signal.angry, signal
    assert signal.score >= ANGRY_SCORE
    assert signal.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Hello, could you tell me when order NW-100245 will arrive? Thanks!",
        "Guten Tag, können Sie mir bitte eine Rechnungskopie schicken? Danke.",
        "Bonjour, je voudrais retourner la tente. Merci beaucoup.",
        "Hola, ¿cuándo llega mi pedido? Gracias.",
        "Hallo, is de slaapzak nog op voorraad? Groetjes.",
        "My DHL and UPS tracking (EUR 49.95, GPS unit) shows nothing yet.",
    ],
)
def test_calm_texts_are_not_angry(text: str) -> None:
    signal = anger(text)

    assert not signal.angry, signal
    assert not signal.threat


def test_one_anger_word_alone_is_not_enough() -> None:
    signal = anger("Honestly, the delay was unacceptable, but the tent is lovely.")

    assert signal.score == 1
    assert not signal.angry
    assert signal.reasons == ("angry words: unacceptable",)


def test_shouting_scores_two_and_says_so() -> None:
    signal = anger("I WANT MY MONEY BACK TODAY please")

    assert signal.angry
    assert "writes in capitals" in signal.reasons


def test_exclamation_runs_add_a_point() -> None:
    assert anger("Where is it?!!").reasons == ("many exclamation marks",)
    assert anger("Great! Thanks! Bye!").reasons == ("many exclamation marks",)
    assert anger("Great, thanks!").score == 0


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("I will ask my lawyer to look at this.", "lawyer"),
        ("Ich werde meinen Rechtsanwalt einschalten.", "Rechtsanwalt"),
        ("Je vais contacter mon avocat.", "avocat"),
        ("Voy a hablar con mi abogada.", "abogada"),
        ("Ik stap naar de geschillencommissie.", "geschillencommissie"),
        ("Sort it out or I'm doing a chargeback.", "chargeback"),
    ],
)
def test_threat_words_set_the_threat_flag(text: str, word: str) -> None:
    signal = anger(text)

    assert signal.threat
    assert signal.threat_words == (word,)
    assert signal.angry  # a threat counts two points


def test_quoted_lines_do_not_count() -> None:
    text = "Thanks for the quick help.\n> THIS IS RIDICULOUS!!! I WANT A LAWYER NOW"

    assert anger(text).score == 0


def test_repeated_words_are_listed_once() -> None:
    signal = anger("Small claims court. Yes, the small claims Court.")

    assert signal.threat_words == ("Small claims", "court")


def test_demo_mail_in_capitals_is_angry() -> None:
    case = demo_case("054")
    signal = anger(f"{case.subject}\n{case.body}")

    assert signal.angry
    assert "writes in capitals" in signal.reasons
    assert "many exclamation marks" in signal.reasons


def test_demo_mail_furious_in_lowercase_is_angry() -> None:
    case = demo_case("061")
    signal = anger(f"{case.subject}\n{case.body}")

    assert signal.angry and signal.threat
    assert "chargeback" in signal.threat_words


def test_demo_polite_vip_complaint_is_not_angry() -> None:
    case = demo_case("045")

    assert not anger(f"{case.subject}\n{case.body}").angry


def test_compile_keywords_phrases_and_wildcards() -> None:
    pattern = compile_keywords(["legal action", "refund*", "*anwalt"])

    assert pattern.search("we will take LEGAL\n  ACTION")
    assert pattern.search("Refunded twice")
    assert pattern.search("mein Rechtsanwalt")
    assert not pattern.search("illegal actions")  # whole words only
    assert not pattern.search("nonrefundable")


@pytest.mark.parametrize("words", [[], ["  "], ["*"]])
def test_compile_keywords_refuses_empty_words(words: list[str]) -> None:
    with pytest.raises(ValueError):
        compile_keywords(words)
