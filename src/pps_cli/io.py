"""Reading and atomic writing of the files pps handles: PNG, TIFF, JSON and output folders.

Every reader raises :class:`~pps_cli.errors.PpsError` naming the file; every writer goes through
:func:`write_bytes_atomic`, so an interrupted run never leaves a truncated file. Arrays cross this
module's boundary in RGB channel order; OpenCV's BGR order stays inside.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import struct
import sys
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from .constants import STDOUT as STDOUT
from .errors import PpsError
from .interrupts import deferred_interrupts, stop_background_work

PNG_COMPRESSION = 3
"""zlib level of written PNGs when ``isal`` is not installed (ISA-L's level 1 is used when it is)."""
_DEFLATE: Any = None
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read the process umask once (os.umask can only read it by setting it)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPES = {0: "grayscale", 2: "RGB", 3: "palette", 4: "grayscale+alpha", 6: "RGBA"}


# ----------------------------------------------------------------------------- writing


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    An OS error (no permission, disk full, a parent that is a file) is a :class:`PpsError` naming ``path``.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise PpsError(path, f"cannot write: {_os_problem(e)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give outputs the usual permissions
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise PpsError(path, f"cannot write: {_os_problem(e)}") from None
        raise


def _os_problem(e: OSError) -> str:
    """An OS error in words, without the file name (the caller names the file)."""
    if isinstance(e, NotADirectoryError | FileExistsError) and e.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a parent folder is a file"
    return e.strerror.lower() if e.strerror else str(e)


def write_output(path: str | os.PathLike[str], data: bytes) -> None:
    """Write an output file atomically, or to standard output when ``path`` is ``-``."""
    if os.fspath(path) == STDOUT:
        stream = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
        if stream is None:  # pragma: no cover - a text-only stdout
            sys.stdout.write(data.decode("utf-8"))
        else:
            stream.write(data)
        sys.stdout.flush()
        return
    write_bytes_atomic(path, data)


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars and arrays (recursively) into plain Python values for ``json``."""
    if isinstance(obj, dict):
        return {str(k) if isinstance(k, np.integer) else k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    return obj


def dumps_json(obj: Any, *, indent: int | None = 2) -> bytes:
    """Serialize ``obj`` deterministically (insertion order kept, trailing newline)."""
    return (json.dumps(to_jsonable(obj), indent=indent, ensure_ascii=False) + "\n").encode("utf-8")


def write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> None:
    """Write ``obj`` as JSON atomically."""
    write_bytes_atomic(path, dumps_json(obj, indent=indent))


def encode_png(image: NDArray[np.uint8]) -> bytes:
    """Encode a (H, W) or (H, W, 3) RGB uint8 array as PNG bytes (deterministic).

    Written here rather than by OpenCV: rows without filters (they cost time and do not help flat label
    maps) compressed by ISA-L's deflate at level 1 when ``isal`` is installed (about 10x faster than
    zlib on label maps, files about as small), else by zlib at :data:`PNG_COMPRESSION`.
    """
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected (H, W) or (H, W, 3) uint8, got {image.shape} {image.dtype}")
    channels = 1 if image.ndim == 2 else 3
    rows, samples = png_rows(*image.shape[:2], channels=channels)
    samples[...] = image
    return encode_png_rows(rows, channels=channels)


def png_rows(height: int, width: int, *, channels: int) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """The rows of a PNG to fill in place, then encode with :func:`encode_png_rows` (no copy of the pixels).

    Returns
    -------
    rows : (H, 1 + W * channels) uint8
        Each row: its filter type (0: none), then its samples.
    samples : (H, W) uint8 (``channels=1``) or (H, W, 3) uint8 (``channels=3``, RGB)
        The view of ``rows`` that holds the pixels.
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"a PNG needs at least one pixel, got {width}x{height}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    rows = np.empty((height, 1 + width * channels), np.uint8)
    rows[:, 0] = 0
    samples = rows[:, 1:]
    return rows, samples.reshape(height, width, 3) if channels == 3 else samples


def encode_png_rows(rows: NDArray[np.uint8], *, channels: int) -> bytes:
    """PNG bytes of rows from :func:`png_rows`: 8-bit grayscale (``channels=1``) or RGB (``channels=3``)."""
    height, stride = rows.shape
    if rows.dtype != np.uint8 or channels not in (1, 3) or stride < 2 or (stride - 1) % channels:
        raise ValueError(f"expected (H, 1 + W * {channels}) uint8 rows, got {rows.shape} {rows.dtype}")
    width = (stride - 1) // channels
    header = struct.pack(">IIBBBBB", width, height, 8, 0 if channels == 1 else 2, 0, 0, 0)
    compressed = _deflate_module().compress(np.ascontiguousarray(rows), _deflate_level())
    return b"".join([_PNG_SIGNATURE, _png_chunk(b"IHDR", header), _png_chunk(b"IDAT", compressed), _png_chunk(b"IEND", b"")])


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(payload, zlib.crc32(kind)))


