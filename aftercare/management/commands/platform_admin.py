from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from aftercare.actor import Actor, Channel
from aftercare.platform_admin import platform_admin_grant, platform_admin_revoke


class Command(BaseCommand):
    help = (
        "Make a person a platform administrator (creates organizations and invites their "
        "first admin; sees no organization's records). A new account's password is printed "
        "once; they connect an authenticator app at their first sign-in."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--remove", action="store_true", help="Take the role away instead (idempotent)."
        )

    def handle(self, *args, email: str, full_name: str, remove: bool, **options) -> None:
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an email address: {email!r}") from error
        actor = Actor.system(channel=Channel.COMMAND)
        if remove:
            had = platform_admin_revoke(actor=actor, email=email)
            self.stdout.write(
                f"{email} is no longer a platform administrator."
                if had
                else f"{email} was not a platform administrator; nothing changed."
            )
            return
        password = platform_admin_grant(actor=actor, email=email, full_name=full_name)
        self.stdout.write(self.style.SUCCESS(f"{email} is a platform administrator."))
        if password:
            self.stdout.write(
                f"  New account. Password (shown once; store it now): {password}\n"
                "  At the first sign-in they connect an authenticator app."
            )
