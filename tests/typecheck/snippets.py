"""Realistic user code, checked with mypy --strict (`make typecheck`): the overloads, stream
types and models must give users precise types. Never executed."""

from __future__ import annotations

import asyncio
from typing import assert_type

import relaykit
from relaykit import types


def chat(client: relaykit.Client) -> str:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]},
        ],
        temperature=0.2,
        response_format={"type": "json_object"},
        extra_headers={"x-trace": "1"},
        timeout=30.0,
    )
    assert_type(completion, types.ChatCompletion)
    return completion.choices[0].message.content or ""


def chat_stream(client: relaykit.Client) -> list[str]:
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True, stream_options={"include_usage": True})
    assert_type(stream, relaykit.Stream[types.ChatCompletionChunk, types.ChatCompletion])
    parts: list[str] = []
    with stream:
        for chunk in stream:
            for choice in chunk.choices:
                if choice.delta and choice.delta.content:
                    parts.append(choice.delta.content)
    return parts


def chat_flag(client: relaykit.Client, flag: bool) -> None:
    result = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}], stream=flag)
    assert_type(result, types.ChatCompletion | relaykit.Stream[types.ChatCompletionChunk, types.ChatCompletion])


def responses(client: relaykit.Client) -> None:
    response = client.responses.create(model="gpt-5", input="Tell me a story", reasoning={"effort": "low"})
    assert_type(response, types.Response)
    stream = client.responses.create(model="gpt-5", input="Tell me a story", stream=True)
    for event in stream:
        if isinstance(event, types.ResponseOutputTextDeltaEvent):
            print(event.delta)
        elif isinstance(event, relaykit.UnknownEvent):
            print("new event type", event.type)
    fetched = client.responses.retrieve("resp_123")
    assert_type(fetched, types.Response)


def accumulate(client: relaykit.Client) -> None:
    stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}], stream=True)
    for piece in stream.text():
        assert_type(piece, str)
    assert_type(stream.final(), types.ChatCompletion)
    message = client.messages.create(model="claude", max_tokens=100, messages=[{"role": "user", "content": "Hi"}], stream=True).final()
    assert_type(message, types.Message)
    response = client.responses.create(model="gpt-5", input="Hi", stream=True).final()
    assert_type(response, types.Response)
    reply = client.gemini.stream_generate_content("gemini-2.5-flash", contents=[{"role": "user", "parts": [{"text": "Hi"}]}]).final()
    assert_type(reply, types.GenerateContentResponse)
    try:
        client.messages.create(model="claude", max_tokens=100, messages=[{"role": "user", "content": "Hi"}], stream=True).final()
    except relaykit.StreamError as exc:
        print(exc.partial)


async def accumulate_async(client: relaykit.AsyncClient) -> None:
    stream = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}], stream=True)
    async for piece in stream.text():
        print(piece)
    assert_type(await stream.final(), types.ChatCompletion)


def image_streams(client: relaykit.Client) -> None:
    plain = client.images.generate(model="gpt-image-1", prompt="An otter")
    assert_type(plain, types.ImagesResponse)
    stream = client.images.generate(model="gpt-image-1", prompt="An otter", stream=True, partial_images=2)
    assert_type(stream, relaykit.Stream[types.ImageGenerationStreamEvent | relaykit.UnknownEvent, types.ImagesResponse])
    for event in stream.collect():
        if isinstance(event, types.ImageGenerationPartialImageEvent):
            assert_type(event.partial_image_index, int)
    assert_type(stream.final(), types.ImagesResponse)
    edited = client.images.edit(model="gpt-image-1", image=b"...", prompt="Add a hat", stream=True).final()
    assert_type(edited, types.ImagesResponse)


async def image_streams_async(client: relaykit.AsyncClient) -> None:
    stream = await client.images.edit(model="gpt-image-1.5", images=[{"image_url": "https://example.com/a.png"}], prompt="Add a hat", stream=True)
    assert_type(stream, relaykit.AsyncStream[types.ImageEditStreamEvent | relaykit.UnknownEvent, types.ImagesResponse])
    assert_type(await stream.final(), types.ImagesResponse)


