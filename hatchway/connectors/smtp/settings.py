"""How to reach the SMTP submission server: one immutable object built from configuration."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = ["SmtpSecurity", "SmtpSettings"]

SmtpSecurity = Literal["starttls", "tls", "none"]


class SmtpSettings(BaseModel):
    """Settings of the SMTP connector.

    ``security``: ``starttls`` (usually port 587) upgrades a plain connection before
    anything else is said; ``tls`` (usually port 465) speaks TLS from the first byte;
    ``none`` is for a local relay only. AUTH is used whenever ``username`` is set.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(min_length=1, description="SMTP server host name or IP address")
    port: int = Field(default=587, ge=1, le=65535, description="587 STARTTLS, 465 TLS, 25 relay")
    security: SmtpSecurity = Field(
        default="starttls", description="starttls (587), tls (465) or none (a local relay)"
    )
    username: str | None = Field(default=None, description="AUTH user; AUTH is used when set")
    password: SecretStr | None = Field(default=None, description="AUTH password")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="socket timeout")
    from_address: str = Field(description="envelope sender (MAIL FROM), e.g. support@shop.example")
    local_hostname: str | None = Field(default=None, description="name sent in EHLO")
    ca_file: Path | None = Field(default=None, description="extra CA bundle, e.g. a private CA")
    allow_plaintext_auth: bool = Field(
        default=False, description="allow AUTH with security='none' (test servers only)"
    )

    @field_validator("host", "local_hostname")
    @classmethod
    def _no_whitespace(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(c.isspace() for c in value)):
            raise ValueError("must be a host name without spaces, e.g. 'smtp.example.com'")
        return value

    @field_validator("from_address")
    @classmethod
    def _bare_address(cls, value: str) -> str:
        _, addr = parseaddr(value)
        local, at, domain = addr.rpartition("@")
        if addr != value.strip() or not (local and at and domain) or not value.isascii():
            raise ValueError(
                f"{value!r} is not a bare ASCII e-mail address; "
                "write it like 'support@shop.example' (no display name)"
            )
        return addr

    @model_validator(mode="after")
    def _credentials_consistent(self) -> Self:
        if (self.username is None) != (self.password is None):
            raise ValueError("set both username and password for SMTP AUTH, or neither")
        if self.username is not None and self.security == "none" and not self.allow_plaintext_auth:
            raise ValueError(
                "security='none' with a username would send the password in clear text; "
                "use security='starttls' (port 587) or 'tls' (port 465)"
            )
        if self.ca_file is not None and not self.ca_file.is_file():
            raise ValueError(f"ca_file {self.ca_file} does not exist or is not a file")
        return self
