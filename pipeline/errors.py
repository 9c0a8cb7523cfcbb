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

    @classmethod
    def of(cls, size: int, limit: int) -> FileTooLarge:
        return cls(f"the file is {size / 1e6:.0f} MB, above the limit of {limit / 1e6:.0f} MB")


class NotARegularFile(IngestError):
    """A link, a FIFO, a device or a folder where a file was expected: never followed or read,
    so nothing outside the inbox (`/proc/self/environ`, `/etc/passwd`) is ever copied."""

    code = "not_regular_file"


class PdfTooComplex(IngestError):
    """A PDF page whose drawing instructions unpack to more than the limit (a "zip bomb")."""

    code = "pdf_too_complex"
