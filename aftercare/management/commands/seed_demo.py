from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftercare.demo import demo_seed_core, demo_seeders


class Command(BaseCommand):
    help = (
        "Create synthetic demo organizations and users (idempotent), then every app's demo "
        "data. New users' passwords and authenticator secrets are printed once; pass "
        "--password/--totp-secret to set them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", help="Password for every demo user.")
        parser.add_argument(
            "--totp-secret", help="Base32 authenticator secret for every demo user."
        )

    def handle(self, *args, password: str | None, totp_secret: str | None, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo is refused in production: it creates known accounts.")
        try:
            credentials = demo_seed_core(password=password, totp_secret=totp_secret)
        except ValueError as error:
            raise CommandError(str(error)) from error
        # Each app registers its own seeding in its demo module (aftercare.demo.demo_seeder).
        for seeder in demo_seeders():
            if created := seeder.seed():
                self.stdout.write(seeder.reports.format(created))
        if not credentials:
            self.stdout.write(
                "Demo data is in place. Passwords were printed when it was first created; "
                "run `manage.py seed_demo --password ...` to set new ones."
            )
            return
        self.stdout.write(self.style.SUCCESS("Demo users (shown once; store them now):"))
        for c in credentials:
            self.stdout.write(
                f"  {c.email:<32} {c.role:<20} {c.organization:<24} "
                f"password: {c.password}  authenticator secret: {c.totp_secret}"
            )
        self.stdout.write(
            "Add the secret to an authenticator app, or print the current code with "
            "`make code EMAIL=<address>`."
        )
