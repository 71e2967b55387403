from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftercare.demo import demo_seed_core
from cases.demo import demo_seed_matters
from survivors.demo import demo_seed_survivors
from volunteers.demo import demo_seed_volunteers


class Command(BaseCommand):
    help = (
        "Create synthetic demo organizations and users (idempotent). New users' passwords and "
        "authenticator secrets are printed once; pass --password/--totp-secret to set them."
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
        # Every app's demo data, lowest floor first (this command is one of the two
        # places allowed to name every app).
        survivors = demo_seed_survivors()
        matters = demo_seed_matters()
        volunteers = demo_seed_volunteers()
        if survivors:
            self.stdout.write(f"Created {survivors} synthetic survivors.")
        if matters:
            self.stdout.write(f"Opened {matters} demo matters at Harbor Legal Aid.")
        if volunteers:
            self.stdout.write(
                f"Added {volunteers} demo volunteers at Harbor Legal Aid (they cannot sign in)."
            )
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
