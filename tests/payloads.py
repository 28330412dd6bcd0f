"""Small, valid response bodies and request arguments the runtime tests share."""

from __future__ import annotations

from typing import Any

MESSAGES = [{"role": "user", "content": "Hi"}]
CHAT_OK: dict[str, Any] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}
MESSAGE_OK: dict[str, Any] = {
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x", "content": [{"type": "text", "text": "Hello"}],
    "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1},
}
GEMINI_OK: dict[str, Any] = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "Hello"}]}, "index": 0, "finishReason": "STOP"}],
}
