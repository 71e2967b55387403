"""Production refuses to start without its keys; its deploy check is clean; a bad or
missing setting is named in one line by every entry point, never a traceback."""

import os
import re
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
    env.pop("DATABASE_REPLICA_URL", None)  # CI's replica is not this SQLite one's
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


def run(env, *command) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def manage(env, *args) -> subprocess.CompletedProcess:
    return run(env, sys.executable, "manage.py", *args)


def one_line_naming(result: subprocess.CompletedProcess, text: str) -> bool:
    """The process stopped with exactly one line about settings, and it says `text`."""
    lines = [line for line in result.stderr.splitlines() if "Aftercare cannot start" in line]
    return (
        result.returncode != 0
        and "Traceback" not in result.stderr
        and len(lines) == 1
        and text in lines[0]
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
    assert one_line_naming(result, f"{missing} is not set."), result.stderr
    # A server is never told to run `make env`: its keys come from its secret store.
    assert "make env" not in result.stderr


def test_the_search_key_must_differ_from_the_encryption_keys(production_env):
    production_env["BLIND_INDEX_KEY"] = KEY_B
    result = manage(production_env, "check")
    assert one_line_naming(result, "BLIND_INDEX_KEY must differ"), result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be one of"),
        ("AFTERCARE_SESSION_IDLE_MINUTES", "thirty", "must be a whole number"),
        ("FIELD_ENCRYPTION_KEY", "not-a-key", "key 1 is not a url-safe base64 Fernet key"),
        ("AFTERCARE_ENV", "staging", "AFTERCARE_ENV must be one of"),
        ("DATABASE_URL", "mysql//oops", "DATABASE_URL must be postgres://"),
        ("EMAIL_URL", "smpt://mail.example", "EMAIL_URL must start with smtp://"),
        ("EMAIL_URL", "filemail://", "EMAIL_URL must name an absolute folder"),
        ("SECRET_KEY_FILE", "/nonexistent/secret", "SECRET_KEY_FILE names a file that cannot"),
    ],
)
def test_a_bad_value_is_named_at_start_up(name, value, message, production_env):
    production_env[name] = value
    result = manage(production_env, "check")
    assert one_line_naming(result, message), result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("{bin}/celery", "-A", "aftercare", "worker", "--pool", "solo"),
        ("{bin}/gunicorn", "aftercare.wsgi:application", "--bind", "127.0.0.1:0"),
    ],
    ids=["celery worker", "gunicorn"],
)
def test_the_worker_and_the_web_server_name_a_bad_setting_in_one_line(command, production_env):
    production_env["DEBUG"] = "maybe"
    bin_dir = os.path.dirname(sys.executable)
    result = run(production_env, *(part.format(bin=bin_dir) for part in command))
    assert one_line_naming(result, "DEBUG must be one of"), result.stderr


def test_filemail_writes_each_message_into_the_folder_it_names(production_env, tmp_path):
    mail_folder = tmp_path / "outgoing mail"
    production_env["EMAIL_URL"] = f"filemail://{mail_folder}"
    result = manage(production_env, "sendtestemail", "operator@aftercare.example")
    assert result.returncode == 0, result.stderr
    [message] = mail_folder.iterdir()
    assert "To: operator@aftercare.example" in message.read_text()


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


# Read only in test mode, by the suite's own worker processes; never set by an operator.
TEST_HARNESS_ONLY = {"EMAIL_BACKEND", "EMAIL_FILE_PATH"}


def test_the_readme_lists_every_variable_the_settings_read():
    source = (settings.BASE_DIR / "aftercare" / "settings.py").read_text()
    read = set(re.findall(r'\benv_\w+\(\s*"([A-Z][A-Z0-9_]*)"', source)) - TEST_HARNESS_ONLY
    readme = (settings.BASE_DIR / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert {"SECRET_KEY", "REDIS_URL", "AFTERCARE_BASE_URL"} <= read, "the scan finds reads"
    assert not {name for name in read if f"`{name}`" not in table}
