"""Typed reasons a file cannot be read. Each carries a code and a sentence a person can act on."""

from __future__ import annotations


class IngestError(Exception):
    """A file that cannot be turned into page images. The batch goes on without it."""

    code = "unreadable_file"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EmptyFile(IngestError):
    code = "empty_file"


class UnsupportedFormat(IngestError):
    code = "unsupported_format"


class CorruptFile(IngestError):
    code = "corrupt_file"


class EncryptedPdf(IngestError):
    code = "encrypted_pdf"


class ImageTooLarge(IngestError):
    code = "image_too_large"


class ImageTooSmall(IngestError):
    code = "image_too_small"


class UnsafeFileName(IngestError):
    code = "unsafe_file_name"


class FileTooLarge(IngestError):
    code = "file_too_large"
