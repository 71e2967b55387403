from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from aftercare.actor import Actor, Channel
from aftercare.platform_admin import platform_admin_grant


class Command(BaseCommand):
    help = (
        "Make a person a platform administrator (creates organizations and invites their "
        "first admin; sees no organization's records). A new account's password is printed "
        "once; they connect an authenticator app at their first sign-in."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--full-name", default="")

    def handle(self, *args, email: str, full_name: str, **options) -> None:
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an email address: {email!r}") from error
        password = platform_admin_grant(
            actor=Actor.system(channel=Channel.COMMAND), email=email, full_name=full_name
        )
        self.stdout.write(self.style.SUCCESS(f"{email} is a platform administrator."))
        if password:
            self.stdout.write(
                f"  New account. Password (shown once; store it now): {password}\n"
                "  At the first sign-in they connect an authenticator app."
            )
