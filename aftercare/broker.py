"""The embedded broker of `make run` and the local tests: kombu's file-system transport,
made safe for several processes sharing one folder (CELERY_BROKER_TRANSPORT).

Upstream writes a message in place and claims it with `shutil.move` to the temporary
folder, which crosses file systems and so copies: a worker could read a message the web
process was still writing, fail on the half of it with `JSONDecodeError`, and stop
consuming, so that document generation waited for ever. Here every file is written
under a name no reader looks for and then renamed into place, a message is claimed by a
rename inside the broker's folder (atomic, so exactly one consumer gets it), and a file
that still cannot be read (left by a process killed mid-write before this transport, or
damaged on disk) is set aside in the quarantine folder with a log line instead of
taking the worker down.
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

_PARTIAL = ".partial"


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + _PARTIAL)
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


class Channel(filesystem.Channel):
    @property
    def quarantine_folder(self) -> Path:
        return Path(self.transport_options.get("quarantine_folder", "quarantine"))

    # -- messages -------------------------------------------------------------------

    def _put(self, queue, payload, **kwargs) -> None:
        # The name sorts by time, as upstream's does, so a queue stays first in, first out.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        try:
            _write_atomically(Path(self.data_folder_out) / name, dumps(payload))
        except OSError as exc:
            raise ChannelError(f"Cannot add {name!r} to the queue folder") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = Path(self.processed_folder) / name
            try:
                os.rename(Path(self.data_folder_in) / name, claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it first
            except OSError as exc:
                raise ChannelError(f"Cannot claim {name!r} from the queue folder") from exc
            try:
                message = loads(claimed.read_bytes().decode("utf-8"))
            except (OSError, ValueError) as exc:
                self._set_aside(claimed, exc)
                continue
            if not self.store_processed:
                claimed.unlink(missing_ok=True)
            return message
        raise Empty()

    def _set_aside(self, path: Path, exc: Exception) -> None:
        self.quarantine_folder.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, self.quarantine_folder / path.name)
        except OSError:
            path.unlink(missing_ok=True)
        # The file name only: a message's body is a task's arguments.
        logger.error(
            "Set aside an unreadable broker message %s in %s (%s); its task will not run.",
            path.name,
            self.quarantine_folder,
            type(exc).__name__,
        )

    def _purge(self, queue) -> int:
        wanted = f"{queue}.msg"
        count = 0
        for name in os.listdir(self.data_folder_in):
            if name.partition(".")[2] == wanted:
                try:
                    os.unlink(Path(self.data_folder_in) / name)
                    count += 1
                except FileNotFoundError:
                    pass  # consumed meanwhile
        return count

    # -- the exchange tables (which queues an exchange routes to) ----------------------

    @contextmanager
    def _tables_locked(self):
        # One writer at a time for the read-modify-write of a table; readers need no
        # lock, because a table is only ever replaced whole.
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with open(self.control_folder / ".lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        try:
            return [filesystem.exchange_queue_t(*row) for row in loads(text)]
        except (ValueError, TypeError) as exc:
            # A table cut short by the upstream transport: rebuilt as queues bind again.
            logger.error("Ignoring an unreadable exchange table %s (%s)", file.name, exc)
            return []

    def _queue_bind(self, exchange, routing_key, pattern, queue) -> None:
        file = self._exchange_file(exchange)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            with self._tables_locked():
                table = self.get_table(exchange)
                if binding not in table:
                    _write_atomically(file, dumps([binding, *table]))
        except OSError as exc:
            raise ChannelError(f"Cannot write {file}") from exc

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs) -> None:
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        file = self._exchange_file(exchange)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._tables_locked():
            table = self.get_table(exchange)
            if binding in table:
                table.remove(binding)
                _write_atomically(file, dumps(table))


class Transport(filesystem.Transport):
    Channel = Channel
    # Upstream keeps this state per class; a subclass must not share its parent's.
    global_state = virtual.BrokerState()
