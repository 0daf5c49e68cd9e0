"""The README's quick start runs as pasted against a fresh `questlog serve` on the local
store, in order, as a new user would paste it into a second terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_process import serve_process

pytestmark = pytest.mark.mongodb  # `make run`'s store: the local secantusd-rs

README = Path(__file__).parents[1] / "README.md"
BLOCK = re.compile(r"```(sh|python)\n(.*?)```", re.DOTALL)


def quickstart_script(port: int) -> str:
    """The quick start's blocks as one shell session; Python blocks run in the venv."""
    text = README.read_text()
    section = text[text.index("<!-- quickstart -->"):text.index("<!-- /quickstart -->")]
    parts = []
    for number, (language, body) in enumerate(BLOCK.findall(section)):
        parts.append(f"echo '::block {number}::'")
        parts.append(body if language == "sh" else f'"$PYTHON" - <<\'README_PY\'\n{body}README_PY')
    return "\n".join(parts).replace("127.0.0.1:8000", f"127.0.0.1:{port}")


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[int]:
    """`questlog serve` as `make run` starts it: no QUESTLOG_* settings, data in ./.questlog."""
    with serve_process(tmp_path) as port:
        yield port


def test_the_quick_start_runs_as_pasted(make_run: int, tmp_path: Path) -> None:
    logged = (tmp_path / "serve.log").read_text()
    [key] = re.findall(r"export QUESTLOG_KEY=(\S+)", logged)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUESTLOG_")}
    env.update(QUESTLOG_KEY=key, PYTHON=sys.executable)

    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", quickstart_script(make_run)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )

    out = done.stdout
    assert done.returncode == 0, f"{out}\n{done.stderr}"
    assert '"ok":false' not in out.replace('"ok": false', '"ok":false'), out
    assert out.count('"accepted":2') == 6, out  # six players' batches, each stored whole
    assert '"code":"unknown_event_type"' in out
    assert '"count":6,"distinct_users":6' in out, out  # the company's daily statistics
    assert '"achievement_id":"first_vote"' in out
    assert '"unlocked":true' in out, out
    assert re.search(r"^stored \S+$", out, re.MULTILINE), out  # the in-process example
    assert '"store":"local"' in out
