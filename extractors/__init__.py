"""Pure functions from OCR words and lines to typed fields. No I/O, no Prefect."""
