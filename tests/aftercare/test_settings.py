"""Production refuses to start without its keys; its deploy check is clean."""

import os
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def production_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AFTERCARE_"))}
    env.update(
        AFTERCARE_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=f"{KEY_A},{KEY_B}",
        BLIND_INDEX_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="aftercare.example",
        REDIS_URL="redis://127.0.0.1:6379/0",
        AFTERCARE_BASE_URL="https://aftercare.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        DEBUG="false",
    )
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_with_its_keys_passes_the_deploy_check_without_a_warning(production_env):
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEY",
        "BLIND_INDEX_KEY",
        "ALLOWED_HOSTS",
        "REDIS_URL",
        "AFTERCARE_BASE_URL",
    ],
)
def test_production_refuses_to_start_without(missing, production_env):
    production_env[missing] = ""
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing}" in result.stderr


def test_the_search_key_must_differ_from_the_encryption_keys(production_env):
    production_env["BLIND_INDEX_KEY"] = KEY_B
    result = manage(production_env, "check")
    assert "BLIND_INDEX_KEY must differ" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be one of"),
        ("AFTERCARE_SESSION_IDLE_MINUTES", "thirty", "must be a whole number"),
        ("FIELD_ENCRYPTION_KEY", "not-a-key", "key 1 is not a url-safe base64 Fernet key"),
        ("AFTERCARE_ENV", "staging", "AFTERCARE_ENV must be one of"),
    ],
)
def test_a_bad_value_is_named_at_start_up(name, value, message, production_env):
    production_env[name] = value
    result = manage(production_env, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_several_encryption_keys_become_a_list_newest_first(production_env):
    result = manage(
        production_env,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.FIELD_ENCRYPTION_KEY)",
    )
    assert result.stdout.strip().splitlines()[-1] == str([KEY_A, KEY_B])


def test_secrets_can_come_from_files(production_env, tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(production_env.pop("SECRET_KEY") + "\n")
    production_env["SECRET_KEY_FILE"] = str(secret_file)
    production_env["SECRET_KEY"] = ""
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
