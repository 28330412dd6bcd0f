"""The README's Python examples run as written, against Prism standing in for the gateways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import relaykit

from .conftest import ROOT

pytestmark = pytest.mark.prism


def test_readme_examples_run(prism_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # The examples read and write files in the working directory.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (tmp_path / "meeting.mp3").write_bytes(b"ID3" + b"\x00" * 64)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 6
    monkeypatch.setenv("RELAYKIT_API_KEY", "sk-readme")
    for name in list(relaykit.GATEWAYS):
        monkeypatch.setitem(relaykit.GATEWAYS, name, prism_url)
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message says which block failed
            pytest.fail(f"README python block {i + 1} failed: {exc!r}\n{block}")
    out = capsys.readouterr().out
    assert "('messages',)" in out  # the bad-argument example was refused, naming the field
    assert out.count("\n") > 10  # and the rest printed what Prism answered
    assert (tmp_path / "hello.mp3").stat().st_size > 0 and (tmp_path / "long.mp3").stat().st_size > 0
