import pytest


@pytest.fixture(autouse=True)
def evidence_folder(settings, tmp_path):
    """Each test's files in a folder of its own, read back by the tests."""
    folder = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder
