"""Personas, signed-in clients and service switches shared by every test.

Harbor is the organization under test; Riverside is another legal aid
organization whose members must never see Harbor's records; Safe Haven is a
partner NGO that sees a Harbor survivor only under the survivor's consent.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.access import ACTING_MEMBERSHIP_KEY
from aftercare.models import Organization, Role
from aftercare.sessions import SUDO_KEY
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    make_matter,
    make_survivor,
    make_volunteer,
)

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, what: str) -> None:
    """In CI a missing service fails the run; on a laptop the test skips and says why."""
    if available:
        return
    if CI:
        pytest.fail(f"CI needs {what}, and it is not available", pytrace=False)
    pytest.skip(f"{what} is not available here (CI=true makes this a failure)")


def redis_reachable() -> bool:
    url = settings.REDIS_URL
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. A request in Spanish leaves Spanish
    active in the test's thread (LocaleMiddleware never switches back), and whatever the
    next test renders outside a request would be in Spanish, depending on test order."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def harbor(db) -> Organization:
    return OrganizationFactory(name="Harbor Test Legal Aid")


@pytest.fixture
def riverside(db) -> Organization:
    return OrganizationFactory(name="Riverside Test Clinic")


@pytest.fixture
def safehaven(db) -> Organization:
    return OrganizationFactory(name="Safe Haven Test Shelter", kind=Organization.Kind.PARTNER_NGO)


@pytest.fixture
def org_admin(harbor):
    return MembershipFactory(organization=harbor, role=Role.ORG_ADMIN)


@pytest.fixture
def coordinator(harbor):
    return MembershipFactory(organization=harbor, role=Role.COORDINATOR)


@pytest.fixture
def attorney(harbor):
    return MembershipFactory(organization=harbor, role=Role.ATTORNEY)


@pytest.fixture
def paralegal(harbor):
    return MembershipFactory(organization=harbor, role=Role.PARALEGAL)


@pytest.fixture
def unassigned_volunteer(harbor):
    """A staff attorney of Harbor who is assigned to nothing (no volunteer profile)."""
    return MembershipFactory(organization=harbor, role=Role.ATTORNEY)


@pytest.fixture
def volunteer_on_other_matter(harbor, coordinator):
    """A real volunteer of Harbor: a profile with every credential, assigned by the
    coordinator through staffing to a Harbor matter of their own. They hold grants, on
    that matter and its client only."""
    volunteer = make_volunteer(harbor)
    other = make_matter(harbor, client=make_survivor(harbor, legal_name="Other Matter Client"))
    response = sign_in(Client(), coordinator).post(
        reverse("volunteers:assign", args=[other.pk]), {"user": volunteer.user_id}
    )
    assert response.status_code == 302, "the volunteer persona could not be assigned"
    return volunteer


@pytest.fixture
def intake_worker(safehaven):
    return MembershipFactory(organization=safehaven, role=Role.INTAKE)


@pytest.fixture
def partner_coordinator(safehaven):
    """A coordinator of the partner NGO: sees what a consent shares with Safe Haven."""
    return MembershipFactory(organization=safehaven, role=Role.COORDINATOR)


@pytest.fixture
def outsider(riverside):
    """A coordinator of another organization: sees nothing of Harbor."""
    return MembershipFactory(organization=riverside, role=Role.COORDINATOR)


@pytest.fixture
def platform_admin(db):
    """A platform administrator who is a member of no organization (signs in with
    `client_for` like a member; acts for no organization)."""
    from types import SimpleNamespace

    from tests.factories import UserFactory

    return SimpleNamespace(user=UserFactory(is_platform_admin=True), pk=None, organization=None)


def sign_in(
    client: Client, membership, *, second_factor: bool = True, sudo: bool = False
) -> Client:
    """Sign `membership.user` in as if they had typed password and code, acting for its org."""
    user = membership.user
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    if second_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[ACTING_MEMBERSHIP_KEY] = membership.pk
    if sudo:  # as if the password had just been confirmed
        session[SUDO_KEY] = int(time.time()) + 600
    session.save()
    return client


@pytest.fixture
def client_for(db):
    def make(membership, **kwargs) -> Client:
        return sign_in(Client(), membership, **kwargs)

    return make


def database_url_for_subprocess() -> str:
    """The URL of the test database, for processes the tests start (workers, servers)."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def broker_available() -> tuple[bool, str]:
    """Redis when REDIS_URL is set (always in CI); the embedded broker otherwise."""
    if settings.REDIS_URL:
        return redis_reachable(), f"Redis at {settings.REDIS_URL}"
    return (not CI), "a Redis broker (CI must set REDIS_URL)"


class WorkerProcess:
    """A real `celery worker` process (its own process group), against the test database.

    Its output goes to a log file, never a pipe: a busy worker would fill a pipe and stall.
    """

    def __init__(
        self, extra_env: dict | None = None, queue: str | None = None, concurrency: int = 1
    ):
        import subprocess
        import sys
        import tempfile
        import uuid

        self.queue = queue or f"test-{uuid.uuid4().hex[:8]}"
        name = f"{self.queue}-{uuid.uuid4().hex[:6]}"
        env = {
            **os.environ,
            "AFTERCARE_ENV": "test",
            "DATABASE_URL": database_url_for_subprocess(),
            **(extra_env or {}),
        }
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in stop())
            mode="w+", prefix="worker-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "aftercare",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                self.queue,
                "-n",
                f"{name}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the worker's log, while it runs or after it stopped."""
        if self.log.closed:
            return self.output[-chars:]
        with open(self.log.name, errors="replace") as log:
            return (
                f"--- worker {self.process.pid} (exit {self.process.poll()}):\n"
                + (log.read()[-chars:])
            )

    def kill(self) -> None:
        """kill -9 of the whole worker (parent and pool): no shutdown, no acknowledgement."""
        import signal

        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> str:
        import signal
        import subprocess

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.flush()
        self.log.seek(0)
        output = self.log.read()
        self.log.close()
        os.unlink(self.log.name)
        self.output = output
        return output


@pytest.fixture
def celery_worker_process(transactional_db):
    available, what = broker_available()
    require_service(available, what)
    worker = WorkerProcess()
    yield worker
    worker.stop()
