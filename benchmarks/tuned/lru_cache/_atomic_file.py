"""Write a file atomically: readers see the old file or the new one, never half of one."""

import os
import tempfile


def write_atomically(path, data):
    """Replace the file at ``path`` with ``data`` (bytes), all or nothing.

    The bytes go to a temporary file in the same folder (so the final rename
    stays on one file system), are flushed and fsynced, and only then is the
    temporary file renamed over ``path`` with ``os.replace``, which is atomic
    on POSIX and Windows. If anything fails, the temporary file is removed
    and any existing file at ``path`` is untouched.

    Complexity: O(len(data)).
    """
    path = os.fsdecode(os.fspath(path))
    folder, name = os.path.split(os.path.abspath(path))
    fd, temp_path = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the rename
        os.replace(temp_path, path)
    except BaseException:
        try:
            os.unlink(temp_path)
        except FileNotFoundError:
            pass
        raise
    _sync_folder(folder)


def _sync_folder(folder):
    """Make the rename itself durable, where the platform allows (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder this way; nothing more to do
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
