"""Settings of one IMAP mailbox: where it is, how to log in, which folders to use."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = ["MAX_IDLE_SECONDS", "ImapSecurity", "ImapSettings"]

# RFC 2177: servers may drop a client that idles 30 minutes; re-issue IDLE before 29.
MAX_IDLE_SECONDS = 29 * 60

ImapSecurity = Literal["tls", "starttls", "none"]


class ImapSettings(BaseModel):
    """One mailbox. Give exactly one of ``password`` and ``oauth2_token``.

    ``port`` defaults to 993 for implicit TLS and to 143 for ``starttls`` and ``none``.
    ``ca_file`` adds a CA bundle (PEM) to trust, e.g. for a self-hosted server.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="a label for this mailbox, used in logs and errors")
    host: str = Field(min_length=1, description="IMAP server host name")
    port: int = Field(
        default=993, ge=1, le=65535, description="993 for tls; 143 by default otherwise"
    )
    security: ImapSecurity = Field(
        default="tls", description="tls (993), starttls (143) or none (local test servers)"
    )
    username: str = Field(min_length=1, description="login name")
    password: SecretStr | None = Field(default=None, description="password (or oauth2_token)")
    oauth2_token: SecretStr | None = Field(
        default=None, description="OAuth 2 access token for XOAUTH2 (or password)"
    )
    folder: str = Field(default="INBOX", description="the folder answered")
    sent_folder: str = Field(
        default="Sent", description="where copies of replies go, looked up after a crash"
    )
    timeout: float = Field(default=30.0, gt=0, description="socket timeout in seconds")
    fetch_chunk_size: int = Field(
        default=200, ge=1, le=1000, description="messages fetched per round trip"
    )
    idle_timeout: float = Field(
        default=25 * 60,
        gt=0,
        lt=MAX_IDLE_SECONDS,
        description="seconds; IDLE is re-issued before this",
    )
    ca_file: Path | None = Field(default=None, description="extra CA bundle (PEM) to trust")

    @model_validator(mode="before")
    @classmethod
    def _default_port_for_security(cls, data: Any) -> Any:
        # 993 is implicit TLS; a plain or STARTTLS connection to it would hang or fail oddly.
        if (
            isinstance(data, dict)
            and "port" not in data
            and data.get("security")
            in (
                "starttls",
                "none",
            )
        ):
            return {**data, "port": 143}
        return data

    @model_validator(mode="after")
    def _exactly_one_credential(self) -> ImapSettings:
        if (self.password is None) == (self.oauth2_token is None):
            given = "both" if self.password is not None else "neither"
            raise ValueError(
                f"mailbox {self.name!r}: set exactly one of password or oauth2_token (got {given})"
            )
        return self
