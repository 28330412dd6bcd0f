"""Copy the recorded payloads of the families the spec covers from ../shared/recorded into
tests/fixtures/recorded, with a manifest of what each file is. Run once per new family; the
tests read only the copies, so they pass without ../shared. Another source directory may be
given as the first argument."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "recorded"
TARGET = ROOT / "tests" / "fixtures" / "recorded"

FAMILIES = {
    "chat", "completions", "embeddings", "models", "responses", "responses-stream", "claude", "claude-stream",
    "gemini", "errors", "images", "ideogram", "audio", "rerank", "midjourney", "suno", "tokens", "video",
}
# Payloads of endpoints the spec does not describe (yet).
SKIP = {
    "chat/oai-chat-stored-get.json",
    "chat/oai-chat-stored-list.json",
    "models/oai-model-delete.json",
    "errors/oai-eval-api-error.json",
    "errors/oai-realtime-error-event.json",
    "images/oai-images-generate-stream.jsonl",  # image SSE streams are not a typed stream yet
}
# Payloads whose schema is not the one of their operation's success response.
SCHEMA = {
    "responses-stream/oai-schema-response-failed-event.json": "ResponseStreamEvent",
    "responses-stream/oai-schema-response-incomplete-event.json": "ResponseStreamEvent",
    "audio/oai-schema-speech-sse-events.jsonl": "SpeechStreamEvent",
    "audio/oai-transcription-stream.jsonl": "TranscriptionStreamEvent",
    "images/newapi-image-object-revised-prompt.json": "ImageObject",
    "images/oai-images-variation.json": "ImagesResponse",
    "ideogram/ideogram-generate-unsafe-image.json": "IdeogramImagesResponse",
    "ideogram/ideogram-v3-inpaint-response.json": "IdeogramImagesResponse",
    "ideogram/ideogram-v3-inpaint.request.json": "IdeogramEditV3Request",
    "tokens/newapi-task-self-list.json": "TaskLogListResponse",  # /api/task/self: the task log's shape
    "tokens/newapi-token-usage-no-auth.json": "AccountResult",  # the refusal, in the other envelope
}


# Requests that use Gemini's alternate snake_case spellings: the models send them camelCase.
NORMALISED = {
    "gemini/newapi-gemini-system-instruction.request.json",
    "gemini/pyd-gemini-file-search-toolcall.request.json",
    "gemini/pyd-gemini-stream-function-call.request.json",
    "gemini/pyd-gemini-thinking.request.json",
}


def main() -> int:
    global SOURCE
    if len(sys.argv) > 1:
        SOURCE = Path(sys.argv[1])
    manifest = json.loads((SOURCE / "manifest.json").read_text(encoding="utf-8"))
    kept = []
    for entry in manifest:
        if entry["family"] not in FAMILIES or entry["file"] in SKIP:
            continue
        item = {k: entry[k] for k in ("file", "family", "kind", "method", "path", "source")}
        if entry["family"] == "errors":
            item["schema"] = "ErrorEnvelope"
        elif entry["file"] in SCHEMA:
            item["schema"] = SCHEMA[entry["file"]]
        if entry["file"] in NORMALISED:
            item["normalised"] = True
        target = TARGET / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOURCE / entry["file"], target)
        kept.append(item)
    (TARGET / "manifest.json").write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"copied {len(kept)} payloads into {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
