"""Evidence files: checked by size and content, stored outside ``static/``, served only to
those who may see the response."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from surveyapp.extensions import db
from surveyapp.services.pending_files import track

# Extension → accepted leading bytes. Office formats are ZIP containers.
ALLOWED_TYPES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "odt": (b"PK\x03\x04",),
    "ods": (b"PK\x03\x04",),
}
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_NAME_LENGTH = 200  # characters of the original file name kept for downloads
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


class EvidenceError(ValueError):
    pass


def shortened_name(name: str, extension: str, limit: int = MAX_NAME_LENGTH) -> str:
    """``name`` cut to ``limit`` characters, keeping its ``.extension`` (the stem is shortened)."""
    if len(name) <= limit:
        return name
    suffix = f".{extension}" if extension else ""
    stem = name[: len(name) - len(suffix)] if suffix and name.lower().endswith(suffix) else name
    return stem[: limit - len(suffix)] + suffix


def content_type(value: dict) -> str:
    """The MIME type to serve a stored evidence file with, from its (checked) stored extension."""
    stored = str((value or {}).get("file", ""))
    return CONTENT_TYPES.get(stored.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def store_evidence(response_id: int, upload) -> dict:
    """Check and store an uploaded file; returns the answer value that refers to it.

    The file belongs to the current database transaction: it is deleted again unless that
    transaction commits (see ``services.pending_files``). Raises ``EvidenceError``.
    """
    original = os.path.basename(upload.filename or "").strip()
    extension = original.rsplit(".", 1)[-1].lower() if "." in original else ""
    if extension not in ALLOWED_TYPES:
        raise EvidenceError(_l("Upload a PDF, image or office document (%(types)s).", types=", ".join(ALLOWED_TYPES)))
    content = upload.stream.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise EvidenceError(_l("The file is larger than %(mb)d MB.", mb=MAX_EVIDENCE_BYTES // (1024 * 1024)))
    if not content:
        raise EvidenceError(_l("The file is empty."))
    if not content.startswith(ALLOWED_TYPES[extension]):
        raise EvidenceError(_l("The file's content does not match its type .%(ext)s.", ext=extension))
    directory = Path(current_app.config["UPLOADS_DIR"]) / str(response_id)
    directory.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.{extension}"
    (directory / stored).write_bytes(content)
    track(db.session, directory / stored)
    return {"file": stored, "name": shortened_name(original, extension), "size": len(content)}


def evidence_path(response_id: int, value: dict) -> Path | None:
    """The stored file an answer refers to, or None when the reference is not a plain file name."""
    stored = str((value or {}).get("file", ""))
    if not stored or "/" in stored or "\\" in stored or stored.startswith("."):
        return None
    path = Path(current_app.config["UPLOADS_DIR"]) / str(response_id) / stored
    return path if path.is_file() else None


def discard_evidence(response_id: int, value: dict) -> None:
    path = evidence_path(response_id, value)
    if path is not None:
        path.unlink(missing_ok=True)
