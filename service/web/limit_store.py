"""Rate-limit counts shared by every process of one host without Redis: a fixed-size table in a
memory-mapped file in the data directory, each operation under a file lock.

gunicorn's workers are separate processes: counts kept in each one's memory gave a client
`workers` times its budget. Redis shares counts between hosts; this file shares them between
the processes of one host, which is what a single machine needs.

The table holds SLOTS counters (key digest, count, expiry). A key probes PROBES slots; when all
are live, the one closest to expiry is reused, so under a flood of distinct clients the table
forgets the nearest-to-expire count rather than growing."""

from __future__ import annotations

import fcntl
import hashlib
import math
import mmap
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from limits.storage import Storage
from limits.storage.base import SlidingWindowCounterSupport, TimestampedSlidingWindow

SCHEME = "parallax-file"
SLOTS = 1 << 16  # 65,536 live counters: two per client and limit window
PROBES = 16
_SLOT = struct.Struct("<16sqd")  # key digest, count, expiry (epoch seconds)
_HEADER = b"PLXRL001"
_EMPTY = bytes(16)
_TOMBSTONE = b"\xff" * 16


def storage_uri(data_dir: str | Path) -> str:
    return f"{SCHEME}://{Path(data_dir).resolve() / 'ratelimit.bin'}"


class SharedFileStorage(Storage, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    """A `limits` storage in a memory-mapped file, shared by every process that opens it."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(uri.split("://", 1)[1])
        self._thread_lock = threading.Lock()
        self._pid = -1
        self._fd: int | None = None
        self._map: mmap.mmap | None = None
        self._open()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return OSError

    # -- the file --------------------------------------------------------------------------

    def _open(self) -> None:
        """Opens (or creates) the table. Called again in a forked child: a flock belongs to the
        open file, which a fork shares, so each process needs its own."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        size = len(_HEADER) + SLOTS * _SLOT.size
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.fstat(fd).st_size != size or os.pread(fd, len(_HEADER), 0) != _HEADER:
                # New, or of another layout: start empty (counts are minutes-lived anyway).
                os.ftruncate(fd, 0)
                os.ftruncate(fd, size)
                os.pwrite(fd, _HEADER, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
        if self._map is not None:
            self._map.close()
        if self._fd is not None:
            os.close(self._fd)
        self._fd = fd
        self._map = mmap.mmap(fd, size)
        self._pid = os.getpid()

    @contextmanager
    def _locked(self) -> Iterator[mmap.mmap]:
        with self._thread_lock:
            if self._pid != os.getpid():
                self._open()
            assert self._map is not None
            fcntl.flock(self._fd, fcntl.LOCK_EX)  # type: ignore[arg-type]
            try:
                yield self._map
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)  # type: ignore[arg-type]

    # -- the table -------------------------------------------------------------------------

    @staticmethod
    def _digest(key: str) -> bytes:
        return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    @staticmethod
    def _offset(index: int) -> int:
        return len(_HEADER) + index * _SLOT.size

    def _find(self, table: mmap.mmap, digest: bytes, now: float, create: bool) -> int | None:
        """The slot of `digest` (live), or with `create` a free or reusable one for it.

        Linear probing that stops at a never-used slot: a key is never stored past one, since
        slots are only ever emptied by a reset (clear() leaves a tombstone)."""
        start = int.from_bytes(digest[:8], "little") % SLOTS
        reuse: int | None = None
        reuse_expiry = math.inf
        unpack, offset = _SLOT.unpack_from, self._offset
        for probe in range(PROBES):
            index = (start + probe) % SLOTS
            found, _count, expiry = unpack(table, offset(index))
            if found == digest and expiry > now:
                return index
            if found == _EMPTY:
                if reuse is None or reuse_expiry > 0:
                    reuse = index
                break
            if expiry <= now:
                if reuse is None or reuse_expiry > 0:
                    reuse, reuse_expiry = index, 0.0
            elif expiry < reuse_expiry:
                reuse, reuse_expiry = index, expiry
        if not create:
            return None
        assert reuse is not None
        _SLOT.pack_into(table, offset(reuse), digest, 0, 0.0)
        return reuse

    def _get(self, table: mmap.mmap, key: str, now: float) -> tuple[int, float]:
        index = self._find(table, self._digest(key), now, create=False)
        if index is None:
            return 0, now
        _, count, expiry = _SLOT.unpack_from(table, self._offset(index))
        return int(count), float(expiry)

    def _incr(self, table: mmap.mmap, key: str, expiry: float, amount: int, now: float) -> int:
        digest = self._digest(key)
        index = self._find(table, digest, now, create=True)
        assert index is not None
        _, count, at = _SLOT.unpack_from(table, self._offset(index))
        if count == 0:
            at = now + expiry
        count += amount
        _SLOT.pack_into(table, self._offset(index), digest, count, at)
        return int(count)

    # -- limits' Storage -------------------------------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        with self._locked() as table:
            return self._incr(table, key, float(expiry), amount, time.time())

    def get(self, key: str) -> int:
        with self._locked() as table:
            return self._get(table, key, time.time())[0]

    def get_expiry(self, key: str) -> float:
        with self._locked() as table:
            return self._get(table, key, time.time())[1]

    def check(self) -> bool:
        return self._map is not None

    def reset(self) -> int | None:
        with self._locked() as table:
            table[len(_HEADER) :] = bytes(SLOTS * _SLOT.size)
        return None

    def clear(self, key: str) -> None:
        with self._locked() as table:
            index = self._find(table, self._digest(key), time.time(), create=False)
            if index is not None:  # a tombstone, not empty: later keys may have probed past it
                _SLOT.pack_into(table, self._offset(index), _TOMBSTONE, 0, 0.0)

    # -- the sliding-window counter, as limits' MemoryStorage computes it -----------------

    def _window(
        self, table: mmap.mmap, key: str, expiry: int, now: float
    ) -> tuple[str, int, float, int, float]:
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous_count = self._get(table, previous_key, now)[0]
        current_count = self._get(table, current_key, now)[0]
        previous_ttl = (
            0.0 if previous_count == 0 else (1 - (((now - expiry) / expiry) % 1)) * expiry
        )
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return current_key, previous_count, previous_ttl, current_count, current_ttl

    def acquire_sliding_window_entry(
        self, key: str, limit: int, expiry: int, amount: int = 1
    ) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._locked() as table:
            # One lock for the read and the write: two workers cannot both take the last entry.
            current_key, previous, previous_ttl, current, _ = self._window(table, key, expiry, now)
            if math.floor(previous * previous_ttl / expiry + current) + amount > limit:
                return False
            self._incr(table, current_key, 2.0 * expiry, amount, now)
            return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        now = time.time()
        with self._locked() as table:
            _, previous, previous_ttl, current, current_ttl = self._window(table, key, expiry, now)
        return previous, previous_ttl, current, current_ttl

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        previous_key, current_key = self.sliding_window_keys(key, expiry, time.time())
        self.clear(previous_key)
        self.clear(current_key)
