"""The batch's ledger: a small SQLite file in the output folder that records each job's state, error and outputs,
so that a re-run skips what is done and a killed run loses nothing."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..i18n import _

LEDGER_NAME = "img2print-batch.sqlite"
LOCK_NAME = ".img2print-batch.lock"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,           -- content hash of the picture and everything asked of it
    source TEXT NOT NULL,           -- where the job was asked (the picture, or a manifest's row)
    request TEXT NOT NULL,          -- JSON: mode, options, printers, intent, copies, format
    state TEXT NOT NULL,            -- queued, running, done or failed
    attempts INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    outputs TEXT,                   -- JSON: [{file, sha256, bytes, printer}]
    updated REAL NOT NULL
)"""
CHUNK = 1 << 20


@dataclass(frozen=True)
class Output:
    """One file a job wrote into the output folder, with its content hash."""

    file: str
    sha256: str
    bytes: int
    printer: str | None = None


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as opened:
        for piece in iter(lambda: opened.read(CHUNK), b""):
            digest.update(piece)
    return digest.hexdigest()


class Ledger:
    """The jobs of one output folder; only one batch at a time may hold it (a lock the kernel drops with the
    process, so a killed batch never blocks the next)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / LEDGER_NAME
        self._lock = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            os.close(self._lock)
            raise BadInput("batch_running", _("{folder}: another batch is writing into this folder; wait until it "
                                              "ends or choose another output folder.").format(folder=self.folder),
                           folder=str(self.folder)) from error
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(SCHEMA)
        except sqlite3.DatabaseError as error:
            os.close(self._lock)
            raise BadInput("bad_ledger", _("{file}: this is not a readable img2print batch ledger ({reason}). Move it "
                                           "away or choose another output folder.").format(file=self.path,
                                                                                           reason=error),
                           file=str(self.path)) from error

    def close(self) -> None:
        """Close the ledger and let the next batch have the folder."""
        self._db.close()
        os.close(self._lock)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _set(self, key: str, **columns: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in columns)
        self._db.execute(f"UPDATE jobs SET {names}, updated = ? WHERE key = ?", (*columns.values(), time.time(), key))

    def finished(self, key: str) -> list[Output] | None:
        """The outputs of a job done before, when every one is still there with the same content; else None."""
        row = self._db.execute("SELECT outputs FROM jobs WHERE key = ? AND state = ?", (key, DONE)).fetchone()
        if row is None:
            return None
        outputs = [Output(**item) for item in json.loads(row[0])]
        for output in outputs:
            path = self.folder / output.file
            if not path.is_file() or path.stat().st_size != output.bytes or file_sha256(path) != output.sha256:
                return None
        return outputs

    def queue(self, key: str, source: str, request: dict[str, Any]) -> None:
        """Record a job as waiting for a worker (again, for one that failed or was cut off)."""
        self._db.execute("INSERT INTO jobs (key, source, request, state, updated) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET source = excluded.source, state = excluded.state, "
                         "error_code = NULL, error_message = NULL, updated = excluded.updated",
                         (key, source, json.dumps(request, sort_keys=True), QUEUED, time.time()))

    def start(self, key: str) -> None:
        """Record a job as handed to a worker (and count how often that happened)."""
        self._db.execute("UPDATE jobs SET state = ?, attempts = attempts + 1, updated = ? WHERE key = ?",
                         (RUNNING, time.time(), key))

    def requeue(self, key: str) -> None:
        """Record a job whose worker died as waiting again."""
        self._set(key, state=QUEUED)

    def finish(self, key: str, outputs: list[Output]) -> None:
        """Record a job as done, with the files it wrote (already in place)."""
        self._set(key, state=DONE, outputs=json.dumps([asdict(o) for o in outputs]))

    def fail(self, key: str, code: str, message: str) -> None:
        """Record a job as failed, with the error's code and message."""
        self._set(key, state=FAILED, error_code=code, error_message=message)
