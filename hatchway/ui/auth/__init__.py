"""Signing in: server-side sessions, CSRF tokens, rate-limited logins, role checks."""

from hatchway.ui.auth.deps import (
    CsrfChecked,
    CurrentUser,
    NotSignedIn,
    has_role,
    require_role,
)
from hatchway.ui.auth.sessions import SignedIn

__all__ = ["CsrfChecked", "CurrentUser", "NotSignedIn", "SignedIn", "has_role", "require_role"]
