"""Orchestration and entry points. Business rules live in pipeline/ and extractors/.

Prefect runs offline here: no analytics, an ephemeral server with time to start, and its
state under a project-local PREFECT_HOME. Set before Prefect is first imported.
"""

import os
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from pipeline.privacy import install_log_masking  # after the environment above

install_log_masking()