def audio_and_resumed_streams(client: relaykit.Client) -> None:
    audio = client.audio.speech.create(model="tts-1", input="Hi", voice="alloy")
    assert_type(audio, relaykit.BinaryResponse)
    assert_type(client.audio.speech.create(model="tts-1", input="Hi", voice="alloy", stream_format="audio"), relaykit.BinaryResponse)
    speech = client.audio.speech.create(model="gpt-4o-mini-tts", input="Hi", voice="alloy", stream_format="sse")
    assert_type(speech, relaykit.Stream[types.SpeechStreamEvent | relaykit.UnknownEvent, types.SpeechAudio])
    assert_type(speech.final().audio, str)
    transcript = client.audio.transcriptions.create(model="gpt-4o-transcribe", file=b"...", stream=True)
    assert_type(transcript, relaykit.Stream[types.TranscriptionStreamEvent | relaykit.UnknownEvent, types.Transcription])
    assert_type(transcript.final().text, str)
    resumed = client.responses.retrieve("resp_1", stream=True, starting_after=3)
    assert_type(resumed, relaykit.Stream[types.ResponseStreamEvent | relaykit.UnknownEvent, types.Response])
    assert_type(client.responses.retrieve("resp_1"), types.Response)


async def audio_streams_async(client: relaykit.AsyncClient) -> None:
    speech = await client.audio.speech.create(model="gpt-4o-mini-tts", input="Hi", voice="alloy", stream_format="sse")
    assert_type(await speech.final(), types.SpeechAudio)
    audio = await client.audio.speech.create(model="tts-1", input="Hi", voice="alloy")
    assert_type(audio, relaykit.AsyncBinaryResponse)


def responses_new_items(client: relaykit.Client) -> None:
    response = client.responses.create(model="gpt-5.1", input="Fix main.py", tools=[{"type": "shell", "environment": {"type": "local"}}, {"type": "apply_patch"}])
    for item in response.output or []:
        if isinstance(item, types.ResponseShellCall):
            assert_type(item.action.commands, list[str])
        elif isinstance(item, types.ResponseApplyPatchCall):
            print(item.operation.type)


def embeddings_and_models(client: relaykit.Client) -> None:
    result = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"], encoding_format="float")
    assert_type(result, types.CreateEmbeddingResponse)
    models = client.models.list()
    assert_type(models, types.ModelList)
    print([m.id for m in models.data])


def raw(client: relaykit.Client) -> None:
    raw = client.chat.completions.with_raw_response.create(model="m", messages=[{"role": "user", "content": "Hi"}])
    print(raw.status_code, raw.request_id, raw.headers.get("x-request-id"))


def undocumented(client: relaykit.Client) -> None:
    models = client.request("GET", "/v1/models", cast_to=types.ModelList)
    assert_type(models, types.ModelList)
    balance = client.request("GET", "/v1/balance")
    print(balance)


def errors(client: relaykit.Client) -> None:
    try:
        client.models.list()
    except relaykit.RateLimitError as exc:
        print(exc.status_code, exc.request_id, exc.body)
    except relaykit.APIStatusError as exc:
        print(exc.code, exc.message)
    except relaykit.APIConnectionError:
        pass


async def async_chat() -> None:
    async with relaykit.AsyncClient(gateway="cometapi") as client:
        completion = await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
        assert_type(completion, types.ChatCompletion)
        stream = await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True)
        assert_type(stream, relaykit.AsyncStream[types.ChatCompletionChunk, types.ChatCompletion])
        async with stream:
            async for chunk in stream:
                print(chunk.id)


def midjourney(client: relaykit.Client) -> str | None:
    def show(task: types.MidjourneyTask) -> None:
        print(task.status, task.progress)

    submitted = client.midjourney.imagine(prompt="a red fox --ar 16:9", bot_type="MID_JOURNEY")
    assert_type(submitted, types.MidjourneySubmitResponse)
    try:
        task = client.midjourney.imagine_and_wait(prompt="a red fox", poll_interval=3, timeout=600, on_progress=show)
    except relaykit.EnvelopeError as exc:
        print(exc.code, exc.message, exc.body)
        return None
    except relaykit.TaskFailedError as exc:
        print(exc.task_id, exc.reason, exc.task)
        return None
    except relaykit.TaskTimeoutError as exc:
        task = client.midjourney.tasks.wait(exc.task_id, timeout=1200)
    assert_type(task, types.MidjourneyTask)
    if task.buttons:
        upscaled = client.midjourney.action_and_wait(custom_id=task.buttons[0].custom_id, task_id=task.id)
        assert_type(upscaled, types.MidjourneyTask)
    hooked = relaykit.parse_webhook(types.MidjourneyTask, b"{}")
    assert_type(hooked, types.MidjourneyTask)
    listed = client.midjourney.tasks.list(ids=[task.id])
    assert_type(listed, types.MidjourneyTaskList)
    return task.image_url


async def midjourney_async(client: relaykit.AsyncClient) -> None:
    task = await client.midjourney.blend_and_wait(base64_array=["data:image/png;base64,AA", "data:image/png;base64,BB"], dimensions="SQUARE")
    assert_type(task, types.MidjourneyTask)
    again = await client.midjourney.tasks.wait(task.id, on_progress=lambda t: print(t.progress))
    assert_type(again, types.MidjourneyTask)


