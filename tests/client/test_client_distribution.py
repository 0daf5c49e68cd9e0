"""The Python client installs alone: `pip install ./clients/python` brings questlog.client
and httpx, none of the server's packages."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[2]


def build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out),
         str(ROOT / "clients" / "python")],
        check=True, capture_output=True,
    )
    [wheel] = out.glob("questlog_client-*.whl")
    return wheel


def test_the_client_distribution_ships_the_client_and_needs_only_httpx(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)

    with zipfile.ZipFile(wheel) as archive:
        modules = sorted(n for n in archive.namelist() if not n.startswith("questlog_client-"))
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA")))
    source = sorted(f"questlog/client/{p.name}"
                    for p in (ROOT / "src/questlog/client").glob("*.py"))
    assert modules == source
    requires = [line for line in metadata.decode().splitlines() if line.startswith("Requires-Dist")]
    assert requires == ["Requires-Dist: httpx>=0.27"]


def test_the_installed_client_imports_without_the_server(tmp_path: Path) -> None:
    installed = tmp_path / "site"  # what pip install puts into site-packages
    zipfile.ZipFile(build_wheel(tmp_path)).extractall(installed)
    site = sysconfig.get_path("purelib")  # for httpx; -S keeps out the editable server
    probe = (
        f"import sys; sys.path[:0] = [{str(installed)!r}, {site!r}]; "
        "from questlog.client import QuestlogClient; import questlog; "
        "print(questlog.__file__, QuestlogClient.__module__, "
        "'questlog.bootstrap' in sys.modules, 'fastapi' in sys.modules)"
    )

    printed = subprocess.run([sys.executable, "-S", "-c", probe], check=True,
                             capture_output=True, text=True).stdout.split()

    assert printed == ["None", "questlog.client.client", "False", "False"]
