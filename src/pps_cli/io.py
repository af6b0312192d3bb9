"""Reading and atomic writing of the files pps handles: PNG, TIFF, JSON and output folders.

Every reader raises :class:`~pps_cli.errors.PpsError` naming the file; every writer goes through
:func:`write_bytes_atomic`, so an interrupted run never leaves a truncated file. Arrays cross this
module's boundary in RGB channel order; OpenCV's BGR order stays inside.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from .errors import PpsError

PNG_COMPRESSION = 3
"""zlib level of written PNGs when ``isal`` is not installed (ISA-L's level 1 is used when it is)."""
_DEFLATE: Any = None
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read the process umask once (os.umask can only read it by setting it)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOR_TYPES = {0: "grayscale", 2: "RGB", 3: "palette", 4: "grayscale+alpha", 6: "RGBA"}


# ----------------------------------------------------------------------------- writing


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give outputs the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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
    height, width = image.shape[:2]
    if height == 0 or width == 0:
        raise ValueError(f"a PNG needs at least one pixel, got {width}x{height}")
    samples = np.ascontiguousarray(image).reshape(height, -1)
    rows = np.empty((height, samples.shape[1] + 1), np.uint8)  # each row: filter type 0, then the samples
    rows[:, 0] = 0
    rows[:, 1:] = samples
    color_type = 0 if image.ndim == 2 else 2
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    compressed = _deflate_module().compress(rows, _deflate_level())
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


@contextlib.contextmanager
def staged_output(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty staging folder whose files are moved into ``out_dir`` only on success.

    On any exception the staging folder is deleted and ``out_dir`` is left as it was, so a failed
    command leaves no partial output. Files already in ``out_dir`` with the same relative path
    are replaced; other files there are kept.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.staging-"))
    try:
        yield stage
        out_dir.mkdir(parents=True, exist_ok=True)
        for src in sorted(stage.rglob("*")):
            if src.is_file():
                dst = out_dir / src.relative_to(stage)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


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


def decode_png(data: bytes, path: str | os.PathLike[str], *, channels: int) -> NDArray[np.uint8]:
    """Decode PNG bytes into (H, W) uint8 (``channels=1``) or (H, W, 3) RGB uint8 (``channels=3``).

    Only plain 8-bit grayscale (1 channel) or 8-bit RGB (3 channels) PNGs are accepted: palette
    PNGs would be expanded to colors by OpenCV, which silently changes label values.
    """
    header = png_header(data)
    if header is None:
        raise PpsError(path, "not a PNG file (bad signature)")
    _, _, bit_depth, color_type = header
    kind = _PNG_COLOR_TYPES.get(color_type, f"color type {color_type}")
    expected = "grayscale" if channels == 1 else "RGB"
    if kind != expected or bit_depth != 8:
        raise PpsError(
            path,
            f"{bit_depth}-bit {kind} PNG, expected an 8-bit {expected} PNG"
            + (" (save label maps as grayscale, not palette)" if kind == "palette" else ""),
        )
    image = _decode_plain_png(data, channels)
    if image is not None:
        return image
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise PpsError(path, "corrupt or truncated PNG")
    if channels == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return image


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
    image = np.ascontiguousarray(rows[:, 1:])
    return image.reshape(height, width, 3) if channels == 3 else image


def read_png(path: str | os.PathLike[str], *, channels: int) -> NDArray[np.uint8]:
    """Read an 8-bit PNG; see :func:`decode_png`."""
    return decode_png(read_bytes(path), path, channels=channels)


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
    """Files under ``root`` whose name ends with one of ``suffixes``, sorted; hidden files skipped."""
    root = Path(root)
    if not root.is_dir():
        raise PpsError(root, "folder not found" if not root.exists() else "not a folder")
    pattern = root.rglob("*") if recursive else root.glob("*")
    return sorted(p for p in pattern if p.name.endswith(suffixes) and not p.name.startswith(".") and p.is_file())
