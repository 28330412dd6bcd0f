// What a TypeScript user of the published spec writes: build a chat request and read the answer,
// typed by openapi-typescript from spec/dist/openapi.yaml. tests/test_spec_quality.py generates
// the types into a temporary directory, maps "relaykit-openapi" to them and runs
// `tsc --noEmit --strict` over them and this file.
import type { components, paths } from "relaykit-openapi";

type Schemas = components["schemas"];
type CreateChatCompletionRequest = Schemas["CreateChatCompletionRequest"];
type ChatCompletion = Schemas["ChatCompletion"];

// The operation's request and response bodies are the component schemas.
type ChatOperation = paths["/v1/chat/completions"]["post"];
type ChatRequestBody = ChatOperation["requestBody"]["content"]["application/json"];
type ChatResponseBody = ChatOperation["responses"][200]["content"]["application/json"];

export const request: ChatRequestBody = {
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "Answer in one short sentence." },
    { role: "user", content: [{ type: "text", text: "Say hello in French." }] },
    { role: "assistant", content: "Bonjour !" },
    { role: "user", content: "And in Spanish?" },
  ],
  temperature: 0.2,
  max_tokens: 64,
  stream: false,
};

export function readAnswer(completion: ChatResponseBody): { text: string; totalTokens: number } {
  const content: string | null | undefined = completion.choices[0].message.content;
  const totalTokens: number | undefined = completion.usage?.total_tokens;
  return { text: content ?? "", totalTokens: totalTokens ?? 0 };
}

export const answer = readAnswer({
  id: "chatcmpl-123",
  object: "chat.completion",
  created: 1694268190,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "¡Hola!" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 19, completion_tokens: 3, total_tokens: 22 },
});

// The types are precise, not `any`: each line below must be rejected.
export const sameRequest: CreateChatCompletionRequest = request;
export const sameResponse: ChatCompletion = {} as ChatResponseBody;
// @ts-expect-error model is required
export const noModel: CreateChatCompletionRequest = { messages: [] };
// @ts-expect-error a message's role is one of the declared roles
export const badRole: CreateChatCompletionRequest = { model: "m", messages: [{ role: "wizard", content: "?" }] };
// @ts-expect-error total_tokens is a number
export const tokensAsText: string = ({} as ChatCompletion).usage!.total_tokens;
// @ts-expect-error content may be null: it must be checked before use as a string
export const unchecked: string = ({} as ChatCompletion).choices[0].message.content;
