"""SmtpSettings: sensible defaults and validation errors that say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hatchway.connectors.smtp import SmtpSettings


def settings(**values: object) -> SmtpSettings:
    """Valid settings for smtp.example.com, with ``values`` on top."""
    base: dict[str, object] = {"host": "smtp.example.com", "from_address": "support@shop.test"}
    return SmtpSettings.model_validate(base | values)


def test_defaults_are_submission_with_starttls() -> None:
    s = settings()

    assert (s.port, s.security, s.username, s.password) == (587, "starttls", None, None)
    assert s.timeout_seconds > 0


def test_password_is_hidden_in_repr_and_dump() -> None:
    s = settings(username="bot", password="hunter2-secret")

    assert "hunter2-secret" not in repr(s)
    assert "hunter2-secret" not in s.model_dump_json()
    assert s.password is not None and s.password.get_secret_value() == "hunter2-secret"


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"username": "bot"}, "set both username and password"),
        ({"password": "x"}, "set both username and password"),
        ({"security": "none", "username": "bot", "password": "x"}, "clear text"),
        ({"security": "ssl"}, "'starttls', 'tls' or 'none'"),
        ({"port": 0}, "greater than or equal to 1"),
        ({"port": 70000}, "less than or equal to 65535"),
        ({"host": "smtp example.com"}, "without spaces"),
        ({"from_address": "Shop <support@shop.test>"}, "no display name"),
        ({"from_address": "support"}, "bare ASCII e-mail address"),
        ({"timeout_seconds": 0}, "greater than 0"),
        ({"ca_file": Path("/nonexistent/ca.pem")}, "does not exist"),
        ({"hots": "typo.example.com"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_settings_are_refused_with_a_clear_message(
    values: dict[str, object], says: str
) -> None:
    with pytest.raises(ValidationError, match=says):
        settings(**values)


def test_plaintext_auth_only_when_asked_for() -> None:
    s = settings(security="none", username="bot", password="x", allow_plaintext_auth=True)

    assert s.username == "bot"
