"""The one settings object. Every knob has an embedded default; env prefix `REAKTIVASI_`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REAKTIVASI_", env_file=None, extra="ignore")

    ocr_languages: str = Field("ind", description="Tesseract -l value; measured: see README")
    ocr_psm: int = Field(3, description="Tesseract page segmentation mode")
    ocr_timeout_seconds: float = Field(
        120.0, description="per page; a timeout leaves the page empty"
    )
    file_timeout_seconds: float = Field(
        600.0, description="per file: pages after this are left unread, with a warning"
    )
    raster_dpi: int = Field(300, description="dpi for rasterising image-only PDF pages")
    max_pixels: int = Field(100_000_000, description="pages above this are refused, not decoded")
    max_file_bytes: int = Field(200 * 1024 * 1024, description="files above this are refused")
    max_pdf_pages: int = Field(200, description="pages read from one PDF; the rest get a warning")
    max_render_pixels: int = Field(
        40_000_000, description="a PDF page is rendered at a lower dpi above this (A2 at 300 dpi)"
    )
    max_pdf_page_bytes: int = Field(
        2_000_000, description="a PDF page whose drawing instructions unpack to more is refused"
    )
    max_kept_image_bytes: int = Field(
        256 * 1024 * 1024,
        description="page images of one file kept for re-reading fields; later pages are read "
        "but not kept, so a long scan's memory stays bounded",
    )
    ocr_cache_dir: Path | None = Field(
        None, description="keep OCR results by pixel hash here; unset: no cache"
    )
    state_url: str | None = Field(
        None, description="SQLAlchemy URL of the state database; unset: SQLite under --out"
    )
    work_dir: Path = Field(
        Path(".reaktivasi"), description="state database when the output is not a folder"
    )
    s3_endpoint: str | None = Field(None, description="host:port of the S3-compatible server")
    s3_access_key: str = Field("", description="S3 access key")
    s3_secret_key: SecretStr = Field(SecretStr(""), description="S3 secret key")
    s3_secure: bool = Field(False, description="HTTPS to the S3 server")
    retention_days: int = Field(
        365, description="originals and page images of closed cases are deleted after this"
    )
    second_engine: bool = Field(
        True,
        description="PP-OCR reads photos and pages or fields Tesseract could not read "
        "(pipeline/reading/ppocr.py); false: Tesseract alone",
    )
    concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        description="files read in parallel (one single-threaded Tesseract each)",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
