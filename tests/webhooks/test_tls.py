"""Over HTTPS: the request goes to the checked address while TLS checks the certificate
for the host named in the URL; a certificate nobody vouches for is a failed attempt."""

import ssl
import subprocess

import pytest

from tests.webhooks.conftest import Receiver, consent_to, register, serving
from webhooks.delivery import delivery_attempt
from webhooks.models import Attempt, Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_receiver(certificate):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serving(Receiver(), tls=context) as state:
        yield state


@pytest.fixture
def one_delivery(survivor, intake_worker, harbor, harbor_admin, tls_receiver) -> Delivery:
    register(harbor_admin, tls_receiver)
    consent_to(survivor, intake_worker, harbor)
    return Delivery.objects.get()


def test_an_untrusted_certificate_is_a_failed_attempt(one_delivery, tls_receiver):
    assert tls_receiver.url.startswith("https://")
    assert delivery_attempt(delivery_id=one_delivery.pk) == "failed"
    assert Attempt.objects.get().error == "TLS error"
    assert tls_receiver.received == []


def test_a_trusted_certificate_delivers_over_https(
    one_delivery, tls_receiver, certificate, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # as if a public CA signed it
    assert delivery_attempt(delivery_id=one_delivery.pk) == "delivered"
    assert [r.verified for r in tls_receiver.received] == [True]
