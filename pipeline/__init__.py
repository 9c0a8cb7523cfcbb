"""Stages with I/O: decode, OCR, extract. Each stage is a plain function; flows wire them."""
