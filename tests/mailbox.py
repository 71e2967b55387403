"""A stand-in for the mail server, for tests whose email is sent by worker processes.

Like a real mailbox it keeps one copy per Message-ID; unlike one, it also logs every
hand-off, so a test can see a message that was handed over twice.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, messages):
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            message_id = (
                message.extra_headers.get("Message-ID", "").strip("<>") or os.urandom(8).hex()
            )
            (folder / f"{message_id}.eml").write_bytes(message.message().as_bytes())
            with open(folder / "handoffs.log", "a", encoding="utf-8") as log:
                log.write(message_id + "\n")
        return len(messages)


def read_mailbox(folder: Path) -> tuple[list[str], list[str]]:
    """(Message-IDs in the mailbox, every hand-off in order)."""
    stored = sorted(p.stem for p in folder.glob("*.eml"))
    log = folder / "handoffs.log"
    handoffs = log.read_text(encoding="utf-8").split() if log.exists() else []
    return stored, handoffs
