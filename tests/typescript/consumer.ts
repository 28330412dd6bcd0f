// A TypeScript program typed by openapi-typescript from the published spec (as chat.ts is): three
// calls with fetch against a mock server that validates every request against the spec (Prism),
// each request recorded as it went on the wire, and a JSON report on stdout that
// tests/test_consumers.py checks against the spec's examples. Compiled with `tsc --strict`, run
// with node:  node consumer.js <base URL> <image file as base64>
import type { paths } from "relaykit-openapi";

declare const process: { argv: string[]; exitCode: number | undefined };

type ChatOperation = paths["/v1/chat/completions"]["post"];
type ChatBody = ChatOperation["requestBody"]["content"]["application/json"];
type ChatAnswer = ChatOperation["responses"][200]["content"]["application/json"];
type EditOperation = paths["/v1/images/edits"]["post"];
type EditBody = EditOperation["requestBody"]["content"]["multipart/form-data"];
type EditAnswer = EditOperation["responses"][200]["content"]["application/json"];
type SpeechOperation = paths["/v1/audio/speech"]["post"];
type SpeechBody = SpeechOperation["requestBody"]["content"]["application/json"];

// The edit's image field is a list of files: one file is a one-element list.
export const imageIsAList: EditBody["image"] extends unknown[] ? true : false = true;

interface Wire { method: string; path: string; content_type: string; body: string }
interface Call { status: number; request: Wire; result?: Record<string, unknown> }

const base64 = (bytes: ArrayBuffer): string => btoa(String.fromCharCode(...new Uint8Array(bytes)));

async function send(base: string, path: string, init: RequestInit): Promise<{ response: Response; wire: Wire }> {
  const request = new Request(base + path, {
    ...init,
    method: "POST",
    headers: { ...(init.headers as Record<string, string> | undefined), authorization: "Bearer sk-typescript-consumer" },
  });
  const wire = {
    method: request.method,
    path: new URL(request.url).pathname,
    content_type: request.headers.get("content-type") ?? "",
    body: base64(await request.clone().arrayBuffer()),
  };
  return { response: await fetch(request), wire };
}

function json(body: ChatBody | SpeechBody): RequestInit {
  return { body: JSON.stringify(body), headers: { "content-type": "application/json" } };
}

async function main(base: string, image: Uint8Array<ArrayBuffer>): Promise<Record<string, Call>> {
  const report: Record<string, Call> = {};

  const chat: ChatBody = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello in French." }] };
  let { response, wire } = await send(base, "/v1/chat/completions", json(chat));
  report.chat = { status: response.status, request: wire };
  if (response.ok) {
    const completion = (await response.json()) as ChatAnswer;
    report.chat.result = { id: completion.id, object: completion.object, choices: completion.choices.length };
  }

  // No messages: the spec wants at least one, so the mock refuses the request.
  ({ response, wire } = await send(base, "/v1/chat/completions", json({ model: "gpt-4o-mini", messages: [] })));
  report.chat_invalid = { status: response.status, request: wire };

  const fields: Omit<EditBody, "image"> = { prompt: "Add a party hat", model: "gpt-image-1" };
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
  form.append("image", new Blob([image], { type: "image/png" }), "input.png");
  ({ response, wire } = await send(base, "/v1/images/edits", { body: form }));
  report.edit = { status: response.status, request: wire };
  if (response.ok) {
    const images = (await response.json()) as EditAnswer;
    report.edit.result = { created: images.created, data: images.data?.length ?? 0 };
  }

  const speech: SpeechBody = { model: "tts-1", input: "Hello there!", voice: "alloy" };
  ({ response, wire } = await send(base, "/v1/audio/speech", json(speech)));
  report.speech = { status: response.status, request: wire };
  if (response.ok) {
    report.speech.result = { content_type: response.headers.get("content-type"), body: base64(await response.arrayBuffer()) };
  }
  return report;
}

const [base, image] = process.argv.slice(2);
main(base, Uint8Array.from(atob(image), (c) => c.charCodeAt(0))).then(
  (report) => console.log(JSON.stringify(report, null, 2)),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
