"""Object storage: one interface, a local-folder backend (default) and an S3 backend.

Keys are the same everywhere: `inbox/<submission>/<file>` (written by others),
`originals/<sha256>` (immutable copy, never deleted), `outbox/<submission>.json`,
`exports/...`. A key never escapes the store: `..`, absolute paths and backslashes are refused.

A *location* names a store and a prefix in one string, so flows take plain parameters:
a folder (`out/demo/inbox`) or `s3://bucket/prefix/` (endpoint and keys from settings).
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from pipeline.errors import FileTooLarge, NotARegularFile

if TYPE_CHECKING:
    from pipeline.config import Settings


class UnsafeKey(ValueError):
    """A key that would leave the store (`../`, an absolute path)."""


def check_key(key: str) -> str:
    path = PurePosixPath(key)
    if not key or key.startswith("/") or "\\" in key or ".." in path.parts or "\x00" in key:
        raise UnsafeKey(f"refused object key {key!r}")
    return str(path)


NOT_A_FILE = (
    "the file is a link, a folder or a special file, not a photo or scan; "
    "please send the file itself"
)


def read_regular(path: Path, limit: int | None = None, root: Path | None = None) -> bytes:
    """The bytes of a regular file, checked before a byte is read: a symbolic link (the last
    part of the path, or a folder on the way out of `root`), a FIFO, a device or a folder
    raises NotARegularFile; a file above `limit` bytes raises FileTooLarge (a sparse 4 GiB
    file costs one `fstat`, not 4 GiB of memory)."""
    if root is not None:
        inside = os.path.realpath(root)
        parent = os.path.realpath(path.parent)
        if parent != inside and not parent.startswith(inside + os.sep):
            raise NotARegularFile(NOT_A_FILE)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO):  # a link; a socket
            raise NotARegularFile(NOT_A_FILE) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(NOT_A_FILE)
        if limit is not None and info.st_size > limit:
            raise FileTooLarge.of(info.st_size, limit)
        data = handle.read(-1 if limit is None else limit + 1)
    if limit is not None and len(data) > limit:  # it grew while being read
        raise FileTooLarge.of(len(data), limit)
    return data


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str, limit: int | None = None) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def keys(self, prefix: str) -> list[str]: ...
    def sizes(self, prefix: str) -> dict[str, int]: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    """A folder. Writes go to a temporary file first and are renamed: no half-written object."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def get(self, key: str, limit: int | None = None) -> bytes:
        """Only a regular file inside the folder, at most `limit` bytes (see read_regular)."""
        return read_regular(self._path(key), limit, self.root)

    def delete(self, key: str) -> None:
        """Only the retention command deletes; a missing key is already gone."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str) -> list[str]:
        return sorted(self.sizes(prefix))

    def sizes(self, prefix: str) -> dict[str, int]:
        """Key → size in bytes; the watcher compares two of these to see an upload finish.

        Links, FIFOs and other non-files are listed (never followed: their own size), so
        reading them gives the submission a warning instead of a silent gap."""
        base = self.root / check_key(prefix) if prefix else self.root
        if not base.is_dir():
            return {}
        found: dict[str, int] = {}
        for folder, dirs, files in os.walk(base):  # does not descend into linked folders
            for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                path = Path(folder, name)
                if not name.startswith(".part-"):
                    found[path.relative_to(self.root).as_posix()] = path.lstat().st_size
        return found


class S3Storage:
    """An S3-compatible bucket (MinIO, Garage, SeaweedFS, Ceph) through the `minio` client."""

    def __init__(
        self, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool = False
    ) -> None:
        from minio import Minio

        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure)
        self.bucket = bucket
        if not self.client.bucket_exists(bucket):
            self.client.make_bucket(bucket)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(
            self.bucket,
            check_key(key),
            io.BytesIO(data),
            len(data),
            content_type="application/octet-stream",
        )

    def get(self, key: str, limit: int | None = None) -> bytes:
        if limit is not None:
            size = self.client.stat_object(self.bucket, check_key(key)).size or 0
            if size > limit:
                raise FileTooLarge.of(size, limit)
        response = self.client.get_object(self.bucket, check_key(key))
        try:
            data = response.read(None if limit is None else limit + 1)
            if limit is not None and len(data) > limit:  # replaced while being read
                raise FileTooLarge.of(len(data), limit)
            return data
        finally:
            response.close()
            response.release_conn()

    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, check_key(key))

    def exists(self, key: str) -> bool:
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise
        return True

    def keys(self, prefix: str) -> list[str]:
        return sorted(self.sizes(prefix))

    def sizes(self, prefix: str) -> dict[str, int]:
        return {
            o.object_name: o.size or 0
            for o in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
            if o.object_name and not o.is_dir
        }


def open_location(location: str, settings: Settings) -> tuple[Storage, str]:
    """(store, key prefix) for a folder or an `s3://bucket/prefix` location."""
    if location.startswith("s3://"):
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        if not settings.s3_endpoint:
            raise ValueError(f"{location}: set REAKTIVASI_S3_ENDPOINT (host:port) to use S3")
        store = _s3_store(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
            bucket,
            settings.s3_secure,
        )
        prefix = prefix.strip("/")
        return store, f"{check_key(prefix)}/" if prefix else ""
    return LocalStorage(Path(location)), ""


@cache
def _s3_store(endpoint: str, access: str, secret: str, bucket: str, secure: bool) -> S3Storage:
    """One client per bucket per process: it keeps its connection pool."""
    return S3Storage(endpoint, access, secret, bucket, secure)