def account() -> int:
    client = relaykit.Client(gateway="key4u", access_token="token", user_id=42)
    page = client.tokens.list(page_size=50, keyword="ci")
    assert_type(page, relaykit.SyncPage[types.Token])
    assert_type(page.items, list[types.Token])
    names = [key.name for key in page]
    for later in page.iter_pages():
        assert_type(later, relaykit.SyncPage[types.Token])
    me = client.user.retrieve()
    assert_type(me, types.UserResponse)
    usage = client.usage.token()
    left = usage.data.total_available if usage.data else None
    for entry in client.logs.usage(model_name="gpt-4o-mini"):
        assert_type(entry, types.UsageLog)
    return len(names) + (left or 0)


async def account_async(client: relaykit.AsyncClient) -> list[int | None]:
    page = await client.tokens.list()
    assert_type(page, relaykit.AsyncPage[types.Token])
    return [key.id async for key in page]


def main() -> None:
    client = relaykit.Client(gateway="key4u", max_retries=3)
    fast = client.with_options(timeout=10.0)
    chat(fast)
    asyncio.run(async_chat())


def unknown_variants(client: relaykit.Client) -> list[str]:
    """An output item, tool or tool choice of a type this version does not list arrives as
    UnknownVariant, which is part of the union's type: narrowing by isinstance is exact, and
    any field of an unknown variant reads as Any."""
    response = client.responses.create(model="gpt-5", input="List the files", tools=[{"type": "shell"}])
    kinds: list[str] = []
    for item in response.output or []:
        if isinstance(item, relaykit.UnknownVariant):
            assert_type(item, relaykit.UnknownVariant)
            kinds.append(str(item.type))
            print(item.call_id, item.to_dict())  # any field: typed Any
        elif isinstance(item, types.ResponseFunctionToolCall):
            assert_type(item.arguments, str)
        else:
            kinds.append(item.type)  # every variant, unknown or not, has its tag
    choice = response.tool_choice
    if isinstance(choice, relaykit.UnknownVariant):
        kinds.append(str(choice.type))
    return kinds


def veo_and_vidu(client: relaykit.Client) -> list[str]:
    """Veo's operation and Vidu's task come back typed from the wait helpers."""
    operation = client.gemini.videos.create_and_wait(model="veo-3.1-generate-preview", instances=[{"prompt": "A paper boat"}], parameters={"durationSeconds": 8})
    assert_type(operation, types.VeoOperation)
    resumed = client.gemini.operations.wait(operation.name, timeout=600)
    assert_type(resumed, types.VeoOperation)
    uris = [s.video.uri or "" for s in (operation.response.generate_video_response.generated_samples or [])
            if s.video] if operation.response and operation.response.generate_video_response else []
    task = client.vidu.text_to_video_and_wait(model="viduq2", prompt="A kitten", duration=5)
    assert_type(task, types.ViduCreations)
    return uris + [c.url or "" for c in task.creations or []]


def vendor_video_tasks(client: relaykit.Client) -> list[str | None]:
    seedance = client.doubao.videos.create_and_wait(
        model="doubao-seedance-1-5-pro-251215",
        content=[{"type": "text", "text": "a fox"}, types.SeedanceImageContent(type="image_url", image_url=types.SeedanceMediaUrl(url="https://cdn.example/a.png"), role="first_frame")],
        duration=5,
    )
    assert_type(seedance, types.SeedanceVideoTask)
    page = client.volc.v1.videos.list(filter_task_ids=[seedance.id])
    assert_type(page, relaykit.SyncPage[types.SeedanceVideoTask])
    wan = client.bailian.videos.create_and_wait(model="wan2.5-i2v-preview", input={"prompt": "a storm", "img_url": "https://cdn.example/a.png"})
    assert_type(wan, types.BailianVideoTask)
    vod = client.tencent_vod.tasks.wait("251007502-AigcVideoTask-1t")
    assert_type(vod, types.TencentVodTask)
    video = vod.response.aigc_video_task
    files = video.output.file_infos if video and video.output else None
    return [seedance.content.video_url if seedance.content else None, wan.output.video_url, files[0].file_url if files else None]


async def vendor_video_tasks_async(client: relaykit.AsyncClient) -> None:
    task = await client.volc.v3.videos.wait("cgt-1", on_progress=lambda t: print(t.status))
    assert_type(task, types.SeedanceVideoTask)
    effect = await client.tencent_vod.template_effects.create_and_wait(scene_type="template_effect", ext_info={"AdditionalParameters": {"template": "morphlab"}})
    assert_type(effect, types.TencentVodTask)
