"""The public surface of hatchway.mail is deliberate: pin every module's __all__."""

from __future__ import annotations

import importlib

import pytest

EXPECTED = {
    "hatchway.mail.parse": {
        "KEPT_HEADERS", "Address", "Attachment", "ParsedEmail", "Quarantined", "parse_message",
    },
    "hatchway.mail.signals": {
        "RULES", "SIGNAL_HEADERS", "LoopSignal", "LoopSignalKind", "detect_loop_signals",
        "should_never_answer",
    },
    "hatchway.mail.threads": {
        "GENERIC_SUBJECTS", "SUBJECT_FALLBACK_WINDOW", "is_generic_subject", "normalise_subject",
        "subject_fallback_allowed", "thread_keys",
    },
    "hatchway.mail.raw_headers": {"MESSAGE_ID_LIMIT", "header_block", "message_id_of"},
    "hatchway.mail.html_text": {
        "HTML_TAG_LIMIT", "exceeds_tag_limit", "html_to_text", "sanitize_html",
    },
}  # fmt: skip


@pytest.mark.parametrize("module_name", sorted(EXPECTED))
def test_all_is_pinned_and_importable(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert set(module.__all__) == EXPECTED[module_name]
    for name in module.__all__:
        assert hasattr(module, name)
