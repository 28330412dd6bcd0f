"""Accumulators: fold a stream's events into the object the same call without streaming would
have returned, one per stream protocol.

State is kept as plain JSON-shaped dicts (wire names) and validated into the final model once,
at the end. Each accumulator also knows the text an event carries, for ``Stream.text()``, and
whether the stream reached its natural end.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ._errors import StreamError
from ._models import UnknownEvent


def _dump(model: Any) -> Any:
    if isinstance(model, UnknownEvent):
        return model.data
    if hasattr(model, "model_dump"):
        return model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return model


def _event_type(event: Any) -> str | None:
    if isinstance(event, UnknownEvent):
        return event.type
    return getattr(event, "type", None)


class Accumulator:
    """Base: ``add`` every event, then ``result()``; ``complete`` says the stream ended
    properly; ``text_of`` extracts the text an event carries (or None)."""

    complete = False

    def add(self, event: Any) -> None:
        raise NotImplementedError

    def result(self) -> dict[str, Any]:
        raise NotImplementedError

    def text_of(self, event: Any) -> str | None:
        raise NotImplementedError

    def mark_done(self) -> None:
        """``[DONE]`` arrived. Only the chat protocol defines it; relays append it to the
        others too, where completeness is judged by the protocol's own last event."""

    @property
    def finished(self) -> bool:
        """The stream reached its natural end."""
        return self.complete


