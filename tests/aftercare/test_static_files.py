"""The static files survive the production build: `collectstatic` with the manifest
storage rewrites every url() of every stylesheet (ours and the vendored USWDS one) and
fails on a file that is referred to but missing, as it would in the Docker build."""

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_finds_every_file_a_stylesheet_refers_to(tmp_path, settings):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("vendor/uswds/css/uswds.min.*.css"))
