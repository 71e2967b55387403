"""A mail server on 127.0.0.1 for tests and benchmarks: it speaks enough SMTP for
Django's SMTP backend, and records every message handed to it by Message-ID.

Like a real mail store it keeps one copy per Message-ID (`stored`); unlike one it also
logs every hand-off in order (`handoffs`), so a test sees a message handed over twice.
`silent=True` makes a server that accepts connections and never says a word (a hung
relay); `on_message(message_id)` runs after a message was stored and before the server
answers "250" (the instant at which a sender cannot know whether it was taken).
"""

from __future__ import annotations

import re
import socketserver
import threading
import time
from collections.abc import Callable

from django.core.mail.backends.smtp import EmailBackend

MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        sink = self.server.sink
        if sink.silent:
            while not sink.closing.wait(0.2):
                pass
            return
        self._say("220 sink.test ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self._say("250 sink.test")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self._say("250 OK")
            elif verb == b"DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data()
                if data is None:
                    return
                sink.received(data)
                self._say("250 OK queued")
            elif verb == b"QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 Not implemented")

    def _read_data(self) -> bytes | None:
        lines = []
        while True:
            line = self.rfile.readline()
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)

    def _say(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    sink: SmtpSink


class SmtpSink:
    def __init__(
        self,
        *,
        silent: bool = False,
        on_message: Callable[[str], None] | None = None,
        keep_bodies: bool = True,
    ):
        self.silent = silent
        self.on_message = on_message
        self.keep_bodies = keep_bodies
        self.closing = threading.Event()
        self.lock = threading.Lock()
        self.handoffs: list[str] = []
        self.stored: dict[str, bytes] = {}
        self.first_at: float | None = None
        self.last_at: float | None = None
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def worker_env(self, timeout: int = 5) -> dict[str, str]:
        """Settings for a worker process that sends its email here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_URL": self.url,
            "EMAIL_TIMEOUT": str(timeout),
        }

    def received(self, data: bytes) -> None:
        found = MESSAGE_ID.search(data)
        message_id = found.group(1).decode() if found else f"no-id-{len(self.handoffs)}"
        with self.lock:
            now = time.monotonic()
            self.first_at = self.first_at or now
            self.last_at = now
            self.handoffs.append(message_id)
            self.stored[message_id] = data if self.keep_bodies else b""
        if self.on_message is not None:  # taken, and the sender has not heard so yet
            self.on_message(message_id)

    def duplicates(self) -> list[str]:
        with self.lock:
            seen, repeated = set(), []
            for message_id in self.handoffs:
                if message_id in seen:
                    repeated.append(message_id)
                seen.add(message_id)
            return repeated


class MisconfiguredBackend(EmailBackend):
    """Django's SMTP backend as a settings parser that read EMAIL_HOST as a list would
    leave it. Sending raises TypeError (not an SMTP or network error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = [self.host]