class ChatAccumulator(Accumulator):
    """OpenAI chat chunks into a chat completion; legacy completion chunks into a completion."""

    def __init__(self) -> None:
        self.base: dict[str, Any] = {}
        self.choices: dict[int, dict[str, Any]] = {}
        self.tool_calls: dict[int, dict[int, dict[str, Any]]] = {}
        self.usage: Any = None
        self.legacy = False

    def add(self, chunk: Any) -> None:
        if isinstance(chunk, UnknownEvent):
            return
        if not self.base:
            # Only what the chunk carries: a field the gateway left out stays absent.
            self.base = {"object": "chat.completion"}
            for key in ("id", "created", "model", "system_fingerprint", "service_tier", "provider"):
                value = getattr(chunk, key, None)
                if value is not None:
                    self.base[key] = value
        if chunk.usage is not None:
            self.usage = _dump(chunk.usage)
        for choice in chunk.choices or ():
            index = choice.index or 0
            if hasattr(choice, "text"):  # legacy completions
                self.legacy = True
                state = self.choices.setdefault(index, {"index": index, "text": "", "finish_reason": None})
                state["text"] += choice.text or ""
                if choice.logprobs is not None:
                    self._legacy_logprobs(state, _dump(choice.logprobs))
            else:
                state = self.choices.setdefault(index, {"index": index, "message": {"role": "assistant"}, "finish_reason": None})
                if choice.delta is not None:
                    self._delta(index, state["message"], choice.delta)
                if choice.logprobs is not None:
                    logprobs = _dump(choice.logprobs)
                    merged = state.setdefault("logprobs", {})
                    for key in ("content", "refusal"):
                        if logprobs.get(key):
                            merged.setdefault(key, []).extend(logprobs[key])
            if choice.finish_reason is not None:
                state["finish_reason"] = choice.finish_reason

    def _delta(self, index: int, message: dict[str, Any], delta: Any) -> None:
        if delta.role:
            message["role"] = delta.role
        for key in ("content", "reasoning_content", "reasoning", "refusal"):
            piece = getattr(delta, key, None)
            if piece:
                message[key] = message.get(key, "") + piece
        if getattr(delta, "annotations", None):
            message.setdefault("annotations", []).extend(_dump(a) for a in delta.annotations)
        for call in delta.tool_calls or ():
            slots = self.tool_calls.setdefault(index, {})
            slot = slots.setdefault(call.index or 0, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
            if call.id:
                slot["id"] = call.id
            if call.type:
                slot["type"] = call.type
            function = call.function
            if function is not None:
                if function.name and not slot["function"]["name"]:
                    slot["function"]["name"] = function.name
                if function.arguments:
                    slot["function"]["arguments"] += function.arguments

    @staticmethod
    def _legacy_logprobs(state: dict[str, Any], logprobs: dict[str, Any]) -> None:
        merged = state.setdefault("logprobs", {})
        for key in ("tokens", "token_logprobs", "top_logprobs", "text_offset"):
            if logprobs.get(key) is not None:
                merged.setdefault(key, []).extend(logprobs[key])

    def result(self) -> dict[str, Any]:
        choices = []
        for index in sorted(self.choices):
            state = dict(self.choices[index])
            if not self.legacy:
                message = dict(state["message"])
                calls = self.tool_calls.get(index)
                if calls:
                    message["tool_calls"] = [calls[i] for i in sorted(calls)]
                message.setdefault("content", None)
                state["message"] = message
            choices.append(state)
        out = dict(self.base)
        if self.legacy:
            out["object"] = "text_completion"
        out["choices"] = choices
        if self.usage is not None:
            out["usage"] = self.usage
        return out

    def text_of(self, chunk: Any) -> str | None:
        if isinstance(chunk, UnknownEvent) or not chunk.choices:
            return None
        choice = chunk.choices[0]
        if hasattr(choice, "text"):
            return choice.text or None
        return choice.delta.content if choice.delta is not None else None

    def mark_done(self) -> None:
        self.complete = True

    @property
    def finished(self) -> bool:
        return self.complete or (bool(self.choices) and all(c["finish_reason"] for c in self.choices.values()))


class ResponsesAccumulator(Accumulator):
    """Responses API events into the final Response. The terminal event carries the whole
    response; without one, the response is rebuilt from the items seen."""

    TERMINAL = ("response.completed", "response.incomplete")

    def __init__(self) -> None:
        self.response: dict[str, Any] = {}
        self.items: dict[int, dict[str, Any]] = {}
        self.failed: dict[str, Any] | None = None

    def add(self, event: Any) -> None:
        kind = _event_type(event)
        if kind in ("response.created", "response.in_progress", "response.queued"):
            self.response = _dump(event.response) if not isinstance(event, UnknownEvent) else dict(event.data.get("response") or {})
        elif kind in self.TERMINAL:
            self.response = _dump(event.response)
            self.complete = True
        elif kind == "response.failed":
            self.failed = _dump(event.response)
            self.response = self.failed
        elif kind in ("response.output_item.added", "response.output_item.done"):
            self.items[event.output_index] = _dump(event.item)
        elif kind == "response.content_part.added":
            content = self.items.setdefault(event.output_index, {}).setdefault("content", [])
            while len(content) <= event.content_index:
                content.append(None)
            content[event.content_index] = _dump(event.part)
        elif kind == "response.output_text.delta":
            part = self._part(event.output_index, event.content_index)
            part["text"] = part.get("text", "") + event.delta
        elif kind == "response.function_call_arguments.delta":
            item = self.items.setdefault(event.output_index, {})
            item["arguments"] = item.get("arguments", "") + event.delta

    def _part(self, output_index: int, content_index: int) -> dict[str, Any]:
        content = self.items.setdefault(output_index, {}).setdefault("content", [])
        while len(content) <= content_index:
            content.append({"type": "output_text", "text": "", "annotations": []})
        if content[content_index] is None:
            content[content_index] = {"type": "output_text", "text": "", "annotations": []}
        part: dict[str, Any] = content[content_index]
        return part

    def result(self) -> dict[str, Any]:
        if self.complete or self.failed is not None:
            return self.response
        out = dict(self.response)
        out["output"] = [self.items[i] for i in sorted(self.items)]
        return out

    def text_of(self, event: Any) -> str | None:
        if _event_type(event) == "response.output_text.delta":
            return str(event.delta)
        return None


class AnthropicAccumulator(Accumulator):
    """Claude message events into the Message: text, tool_use input JSON (parsed at block end),
    thinking and its signature, citations, stop reason and usage."""

    def __init__(self) -> None:
        self.message: dict[str, Any] = {}
        self.blocks: dict[int, dict[str, Any]] = {}
        self.partial_json: dict[int, str] = {}
        self.skipped: list[Any] = []

    def add(self, event: Any) -> None:
        kind = _event_type(event)
        if kind == "message_start":
            self.message = _dump(event.message) if not isinstance(event, UnknownEvent) else dict(event.data.get("message") or {})
            self.message["content"] = []
        elif kind == "content_block_start":
            if isinstance(event, UnknownEvent):
                self.skipped.append(event.data)  # a block type this version does not know
                return
            self.blocks[event.index] = _dump(event.content_block)
        elif kind == "content_block_delta":
            if isinstance(event, UnknownEvent):
                return
            self._delta(event.index, event.delta)
        elif kind == "content_block_stop":
            index = getattr(event, "index", None)
            if index in self.partial_json:
                raw = self.partial_json.pop(index)
                block = self.blocks.get(index)
                if block is not None:
                    block["input"] = json.loads(raw) if raw.strip() else {}
        elif kind == "message_delta":
            delta = _dump(event.delta)
            self.message.update({k: v for k, v in delta.items() if k in ("stop_reason", "stop_sequence", "stop_details", "container")})
            if event.usage is not None:
                usage = self.message.setdefault("usage", {})
                usage.update({k: v for k, v in _dump(event.usage).items() if v is not None})
        elif kind == "message_stop":
            self.complete = True

    def _delta(self, index: int, delta: Any) -> None:
        block = self.blocks.get(index)
        if block is None:
            return  # a delta for a block we skipped
        kind = delta.type
        if kind == "text_delta":
            block["text"] = block.get("text", "") + delta.text
        elif kind == "input_json_delta":
            self.partial_json[index] = self.partial_json.get(index, "") + delta.partial_json
        elif kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta.thinking
        elif kind == "signature_delta":
            block["signature"] = delta.signature
        elif kind == "citations_delta":
            block.setdefault("citations", []).append(_dump(delta.citation))

    def result(self) -> dict[str, Any]:
        out = dict(self.message)
        out["content"] = [self.blocks[i] for i in sorted(self.blocks)]
        return out

    def text_of(self, event: Any) -> str | None:
        if _event_type(event) == "content_block_delta" and not isinstance(event, UnknownEvent):
            if event.delta.type == "text_delta":
                return str(event.delta.text)
        return None


class GeminiAccumulator(Accumulator):
    """Gemini stream chunks into one GenerateContentResponse: adjacent text parts (and thought
    parts) are joined, other parts kept in order; the last metadata wins."""

    def __init__(self) -> None:
        self.out: dict[str, Any] = {}
        self.candidates: dict[int, dict[str, Any]] = {}

    def add(self, chunk: Any) -> None:
        if isinstance(chunk, UnknownEvent):
            return
        data = _dump(chunk)
        for key, value in data.items():
            if key != "candidates":
                self.out[key] = value
        for candidate in data.get("candidates") or ():
            index = candidate.get("index", 0)
            state = self.candidates.setdefault(index, {"content": {"role": "model", "parts": []}})
            for key, value in candidate.items():
                if key != "content":
                    state[key] = value
            content = candidate.get("content") or {}
            if content.get("role"):
                state["content"]["role"] = content["role"]
            parts = state["content"]["parts"]
            for part in content.get("parts") or ():
                last = parts[-1] if parts else None
                if (
                    last is not None
                    and set(part) <= {"text", "thought"}
                    and set(last) <= {"text", "thought"}
                    and "text" in part
                    and "text" in last
                    and bool(part.get("thought")) == bool(last.get("thought"))
                ):
                    last["text"] += part["text"]
                else:
                    parts.append(dict(part))
            if candidate.get("finishReason"):
                self.complete = True
        if (data.get("promptFeedback") or {}).get("blockReason"):
            self.complete = True

    def result(self) -> dict[str, Any]:
        out = dict(self.out)
        if self.candidates:
            out["candidates"] = [self.candidates[i] for i in sorted(self.candidates)]
        return out

    def text_of(self, chunk: Any) -> str | None:
        if isinstance(chunk, UnknownEvent) or not chunk.candidates:
            return None
        content = chunk.candidates[0].content
        if content is None or not content.parts:
            return None
        texts = [p.text for p in content.parts if p.text and not p.thought]
        return "".join(texts) or None


class ImagesAccumulator(Accumulator):
    """Image generation or edit events into the ImagesResponse: each completed event adds its
    image to ``data``; the image settings and usage are the last completed event's. Partial
    images are kept in arrival order; a stream cut before any completed event gives the last
    partial image as its partial result."""

    def __init__(self) -> None:
        self.partial_images: list[dict[str, Any]] = []
        self.completed: list[dict[str, Any]] = []

    def add(self, event: Any) -> None:
        kind = _event_type(event) or ""
        if isinstance(event, UnknownEvent):
            return
        if kind.endswith(".partial_image"):
            self.partial_images.append(_dump(event))
        elif kind.endswith(".completed"):
            self.completed.append(_dump(event))

    def result(self) -> dict[str, Any]:
        images = self.completed or self.partial_images[-1:]
        if not images:
            return {}
        last = images[-1]
        out: dict[str, Any] = {"created": last.get("created_at"), "data": [{"b64_json": e.get("b64_json")} for e in images]}
        for key in ("background", "output_format", "quality", "size", "usage"):
            if last.get(key) is not None:
                out[key] = last[key]
        return out

    def text_of(self, event: Any) -> str | None:
        return None

    @property
    def finished(self) -> bool:
        return bool(self.completed)


class SpeechAccumulator(Accumulator):
    """Speech events into one ``SpeechAudio``: the audio of every delta, decoded and joined
    (chunks are base64 each on their own, so their text cannot just be concatenated), base64
    again as a whole; the usage from the done event."""

    def __init__(self) -> None:
        self.audio = bytearray()
        self.usage: Any = None

    def add(self, event: Any) -> None:
        kind = _event_type(event)
        if isinstance(event, UnknownEvent):
            return
        if kind == "speech.audio.delta":
            try:
                self.audio += base64.b64decode(event.audio, validate=True)
            except ValueError:  # binascii.Error is a ValueError
                raise StreamError(f"speech.audio.delta carries audio that is not base64: {event.audio[:80]!r}", event=_dump(event)) from None
        elif kind == "speech.audio.done":
            self.usage = _dump(event.usage) if event.usage is not None else None
            self.complete = True

    def result(self) -> dict[str, Any]:
        out: dict[str, Any] = {"audio": base64.b64encode(bytes(self.audio)).decode("ascii")}
        if self.usage is not None:
            out["usage"] = self.usage
        return out

    def text_of(self, event: Any) -> str | None:
        return None


class TranscriptionAccumulator(Accumulator):
    """Transcript events into the ``Transcription``: the text of the deltas (replaced by the
    done event's full text), their log probabilities, diarized segments, and the usage."""

    def __init__(self) -> None:
        self.out: dict[str, Any] = {"text": ""}

    def add(self, event: Any) -> None:
        kind = _event_type(event)
        if isinstance(event, UnknownEvent):
            return
        if kind == "transcript.text.delta":
            self.out["text"] += event.delta
            if event.logprobs:
                self.out.setdefault("logprobs", []).extend(_dump(p) for p in event.logprobs)
        elif kind == "transcript.text.segment":
            self.out.setdefault("segments", []).append(_dump(event))
        elif kind == "transcript.text.done":
            data = _dump(event)
            data.pop("type", None)
            self.out.update(data)
            self.complete = True

    def result(self) -> dict[str, Any]:
        return dict(self.out)

    def text_of(self, event: Any) -> str | None:
        if _event_type(event) == "transcript.text.delta" and not isinstance(event, UnknownEvent):
            return str(event.delta)
        return None


ACCUMULATORS: dict[str, type[Accumulator]] = {
    "openai-chat": ChatAccumulator,
    "openai-responses": ResponsesAccumulator,
    "openai-images": ImagesAccumulator,
    "openai-speech": SpeechAccumulator,
    "openai-transcription": TranscriptionAccumulator,
    "anthropic": AnthropicAccumulator,
    "gemini": GeminiAccumulator,
}
