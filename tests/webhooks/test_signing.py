"""The signature a receiver checks: HMAC-SHA256 over "{timestamp}.{body}"."""

import hashlib
import hmac

import pytest

from webhooks.signing import SignatureError, signature_header, verify

SECRET = "whsec_test-secret"
BODY = b'{"id":"0b6f","type":"referral.accepted"}'
NOW = 1_800_000_000


def test_a_signed_body_verifies_and_gives_its_timestamp():
    header = signature_header(SECRET, BODY, timestamp=NOW)
    assert verify(SECRET, header, BODY, now=NOW + 10) == NOW


def test_the_header_is_the_documented_hmac_a_receiver_can_recompute():
    header = signature_header(SECRET, BODY, timestamp=NOW)
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_a_tampered_body_is_refused():
    header = signature_header(SECRET, BODY, timestamp=NOW)
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, header, BODY.replace(b"accepted", b"declined"), now=NOW)


def test_another_secret_is_refused():
    header = signature_header("whsec_other", BODY, timestamp=NOW)
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, header, BODY, now=NOW)


def test_an_old_timestamp_is_refused_even_with_a_good_signature():
    header = signature_header(SECRET, BODY, timestamp=NOW)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SECRET, header, BODY, now=NOW + 301)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SECRET, header, BODY, now=NOW - 301)


def test_a_timestamp_changed_to_look_fresh_breaks_the_signature():
    header = signature_header(SECRET, BODY, timestamp=NOW).replace(f"t={NOW}", f"t={NOW + 600}")
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, header, BODY, now=NOW + 600)


@pytest.mark.parametrize("header", ["", "v1=abc", f"t={NOW}", "t=soon,v1=abc", "garbage"])
def test_a_malformed_header_is_refused(header):
    with pytest.raises(SignatureError):
        verify(SECRET, header, BODY, now=NOW)


def test_any_of_several_v1_signatures_may_match():
    good = signature_header(SECRET, BODY, timestamp=NOW).split(",")[1]
    assert verify(SECRET, f"t={NOW},v1=deadbeef,{good}", BODY, now=NOW) == NOW


def test_the_verifier_needs_only_the_standard_library():
    import ast
    import sys
    from pathlib import Path

    import webhooks.signing

    tree = ast.parse(Path(webhooks.signing.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_the_readme_s_receiver_function_verifies_what_aftercare_signs():
    import re
    import time
    from pathlib import Path

    from django.conf import settings

    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    section = readme[readme.index("**Verifying a request.**") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102  (our own README)
    readme_verify = namespace["verify"]
    header = signature_header(SECRET, BODY)
    assert readme_verify(SECRET, header, BODY)
    assert not readme_verify(SECRET, header, BODY + b" ")
    assert not readme_verify("whsec_other", header, BODY)
    old = signature_header(SECRET, BODY, timestamp=int(time.time()) - 600)
    assert not readme_verify(SECRET, old, BODY)
