"""A Python program written against the client that openapi-python-client makes from the
published spec, spec/dist/openapi.yaml (imported as ``relaykit_openapi``). It calls a mock server
that validates every request against the spec (Prism), records each request as it went on the
wire, and prints a JSON report that tests/test_consumers.py checks against the spec's examples.

    python python_proof.py <base URL> <image file>      (with the client on PYTHONPATH)
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import httpx
from relaykit_openapi import AuthenticatedClient
from relaykit_openapi.api.audio import create_speech
from relaykit_openapi.api.chat import create_chat_completion
from relaykit_openapi.api.images import edit_image
from relaykit_openapi.models import (
    ChatCompletion,
    ChatCompletionUserMessage,
    ChatCompletionUserMessageRole,
    CreateChatCompletionRequest,
    CreateImageEditRequest,
    CreateSpeechRequest,
    ImagesResponse,
)
from relaykit_openapi.types import File

sent: list[dict[str, Any]] = []


def record(request: httpx.Request) -> None:
    body = request.read()
    sent.append({
        "method": request.method,
        "path": request.url.path,
        "content_type": request.headers.get("content-type", ""),
        "body": base64.b64encode(body).decode(),
    })


def call(response: Any, result: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"status": response.status_code, "request": sent[-1]}
    if result is not None:
        out["result"] = result
    return out


def main(base_url: str, image_path: str) -> dict[str, Any]:
    client = AuthenticatedClient(base_url=base_url, token="sk-python-consumer", httpx_args={"event_hooks": {"request": [record]}})
    report: dict[str, Any] = {}
    with client:
        message = ChatCompletionUserMessage(role=ChatCompletionUserMessageRole.USER, content="Say hello in French.")
        response = create_chat_completion.sync_detailed(client=client, body=CreateChatCompletionRequest(model="gpt-4o-mini", messages=[message]))
        completion = response.parsed
        report["chat"] = call(response, {"id": completion.id, "object": str(completion.object_), "choices": len(completion.choices)} if isinstance(completion, ChatCompletion) else None)

        # No messages: the spec wants at least one, so the mock refuses the request.
        response = create_chat_completion.sync_detailed(client=client, body=CreateChatCompletionRequest(model="gpt-4o-mini", messages=[]))
        report["chat_invalid"] = call(response, None)

        image = Path(image_path)
        with image.open("rb") as payload:
            body = CreateImageEditRequest(image=[File(payload=payload, file_name=image.name, mime_type="image/png")], prompt="Add a party hat", model="gpt-image-1")
            response = edit_image.sync_detailed(client=client, body=body)
        images = response.parsed
        report["edit"] = call(response, {"created": images.created, "data": len(images.data or [])} if isinstance(images, ImagesResponse) else None)

        response = create_speech.sync_detailed(client=client, body=CreateSpeechRequest(model="tts-1", input_="Hello there!", voice="alloy"))
        audio = response.parsed
        content = audio.payload.read() if isinstance(audio, File) else None
        report["speech"] = call(response, {"content_type": response.headers.get("content-type"), "body": base64.b64encode(content).decode()} if content is not None else None)
    return report


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python_proof.py <base URL> <image file>")
    print(json.dumps(main(sys.argv[1], sys.argv[2]), indent=2))
