"""Write the generated tree atomically: build it in a temporary directory beside the target,
format it, then swap it in. A failure leaves the existing tree untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def ruff(args: list[str], cwd: Path) -> None:
    from ruff.__main__ import find_ruff_bin  # the pinned ruff's own binary

    cmd = [find_ruff_bin(), *args]
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ruff {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def format_tree(root: Path) -> None:
    # Fixed settings, independent of any config file, so output depends only on the ruff pin.
    common = ["--no-cache", "--isolated", "--line-length", "100", "--target-version", "py311"]
    ruff(["check", *common, "--select", "F401,I", "--fix", "--quiet", "."], root)
    ruff(["format", *common, "--quiet", "."], root)


def write_tree(files: dict[str, str], target: Path) -> None:
    """Replace ``target`` with exactly ``files`` (relative path -> text)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".relaykit-", dir=target.parent))
    try:
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        format_tree(staging)
        old = None
        if target.exists():
            old = target.with_name(target.name + ".old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
