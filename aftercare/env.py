"""Settings from the environment, read strictly through django-environ.

django-environ is the one parser: its FileAwareEnv reads NAME or, when NAME_FILE is set,
the file it names (the way Docker and Kubernetes mount secrets), for every variable.
These readers only make it strict: a value that cannot be parsed raises SettingError
naming the variable and what to write instead, so a typo stops the process at start-up
rather than silently falling back to a default.

A SettingError that reaches the top of a process (manage.py, the Celery worker, the WSGI
server) is printed as one line, not a traceback: an operator needs the variable and the
fix, and a traceback through importlib hides both.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import unquote, urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DATABASE_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}

_env = environ.FileAwareEnv()


class SettingError(ImproperlyConfigured):
    """A setting is missing or unreadable; the message names it and says what to do."""


def _raw(name: str) -> str | None:
    # The mapping, not _env.str(): that would treat a value starting with "$" (a
    # generated secret may) as the name of another variable.
    try:
        return _env.ENVIRON.get(name)
    except OSError as exc:
        raise SettingError(
            f"{name}_FILE names a file that cannot be read ({exc.strerror}); "
            "point it at a readable file or unset it."
        ) from exc


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value.strip()


def env_secret(name: str, default: str | None = None) -> str | None:
    """A secret: NAME, or the contents of the file named by NAME_FILE (as every reader)."""
    return env_str(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise SettingError(f"{name} must be one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = env_str(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise SettingError(f"{name} must be a whole number, like {default}") from exc
    if minimum is not None and number < minimum:
        raise SettingError(f"{name} must be at least {minimum}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Split a comma-separated variable into its non-empty, stripped parts."""
    raw = env_str(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_decimal(name: str, default: str, *, minimum: str | None = None) -> Decimal:
    """A decimal number such as an amount of money (never a float: no rounding surprises)."""
    value = env_str(name) or default
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise SettingError(f"{name} must be a number, like {default}") from exc
    if not number.is_finite() or (minimum is not None and number < Decimal(minimum)):
        raise SettingError(f"{name} must be a number of at least {minimum or 0}")
    return number


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = (env_str(name) or default).lower()
    if value not in choices:
        raise SettingError(f"{name} must be one of: {', '.join(sorted(choices))}")
    return value


def env_database(name: str, default: str) -> dict:
    url = env_str(name) or default
    config = environ.Env.db_url_config(url) if "://" in url else {}
    if config.get("ENGINE") not in _DATABASE_ENGINES:
        raise SettingError(
            f"{name} must be postgres://user:password@host:5432/name "
            "or sqlite:////absolute/path.sqlite3"
        )
    return config


def env_email(name: str, default: str) -> dict:
    url = env_str(name) or default
    try:
        config = environ.Env.email_url_config(url)
    except ImproperlyConfigured as exc:
        raise SettingError(
            f"{name} must start with smtp://, smtp+tls://, smtp+ssl://, "
            "consolemail:// or filemail:///absolute/folder"
        ) from exc
    if config["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
        # django-environ keeps the path without its leading slash, which makes
        # filemail:///var/mail a folder relative to wherever the process started.
        folder = unquote(urlparse(url).path)
        if not folder.startswith("/"):
            raise SettingError(f"{name} must name an absolute folder: filemail:///var/mail")
        config["EMAIL_FILE_PATH"] = folder
    return config


def _raised_while_loading_settings(traceback) -> bool:
    settings_file = str(Path(__file__).with_name("settings.py"))
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == settings_file:
            return True
        traceback = traceback.tb_next
    return False


def report_setting_errors_in_one_line() -> None:
    """Print a setting error that ends the process as one line, not a traceback.

    Installed by settings.py before it reads anything, so it holds for every entry point
    that loads settings. Any other error keeps its traceback.
    """
    previous = sys.excepthook
    if getattr(previous, "reports_setting_errors", False):
        return

    def hook(kind, error, traceback):
        if issubclass(kind, SettingError) or (
            issubclass(kind, ImproperlyConfigured) and _raised_while_loading_settings(traceback)
        ):
            sys.stderr.write(f"Aftercare cannot start: {error}\n")
            return
        previous(kind, error, traceback)

    hook.reports_setting_errors = True
    sys.excepthook = hook
