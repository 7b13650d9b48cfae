"""Settings: one object built at startup from HATCHWAY_* variables and an optional hatchway.toml.

Precedence, highest first: explicit keyword arguments, environment variables
(``HATCHWAY_DATABASE_URL``, nested keys with ``__``: ``HATCHWAY_SERVER__PORT``),
the TOML file, defaults. Nothing reads settings at import time: :func:`load_settings`
is called once by the CLI (or a test) and the result is passed in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from hatchway.agents.model_settings import ModelSettings
from hatchway.connectors._facts import ShopPolicy
from hatchway.connectors.crm.settings import CrmSettings
from hatchway.connectors.imap.settings import ImapSettings
from hatchway.connectors.inventory.settings import InventorySettings
from hatchway.connectors.smtp.settings import SmtpSettings
from hatchway.errors import ConfigError
from hatchway.graphs.services import TriageSettings
from hatchway.observability.settings import ObservabilitySettings
from hatchway.outbox.settings import OutboxSettings
from hatchway.policies.claims import ClaimsSettings
from hatchway.policies.gate.settings import GateSettings
from hatchway.policies.rules import RulesSettings
from hatchway.ui.ops.settings import OpsSettings
from hatchway.ui.settings import UiSettings
from hatchway.webhooks.settings import WebhookSettings
from hatchway.worker_settings import WorkerSettings

__all__ = [
    "CONFIG_ENV_VAR",
    "ApiSettings",
    "DEFAULT_CONFIG_FILE",
    "PLACEHOLDER_SECRETS",
    "ServerSettings",
    "Settings",
    "load_settings",
]

ENV_PREFIX = "HATCHWAY_"
CONFIG_ENV_VAR = "HATCHWAY_CONFIG"
DEFAULT_CONFIG_FILE = Path("hatchway.toml")
# Values shipped in examples and docs; a real deployment must replace them. Validators
# raise ConfigError (not ValueError) where they know the exact key: pydantic lets it through.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev-secret-key"})

_config_file: ContextVar[Path | None] = ContextVar("hatchway_config_file", default=None)


class ServerSettings(BaseModel):
    """Where `hatchway serve` listens."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", description="Listen address; 0.0.0.0 for all.")
    port: int = Field(default=8000, ge=1, le=65535, description="Listen port.")


