"""`make demo` ends by saying where the results are and how to open the review UI on them:
the two commands it prints are real commands of this checkout (run here with `--help`, so
nothing waits for a password or serves)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def demo_recipe() -> str:
    makefile = (REPO / "Makefile").read_text()
    return makefile[makefile.index("\ndemo:") : makefile.index("\ntest:")]


def test_demo_names_the_outputs_and_the_review_commands():
    recipe = demo_recipe()
    for place in ("decisions.jsonl", "outbox/", "worklist.csv", "worklist.xlsx", "state.sqlite"):
        assert place in recipe
    commands = re.findall(
        r'echo "  \$\(BIN\)/reaktivasi ((?:users add|review serve)[^"#]*)', recipe
    )
    assert [c.split()[:2] for c in commands] == [["users", "add"], ["review", "serve"]]
    for command in commands:
        words = [w.replace("$$out", "out/demo/out").replace("$$as_of", "2026-03-01")
                 for w in shlex.split(command)]  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "flows.cli", *words, "--help"],
            capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