def _deflate_module() -> Any:
    """``isal.isal_zlib`` when installed (same zlib streams, much faster), else ``zlib``."""
    global _DEFLATE
    if _DEFLATE is None:
        try:
            from isal import isal_zlib as module
        except ImportError:
            module = zlib
        _DEFLATE = module
    return _DEFLATE


def _deflate_level() -> int:
    return 1 if _deflate_module() is not zlib else PNG_COMPRESSION


def write_png(path: str | os.PathLike[str], image: NDArray[np.uint8]) -> None:
    """Write a (H, W) or (H, W, 3) RGB uint8 array as a PNG, atomically."""
    write_bytes_atomic(path, encode_png(image))


def write_uid_tiff(path: str | os.PathLike[str], uids: NDArray[np.int32]) -> None:
    """Write a (H, W) int32 uid map as a single-channel 32-bit signed TIFF, atomically."""
    if uids.dtype != np.int32 or uids.ndim != 2:
        raise ValueError(f"expected (H, W) int32, got {uids.shape} {uids.dtype}")
    ok, buf = cv2.imencode(".tif", uids)
    if not ok:
        raise RuntimeError("OpenCV failed to encode a TIFF")
    write_bytes_atomic(path, buf.tobytes())


class Staging:
    """Outputs written aside, then swapped into place together: all of them, or none.

    Ask :meth:`folder` or :meth:`file` where to write each output, write there, then call
    :meth:`commit` (or use :func:`staged_outputs`). Staging places are hidden siblings of their
    targets (same file system, so moving them in is a rename). :meth:`commit` moves old outputs
    aside, moves the new ones in, and deletes the old ones only when every move succeeded; on any
    failure it moves everything back. SIGINT/SIGTERM are held back while it runs.
    """

    def __init__(self) -> None:
        self._moves: list[tuple[Path, Path, bool]] = []  # (staged, target, whole folder replaced)
        self._stages: list[Path] = []

    def _stage_dir(self, target: Path) -> Path:
        with deferred_interrupts():  # a folder created here is always known to discard()
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-"))
                os.chmod(stage, 0o777 & ~_UMASK)  # mkdtemp makes 0700; a folder moved in as output gets the usual mode
            except OSError as e:
                raise PpsError(target, f"cannot write: {_os_problem(e)}") from None
            self._stages.append(stage)
        return stage

    def folder(self, out_dir: str | os.PathLike[str], *, replace: bool = False) -> Path:
        """An empty folder whose files land in ``out_dir`` on commit.

        ``replace=False``: each staged file replaces the file of the same relative path; other files
        in ``out_dir`` are kept. ``replace=True``: ``out_dir`` ends up holding exactly the staged
        files (nothing of an earlier run is left).
        """
        out_dir = Path(out_dir)
        stage = self._stage_dir(out_dir)
        self._moves.append((stage, out_dir, replace))
        return stage

    def file(self, path: str | os.PathLike[str]) -> Path:
        """A path to write one file to; it lands at ``path`` on commit."""
        path = Path(path)
        staged = self._stage_dir(path) / path.name
        self._moves.append((staged, path, False))
        return staged

    def commit(self) -> None:
        """Move every staged output into place, or (on any error) leave every target as it was."""
        moves: list[tuple[Path, Path]] = []
        for staged, target, whole in self._moves:
            if whole or not staged.is_dir():
                if staged.exists():
                    moves.append((staged, target))
                elif whole:  # an empty result still replaces the folder
                    staged.mkdir(parents=True, exist_ok=True)
                    moves.append((staged, target))
            else:
                target_is_dir = target.is_dir()
                if target.exists() and not target_is_dir:
                    raise PpsError(target, "is a file, expected a folder")
                files = sorted(p for p in staged.rglob("*") if p.is_file())
                moves.extend((src, target / src.relative_to(staged)) for src in files)
                if not files and not target_is_dir:
                    moves.append((staged, target))
        with deferred_interrupts() as received:
            _swap_in(moves, pending=received)
        self._moves.clear()

    def discard(self) -> None:
        """Delete every staging place (after a commit only the emptied folders are left)."""
        with deferred_interrupts():  # a second Ctrl-C must not leave half a staging folder
            for stage in self._stages:
                shutil.rmtree(stage, ignore_errors=True)
            self._stages.clear()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _swap_in(moves: list[tuple[Path, Path]], *, pending: list[int] | None = None) -> None:
    """Rename each ``(src, dst)``; an existing ``dst`` is moved aside first and restored on failure.

    ``pending`` holds the signals received meanwhile (see ``deferred_interrupts``): one that arrived
    during the renames undoes them too, so that exit code 130 means "outputs as they were". Past that
    last check the command has succeeded: a signal during the deletion of the old versions is dropped.
    """
    undo: list[tuple[Path, Path | None]] = []  # (dst, where its old version went)
    created: list[Path] = []
    try:
        for src, dst in moves:
            missing = [p for p in (dst.parent, *dst.parent.parents) if not p.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                created.append(folder)
            old = None
            if dst.exists() or dst.is_symlink():
                if dst.is_dir() and not src.is_dir():
                    raise PpsError(dst, "is a folder, expected a file")
                old = dst.with_name(f".{dst.name}.old-{os.getpid()}-{len(undo)}")
                os.rename(dst, old)
            undo.append((dst, old))
            os.rename(src, dst)
        if pending:
            raise KeyboardInterrupt
    except BaseException as e:
        for dst, old in reversed(undo):
            if dst.exists() or dst.is_symlink():
                if old is None or dst != old:
                    _remove(dst)
            if old is not None and (old.exists() or old.is_symlink()):
                os.rename(old, dst)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(e, OSError):
            raise PpsError(e.filename or dst, f"cannot write: {_os_problem(e)}") from None
        raise
    for _, old in undo:
        if old is not None:
            _remove(old)
    if pending is not None:
        pending.clear()


@contextlib.contextmanager
def staged_outputs() -> Iterator[Staging]:
    """A :class:`Staging` committed when the block succeeds and discarded in every case."""
    staging = Staging()
    try:
        yield staging
        staging.commit()
    except BaseException:
        with deferred_interrupts():
            stop_background_work()  # no worker may still write into a staging folder being deleted
        raise
    finally:
        staging.discard()


def write_files(files: dict[Path, bytes]) -> None:
    """Write several files all-or-nothing (staged, then swapped in together); ``-`` goes to stdout last."""
    with staged_outputs() as staging:
        for path, data in files.items():
            if os.fspath(path) != STDOUT:
                staging.file(path).write_bytes(data)
    for path, data in files.items():
        if os.fspath(path) == STDOUT:
            write_output(path, data)


@contextlib.contextmanager
def staged_output(out_dir: str | os.PathLike[str], *, replace: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder whose files are moved into ``out_dir`` only on success.

    On any exception (or Ctrl-C) the staging folder is deleted and ``out_dir`` is left exactly as
    it was. See :meth:`Staging.folder` for ``replace``.
    """
    with staged_outputs() as staging:
        yield staging.folder(out_dir, replace=replace)


# ----------------------------------------------------------------------------- reading


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a whole file, turning OS errors into a one-line :class:`PpsError`."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise PpsError(path, "file not found") from None
    except IsADirectoryError:
        raise PpsError(path, "is a folder, expected a file") from None
    except OSError as e:
        raise PpsError(path, f"cannot read: {e.strerror or e}") from None


def read_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON file; malformed JSON is a :class:`PpsError` with line and column."""
    data = read_bytes(path)
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise PpsError(path, "not UTF-8 text, expected JSON") from None
    except json.JSONDecodeError as e:
        raise PpsError(path, f"malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None


def png_header(data: bytes) -> tuple[int, int, int, int] | None:
    """Return (width, height, bit_depth, color_type) of PNG bytes, or None if not a PNG."""
    if len(data) < 33 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height, bit_depth, color_type = struct.unpack(">IIBB", data[16:26])
    return width, height, bit_depth, color_type


def decode_png(
    data: bytes, path: str | os.PathLike[str], *, channels: int, writable: bool = True, drop_alpha: bool = False
) -> NDArray[np.uint8]:
    """Decode PNG bytes into (H, W) uint8 (``channels=1``) or (H, W, 3) RGB uint8 (``channels=3``).

    With ``writable=False`` the result may be a read-only view of the inflated rows (no copy; what
    the merges and the evaluator use, which only read their inputs).

    Only plain 8-bit grayscale (1 channel) or 8-bit RGB (3 channels) PNGs are accepted: palette
    PNGs would be expanded to colors by OpenCV, which silently changes label values. With
    ``drop_alpha`` (and ``channels=3``) an 8-bit RGBA PNG is accepted too and its alpha dropped, as
    panopticapi's ``rgb2id`` reads only the first three channels.
    """
    header = png_header(data)
    if header is None:
        raise PpsError(path, "not a PNG file (bad signature)")
    _, _, bit_depth, color_type = header
    kind = _PNG_COLOR_TYPES.get(color_type, f"color type {color_type}")
    expected = "grayscale" if channels == 1 else "RGB"
    if drop_alpha and channels == 3 and kind == "RGBA" and bit_depth == 8:
        return _decode_rgba_as_rgb(data, path)
    if kind != expected or bit_depth != 8:
        raise PpsError(
            path,
            f"{bit_depth}-bit {kind} PNG, expected an 8-bit {expected} PNG"
            + (" (save label maps as grayscale, not palette)" if kind == "palette" else ""),
        )
    image = _decode_plain_png(data, channels)
    if image is not None:
        return image.copy() if writable else image
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise PpsError(path, "corrupt or truncated PNG")
    if channels == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image


def _decode_rgba_as_rgb(data: bytes, path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 3 or image.shape[2] != 4:
        raise PpsError(path, "corrupt or truncated PNG")
    return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)


def _decode_plain_png(data: bytes, channels: int) -> NDArray[np.uint8] | None:
    """Fast path of :func:`decode_png` for the PNGs pps writes: 8-bit, not interlaced, no row filters.

    Inflates the IDAT chunks in one call (ISA-L when installed) and views the rows; returns None for
    anything else (filtered rows, interlacing, bad CRCs, corrupt streams), which OpenCV then decodes
    or rejects. Pixel values are the same either way.
    """
    width, height = struct.unpack(">II", data[16:24])
    if data[28] != 0 or width == 0 or height == 0:  # interlaced
        return None
    pieces, offset = [], 8
    while offset + 12 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        end = offset + 8 + length
        if end + 4 > len(data):
            return None
        if kind == b"IDAT":
            payload = data[offset + 8 : end]
            if zlib.crc32(payload, zlib.crc32(kind)) != struct.unpack(">I", data[end : end + 4])[0]:
                return None
            pieces.append(payload)
        elif kind == b"IEND":
            break
        offset = end + 4
    stride = width * channels + 1
    try:
        raw = _deflate_module().decompress(b"".join(pieces))
    except Exception:  # zlib.error or isal's equivalent: let OpenCV report it
        return None
    if len(raw) != height * stride:
        return None
    rows = np.frombuffer(raw, np.uint8).reshape(height, stride)
    if rows[:, 0].any():  # some rows are filtered
        return None
    image = rows[:, 1:]  # read-only view; rows stay apart by their filter byte (OpenCV and numpy take such strides)
    return image.reshape(height, width, 3) if channels == 3 else image


def read_png(
    path: str | os.PathLike[str], *, channels: int, writable: bool = True, drop_alpha: bool = False
) -> NDArray[np.uint8]:
    """Read an 8-bit PNG; see :func:`decode_png`."""
    return decode_png(read_bytes(path), path, channels=channels, writable=writable, drop_alpha=drop_alpha)


def read_mask_png(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read a single-channel 8-bit mask image (PNG or any format OpenCV reads) as (H, W) uint8."""
    data = read_bytes(path)
    header = png_header(data)
    if header is not None and header[2:] == (8, 0):  # 8-bit grayscale PNG: try the fast path first
        image = _decode_plain_png(data, 1)
        if image is not None:
            return image
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise PpsError(path, "corrupt or unsupported image")
    if image.dtype != np.uint8:
        raise PpsError(path, f"{image.dtype} image, expected 8-bit")
    if image.ndim == 3:
        raise PpsError(path, f"{image.shape[2]}-channel image, expected a single-channel mask")
    return image


_TIFF_TYPE_SIZES = {3: 2, 4: 4, 16: 8}  # SHORT, LONG, LONG8


def tiff_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Return (width, height) of a TIFF from its first IFD, without decoding pixels."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
            if head[:4] not in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
                raise PpsError(path, "not a TIFF file (bad header)")
            order = "<" if head[:2] == b"II" else ">"
            big = head[2:4] in (b"+\x00", b"\x00+")
            if big:
                (offset,) = struct.unpack(order + "Q", head[8:16])
                count_fmt, entry_size = "Q", 20
            else:
                (offset,) = struct.unpack(order + "I", head[4:8])
                count_fmt, entry_size = "H", 12
            f.seek(offset)
            count_bytes = f.read(struct.calcsize(count_fmt))
            (count,) = struct.unpack(order + count_fmt, count_bytes)
            entries = f.read(count * entry_size)
    except PpsError:
        raise
    except (OSError, struct.error) as e:
        raise PpsError(path, f"cannot read TIFF header: {getattr(e, 'strerror', None) or e}") from None
    if len(entries) < count * entry_size:
        raise PpsError(path, "truncated TIFF header")
    size: dict[int, int] = {}
    for i in range(count):
        entry = entries[i * entry_size : (i + 1) * entry_size]
        tag, typ = struct.unpack(order + "HH", entry[:4])
        if tag in (256, 257) and typ in _TIFF_TYPE_SIZES:
            value_bytes = entry[12:] if big else entry[8:]
            fmt = {2: "H", 4: "I", 8: "Q"}[_TIFF_TYPE_SIZES[typ]]
            (size[tag],) = struct.unpack(order + fmt, value_bytes[: struct.calcsize(fmt)])
    if 256 not in size or 257 not in size:
        raise PpsError(path, "TIFF header has no image width/height")
    return size[256], size[257]


def read_uid_tiff(path: str | os.PathLike[str]) -> NDArray[np.int32]:
    """Read a ground-truth uid TIFF as (H, W) int32 (values are not validated here)."""
    data = read_bytes(path)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise PpsError(path, "corrupt or unsupported TIFF")
    if image.ndim != 2:
        raise PpsError(path, f"{image.shape[2]}-channel image, expected a single-channel uid TIFF")
    if image.dtype == np.int32:
        return image
    if image.dtype in (np.uint8, np.uint16, np.int16, np.int8):
        return image.astype(np.int32)
    raise PpsError(path, f"{image.dtype} TIFF, expected 32-bit integer uids")


def list_files(root: str | os.PathLike[str], suffixes: tuple[str, ...], *, recursive: bool = True) -> list[Path]:
    """Files under ``root`` whose name ends with one of ``suffixes``, sorted; hidden files and folders skipped.

    Symlinked folders are followed (each real folder is visited once, so a link loop ends); the
    paths returned go through the links, as the user sees them.
    """
    root = Path(root)
    if not os.path.isdir(root):  # os.path, not Path: False (not an OSError) for a name too long
        raise PpsError(root, "folder not found" if not os.path.exists(root) else "not a folder")
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir():
                        if recursive:
                            pending.append(Path(entry.path))
                    elif entry.name.endswith(suffixes) and entry.is_file():
                        found.append(Path(entry.path))
        except OSError as e:
            raise PpsError(folder, f"cannot list folder: {_os_problem(e)}") from None
    return sorted(found)
