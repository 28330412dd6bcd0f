"""Request shapes of OpenAI's current API (new tools, input items, content parts, options) sent
through the client: the client's own checks accept them, and Prism, serving the bundled spec,
finds them valid. The per-operation Prism tests send only each operation's first example."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import relaykit
from relaykit import types

pytestmark = pytest.mark.prism

USER = [{"role": "user", "content": "Hi"}]
FUNCTION = {"type": "function", "name": "find_customer", "parameters": {"type": "object", "properties": {"email": {"type": "string"}}}}

RESPONSE_TOOLS = [
    {"type": "shell", "environment": {"type": "container_auto", "memory_limit": "4g", "network_policy": {"type": "allowlist", "allowed_domains": ["pypi.org"], "domain_secrets": [{"domain": "pypi.org", "name": "TOKEN", "value": "x"}]}, "skills": [{"type": "skill_reference", "skill_id": "skill_1"}, {"type": "inline", "name": "lint", "description": "Runs the linter", "source": {"type": "base64", "media_type": "application/zip", "data": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}]}},
    {"type": "shell", "environment": {"type": "local", "skills": [{"name": "fmt", "description": "Formats code", "path": "/skills/fmt"}]}},
    {"type": "shell", "environment": {"type": "container_reference", "container_id": "cntr_1"}, "allowed_callers": ["programmatic"]},
    {"type": "apply_patch"},
    {"type": "computer"},
    {"type": "namespace", "name": "crm", "description": "Customer records", "tools": [{**FUNCTION, "defer_loading": True, "allowed_callers": ["direct"], "output_schema": {"type": "object"}}, {"type": "custom", "name": "notes", "defer_loading": True}]},
    {"type": "tool_search", "execution": "client", "description": "Find CRM tools", "parameters": {"type": "object"}},
    {"type": "programmatic_tool_calling"},
    {"type": "web_search_2025_08_26", "external_web_access": False},
    {"type": "web_search_preview_2025_03_11", "search_content_types": ["text", "image"]},
    {"type": "web_search_preview", "search_content_types": ["image"]},
    {"type": "file_search", "vector_store_ids": ["vs_1"], "ranking_options": {"hybrid_search": {"embedding_weight": 0.7, "text_weight": 0.3}}},
    {"type": "mcp", "server_label": "deepwiki", "server_url": "https://mcp.example/sse", "tunnel_id": "tunnel_" + "a" * 32, "defer_loading": True, "allowed_callers": ["direct"]},
    {"type": "code_interpreter", "container": {"type": "auto", "network_policy": {"type": "disabled"}}, "allowed_callers": ["direct"]},
    {"type": "image_generation", "action": "edit"},
]

RESPONSE_INPUT = [
    {"role": "user", "content": [{"type": "input_text", "text": "Fix main.py", "prompt_cache_breakpoint": {"mode": "explicit"}}]},
    {"type": "shell_call", "call_id": "call_sh", "action": {"commands": ["ls"], "timeout_ms": 1000}, "status": "completed", "environment": {"type": "local"}},
    {"type": "shell_call_output", "call_id": "call_sh", "output": [{"stdout": "main.py\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}, {"stdout": "", "stderr": "", "outcome": {"type": "timeout"}}], "max_output_length": 2048},
    {"type": "apply_patch_call", "call_id": "call_ap", "status": "completed", "operation": {"type": "create_file", "path": "a.py", "diff": "+x = 1\n"}},
    {"type": "apply_patch_call_output", "call_id": "call_ap", "status": "failed", "output": "a.py exists"},
    {"type": "local_shell_call", "id": "lsh_1", "call_id": "call_lsh", "status": "completed", "action": {"type": "exec", "command": ["pwd"], "env": {}}},
    {"type": "local_shell_call_output", "id": "lsho_1", "call_id": "call_lsh", "output": "{\"stdout\": \"/repo\"}"},
    {"type": "tool_search_call", "call_id": "call_ts", "execution": "client", "arguments": {"query": "crm"}},
    {"type": "tool_search_output", "call_id": "call_ts", "execution": "client", "tools": [FUNCTION]},
    {"type": "additional_tools", "role": "developer", "tools": [{"type": "apply_patch"}]},
    {"type": "program", "id": "prg_1", "call_id": "call_prg", "code": "print(1)", "fingerprint": "fp_1"},
    {"type": "program_output", "id": "prgo_1", "call_id": "call_prg", "result": "1", "status": "completed"},
    {"type": "function_call", "call_id": "call_fc", "name": "find_customer", "arguments": "{}", "caller": {"type": "program", "caller_id": "call_prg"}},
    {"type": "function_call_output", "call_id": "call_fc", "output": "{}", "name": "find_customer", "namespace": "crm", "caller": {"type": "direct"}},
    {"type": "computer_call", "call_id": "call_cc", "actions": [{"type": "click", "x": 1, "y": 2, "button": "left"}, {"type": "screenshot"}]},
    {"type": "compaction_trigger"},
]

CASES: list[tuple[str, dict[str, Any]]] = [
    ("chat.completions.create", {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi", "prompt_cache_breakpoint": {"mode": "explicit"}}]}], "prompt_cache_options": {"ttl": "30m", "mode": "explicit"}, "moderation": {"model": "omni-moderation-latest", "policy": {"input": {"mode": "block"}, "output": {"mode": "score"}}}}),
    ("responses.create", {"model": "gpt-5.1", "input": RESPONSE_INPUT, "tools": RESPONSE_TOOLS, "tool_choice": {"type": "shell"}, "reasoning": {"effort": "low", "context": "all_turns", "mode": "pro"}, "prompt_cache_options": {"mode": "implicit"}, "moderation": {"model": "omni-moderation-latest"}}),
    ("responses.create", {"model": "gpt-5.1", "input": "Hi", "tool_choice": {"type": "apply_patch"}}),
    ("responses.create", {"model": "gpt-5.1", "input": "Hi", "tool_choice": {"type": "programmatic_tool_calling"}}),
    ("responses.create", {"model": "gpt-5.1", "input": "Hi", "tool_choice": {"type": "computer_use"}}),
    ("responses.compact", {"model": "gpt-5.1", "input": RESPONSE_INPUT, "prompt_cache_options": {"ttl": "30m"}}),
    ("responses.input_tokens.count", {"model": "gpt-5.1", "input": RESPONSE_INPUT, "tools": RESPONSE_TOOLS, "personality": "friendly"}),
    ("audio.speech.create", {"model": "gpt-4o-mini-tts", "input": "Hello", "voice": {"id": "voice_1234"}}),
    ("audio.transcriptions.create", {"model": "gpt-4o-transcribe", "file": ("a.mp3", b"ID3" + b"\x00" * 64, "audio/mpeg"), "chunking_strategy": {"type": "server_vad", "threshold": 0.4, "silence_duration_ms": 300}, "keywords": ["relaykit"], "languages": ["en", "fr"]}),
    ("images.edit", {"model": "gpt-image-1.5", "images": [{"image_url": "https://example.com/a.png"}, {"file_id": "file_1"}], "mask": {"file_id": "file_2"}, "prompt": "Add a hat", "input_fidelity": "high", "output_format": "webp"}),
]


def method_of(client: Any, dotted: str) -> Any:
    target = client
    for attr in dotted.split("."):
        target = getattr(target, attr)
    return target


@pytest.mark.parametrize(("method", "kwargs"), [pytest.param(m, k, id=f"{m}-{i}") for i, (m, k) in enumerate(CASES)])
def test_current_openai_request_shape_is_accepted(prism_url: str, method: str, kwargs: dict[str, Any]) -> None:
    with relaykit.Client(api_key="sk-prism", base_url=prism_url, max_retries=0) as client:
        result = method_of(client, method)(**kwargs)
        assert result is not None


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("images.generate", {"model": "gpt-image-1", "prompt": "An otter", "stream": True, "partial_images": 2}),
        ("images.edit", {"model": "gpt-image-1", "image": ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png"), "prompt": "Add a hat", "stream": True, "partial_images": 1}),
        ("images.edit", {"model": "gpt-image-1.5", "images": [{"image_url": "https://example.com/a.png"}], "prompt": "Add a hat", "stream": True}),
    ],
    ids=["generate", "edit-multipart", "edit-json"],
)
def test_image_streams_fold_into_images_response(prism_url: str, method: str, kwargs: dict[str, Any]) -> None:
    with relaykit.Client(api_key="sk-prism", base_url=prism_url, max_retries=0) as client:
        final = method_of(client, method)(**kwargs).final()
    assert isinstance(final, types.ImagesResponse)
    assert final.data and final.data[0].b64_json and final.usage is not None


def test_speech_and_transcription_streams_fold(prism_url: str) -> None:
    """Prism answers with the spec's SSE examples: they fold into the results, sync and async."""
    upload = ("a.mp3", b"ID3" + b"\x00" * 64, "audio/mpeg")
    with relaykit.Client(api_key="sk-prism", base_url=prism_url, max_retries=0) as client:
        speech = client.audio.speech.create(model="gpt-4o-mini-tts", input="Hello", voice="alloy", stream_format="sse").final()
        transcript = client.audio.transcriptions.create(model="gpt-4o-mini-transcribe", file=upload, stream=True).final()
        resumed = client.responses.retrieve("resp_1", stream=True, starting_after=3).final()
    assert isinstance(speech, types.SpeechAudio) and speech.audio and speech.usage is not None
    assert isinstance(transcript, types.Transcription) and transcript.text and transcript.usage is not None
    assert isinstance(resumed, types.Response) and resumed.status == "completed"

    async def run() -> tuple[Any, Any]:
        async with relaykit.AsyncClient(api_key="sk-prism", base_url=prism_url, max_retries=0) as client:
            speech = await client.audio.speech.create(model="gpt-4o-mini-tts", input="Hello", voice="alloy", stream_format="sse")
            transcript = await client.audio.transcriptions.create(model="gpt-4o-mini-transcribe", file=upload, stream=True)
            return await speech.final(), await transcript.final()

    speech_async, transcript_async = asyncio.run(run())
    assert speech_async.audio == speech.audio and transcript_async.text == transcript.text
