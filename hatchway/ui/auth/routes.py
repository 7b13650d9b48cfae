"""/login and /logout. The login form has its own CSRF token (a double-submit cookie)."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from hatchway.accounts import verify_password
from hatchway.store.models import AuditEvent, Role, UiSession, User
from hatchway.ui.auth.deps import SESSION_COOKIE, CsrfChecked
from hatchway.ui.auth.ratelimit import login_refusal, record_attempt
from hatchway.ui.auth.sessions import SIGN_IN_REASONS, end_session, start_session
from hatchway.ui.auth.tokens import new_token, token_hash, tokens_equal
from hatchway.ui.deps import ClockDep, DatabaseDep, SettingsDep, TemplatesDep, UiSettingsDep
from hatchway.ui.pages import render

__all__ = ["LOGIN_CSRF_COOKIE", "cookie_secure", "router", "safe_next"]

router = APIRouter(tags=["auth"])

LOGIN_CSRF_COOKIE = "hatchway_login_csrf"


def cookie_secure(request: Request) -> bool:
    """Secure cookies unless in dev mode (or the UI settings say otherwise)."""
    explicit: bool | None = request.app.state.ui_settings.cookie_secure
    return (not request.app.state.settings.dev_mode) if explicit is None else explicit


def safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after signing in."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/inbox"


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, templates: TemplatesDep, next: str | None = None, why: str | None = None
) -> Response:
    """The sign-in form."""
    return _login_form(
        request, templates, next=safe_next(next), notice=SIGN_IN_REASONS.get(why or "")
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    templates: TemplatesDep,
    database: DatabaseDep,
    settings: SettingsDep,
    ui: UiSettingsDep,
    now: ClockDep,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/inbox",
) -> Response:
    """Check the password (argon2), rate-limited; on success a brand-new session."""
    if not tokens_equal(request.cookies.get(LOGIN_CSRF_COOKIE) or "", csrf_token or None):
        raise HTTPException(403, "The sign-in form was stale; reload the page and try again.")
    username = username.strip().lower()
    address = request.client.host if request.client else "unknown"
    with database.session() as session:
        refusal = login_refusal(
            session, username=username, client_address=address, settings=ui, now=now
        )
        user = session.scalar(select(User).where(User.username == username))
    if refusal is not None:
        retry = {"Retry-After": str(int(ui.login_window_minutes * 60))}
        return _login_form(request, templates, next=next, error=refusal, status=429, headers=retry)
    # The password is checked outside any transaction: argon2 is slow on purpose.
    ok = verify_password(user, password) if user is not None else _burn_time(password)
    with database.session() as session:
        ok = ok and user is not None and user.active
        record_attempt(session, username=username, client_address=address, succeeded=ok, now=now)
        if ok and user is not None:
            user = session.merge(user)
            return _signed_in(request, session, user, settings.secret_key.get_secret_value(), next)
        session.add(
            AuditEvent(
                actor=username or "?",
                action="user.sign_in_failed",
                subject_type="user",
                subject_id=username[:200],
                details={"client_address": address},
            )
        )
    error = "Wrong username or password."
    return _login_form(request, templates, next=next, error=error, status=401)


@router.post("/logout")
def logout(user: CsrfChecked, database: DatabaseDep) -> Response:
    """End the session and go back to the sign-in page."""
    with database.session() as session:
        end_session(session, session_hash=user.session_hash)
    response = RedirectResponse("/login?why=signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _login_form(
    request: Request,
    templates: Jinja2Templates,
    *,
    next: str,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token = new_token()
    context = {"next": safe_next(next), "notice": notice, "error": error, "login_csrf": token}
    response = render(
        request, templates, "login.html", context, status_code=status, headers=headers
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path="/login",
    )
    return response


def _signed_in(request: Request, session: Session, user: User, secret: str, next: str) -> Response:
    old = request.cookies.get(SESSION_COOKIE)
    if old:  # never carry a session id across a login (fixation)
        stale = session.get(UiSession, token_hash(secret, old))
        if stale is not None:
            session.delete(stale)
    token = start_session(
        session,
        user=user,
        secret_key=secret,
        now=request.app.state.clock(),
        client_address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )
    session.add(
        AuditEvent(
            actor=user.username,
            actor_user_id=user.id,
            action="user.signed_in",
            subject_type="user",
            subject_id=str(user.id),
        )
    )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@cache
def _dummy_user() -> User:
    hashed = PasswordHasher().hash(new_token())  # argon2's defaults, as hatchway.accounts
    return User(username="", display_name="", role=Role.REVIEWER, password_hash=hashed)


def _burn_time(password: str) -> bool:
    """As slow as a real check, so timing does not reveal which usernames exist."""
    verify_password(_dummy_user(), password)
    return False
