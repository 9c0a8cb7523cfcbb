"""Reading one file: bytes → pages → words → extractions (ingest … extract)."""