class ApiSettings(BaseModel):
    """The JSON API under /api/v1."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key_hours: float = Field(
        default=72,
        gt=0,
        description="How long a repeated Idempotency-Key returns the first answer; then a "
        "worker forgets it. Message-ID and identical-content repeats are recognised for good.",
    )


class Settings(BaseSettings):
    """Everything hatchway needs to run; see hatchway.example.toml for a commented copy."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    dev_mode: bool = Field(
        default=False, description="Allows placeholder secrets; never in production."
    )
    database_url: str = Field(
        default="sqlite:///hatchway.db",
        description="SQLAlchemy URL: sqlite:///path.db (default) or postgresql+psycopg://...",
    )
    secret_key: SecretStr = Field(
        default=SecretStr("change-me"),
        description="Signs session cookies and CSRF tokens; at least 32 random characters.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Least severe log level written."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=0, description="How long a SQLite writer waits for another one."
    )
    own_domains: list[str] = Field(
        default_factory=list,
        description="Our sending domains: mail from them or with our Message-IDs gets no reply.",
    )
    server: ServerSettings = Field(
        default_factory=ServerSettings, description="Where `hatchway serve` listens."
    )
    api: ApiSettings = Field(default_factory=ApiSettings, description="The JSON API.")
    mailboxes: list[ImapSettings] = Field(
        default_factory=list, description="IMAP mailboxes to answer ([[mailboxes]] tables)."
    )
    sent_mailbox: str | None = Field(
        default=None,
        description="Name of the mailbox whose Sent folder gets copies (default: the first).",
    )
    smtp: SmtpSettings | None = Field(default=None, description="Where replies are sent.")
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    models: ModelSettings = Field(default_factory=ModelSettings)
    models_dir: Path = Field(
        default=Path("models"), description="Where trained local model artifacts are kept."
    )
    triage: TriageSettings = Field(default_factory=TriageSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    crm: CrmSettings | None = Field(default=None, description="Where customers and orders are.")
    inventory: InventorySettings | None = Field(default=None, description="Products and stock.")
    shop: ShopPolicy = Field(default_factory=ShopPolicy)
    rules: RulesSettings = Field(default_factory=RulesSettings)
    claims: ClaimsSettings = Field(default_factory=ClaimsSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    webhooks: list[WebhookSettings] = Field(
        default_factory=list, description="Endpoints that get signed events ([[webhooks]])."
    )
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    worker: WorkerSettings = Field(
        default_factory=WorkerSettings, description="Jobs in flight in `hatchway worker`."
    )

    @model_validator(mode="after")
    def _no_placeholder_passwords(self) -> Settings:
        if self.dev_mode:
            return self
        for key, secret in self._secrets():
            if (
                secret is not None
                and secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS
            ):
                raise ConfigError(
                    key,
                    "is a placeholder, refused outside dev mode",
                    "set the real secret (for example through the environment), "
                    "or dev_mode = true for local experiments",
                )
        return self

    def _secrets(self) -> list[tuple[str, SecretStr | None]]:
        found: list[tuple[str, SecretStr | None]] = []
        for index, box in enumerate(self.mailboxes):
            found += [(f"mailboxes[{index}].password", box.password)]
            found += [(f"mailboxes[{index}].oauth2_token", box.oauth2_token)]
        if self.smtp is not None:
            found.append(("smtp.password", self.smtp.password))
        for name, section in (("crm", self.crm), ("inventory", self.inventory)):
            found.append((f"{name}.auth_value", getattr(section, "auth_value", None)))
        found += [(f"webhooks[{i}].secret", hook.secret) for i, hook in enumerate(self.webhooks)]
        return found

    @model_validator(mode="after")
    def _sent_mailbox_exists(self) -> Settings:
        names = [box.name for box in self.mailboxes]
        if self.sent_mailbox is not None and self.sent_mailbox not in names:
            raise ConfigError(
                "sent_mailbox", f"{self.sent_mailbox!r} is not a mailbox", f"use one of {names}"
            )
        if len(set(names)) != len(names):
            raise ConfigError(
                "mailboxes", f"names repeat: {names}", "give each mailbox its own name"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        return value

    @field_validator("secret_key")
    @classmethod
    def _no_placeholder_secret(cls, value: SecretStr, info: Any) -> SecretStr:
        if info.data.get("dev_mode"):
            return value
        secret = value.get_secret_value()
        if secret.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("is a placeholder, refused outside dev mode")
        if len(secret) < 32:
            raise ValueError("is shorter than 32 characters")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file.get()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


@contextmanager
def _reading(config_file: Path | None) -> Iterator[None]:
    token = _config_file.set(config_file)
    try:
        yield
    finally:
        _config_file.reset(token)


def resolve_config_file(
    explicit: Path | None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The TOML file to read: the explicit one, else $HATCHWAY_CONFIG, else ./hatchway.toml."""
    env = os.environ if environ is None else environ
    if explicit is not None:
        candidate, required = explicit, True
    elif env.get(CONFIG_ENV_VAR):
        candidate, required = Path(env[CONFIG_ENV_VAR]), True
    else:
        candidate, required = DEFAULT_CONFIG_FILE, False
    if candidate.is_file():
        return candidate
    if required:
        raise ConfigError(
            str(candidate),
            "config file not found",
            "create it with `hatchway init` or fix the path",
        )
    return None


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the Settings once, at startup. Raises ConfigError naming each bad key and its fix."""
    path = resolve_config_file(config_file)
    try:
        with _reading(path):
            return Settings(**overrides)
    except ValidationError as exc:
        raise _config_error(exc, path) from None
    except (OSError, ValueError) as exc:  # unreadable or invalid TOML
        raise ConfigError(str(path), f"cannot read config file ({exc})", "fix the TOML") from None


def _config_error(exc: ValidationError, path: Path | None) -> ConfigError:
    """One error naming the first bad key (the error's own key); any others follow by name."""
    first, *others = exc.errors()
    key = _dotted(first)
    problems = [_describe(first, path), *(f"{_dotted(e)}: {_describe(e, path)}" for e in others)]
    return ConfigError(key, "; ".join(problems), _fix_for(first))


def _dotted(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"]) or "settings"


def _describe(error: ErrorDetails, path: Path | None) -> str:
    """What is wrong and where it is set: ``<message> (env HATCHWAY_X or `x` in file)``."""
    env_name = ENV_PREFIX + "__".join(str(part) for part in error["loc"]).upper()
    where = f"env {env_name}" + (f" or `{_dotted(error)}` in {path}" if path else "")
    message = error["msg"].removeprefix("Value error, ")
    return f"{message} ({where})"


_FIXES = {
    "extra_forbidden": "remove the key or check its spelling against hatchway.example.toml",
    "missing": "set the key",
    "int_parsing": "use a whole number",
    "bool_parsing": "use true or false",
    "literal_error": "use one of the allowed values",
}


def _fix_for(error: ErrorDetails) -> str:
    if error["loc"] and error["loc"][0] == "secret_key":
        return (
            "run `hatchway init` (writes hatchway.toml with a fresh key), or set "
            "HATCHWAY_SECRET_KEY to a long random string "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))"), '
            "or set dev_mode = true for local experiments"
        )
    if error["loc"] and error["loc"][0] == "database_url":
        return "use sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/db"
    return _FIXES.get(error["type"], "set a valid value (see hatchway.example.toml)")
