"""Orchestration and entry points. Business rules live in pipeline/ and extractors/."""
