// A Go program written against the client that openapi-generator (`-g go`) makes from the
// published spec, spec/dist/openapi.yaml. It calls a mock server that validates every request
// against the spec (Prism), records each request as it went on the wire, and prints a JSON
// report that tests/test_consumers.py checks against the spec's examples.
//
//	go run . <base URL> <image file>
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"relaykit.example/consumer/relaykit"
)

// Wire is one request as sent: the recorder keeps the bytes the client wrote.
type Wire struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	Body        []byte `json:"body"` // base64 in the report
}

type recorder struct {
	last   *Wire
	accept string // when set, the Accept header to send instead of the client's
	next   http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	r.last = &Wire{req.Method, req.URL.Path, req.Header.Get("Content-Type"), body}
	return r.next.RoundTrip(req)
}

// Call is what the report says of one call.
type Call struct {
	Status  int         `json:"status"`
	Error   string      `json:"error,omitempty"`
	Result  interface{} `json:"result,omitempty"`
	Request *Wire       `json:"request"`
}

func status(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	if apiErr, ok := err.(*relaykit.GenericOpenAPIError); ok {
		return apiErr.Error() + ": " + string(apiErr.Body())
	}
	return err.Error()
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: proof <base URL> <image file>")
		os.Exit(2)
	}
	baseURL, imagePath := os.Args[1], os.Args[2]
	rec := &recorder{next: http.DefaultTransport}
	cfg := relaykit.NewConfiguration()
	cfg.Servers = relaykit.ServerConfigurations{{URL: baseURL}}
	cfg.HTTPClient = &http.Client{Transport: rec}
	cfg.AddDefaultHeader("Authorization", "Bearer sk-go-consumer")
	client := relaykit.NewAPIClient(cfg)
	ctx := context.Background()
	report := map[string]Call{}

	// Chat completions: a JSON body with a oneOf message, a typed ChatCompletion back.
	text := "Say hello in French."
	user := relaykit.NewChatCompletionUserMessage("user", relaykit.ChatCompletionUserMessageContent{String: &text})
	messages := []relaykit.ChatCompletionRequestMessage{relaykit.ChatCompletionUserMessageAsChatCompletionRequestMessage(user)}
	chat := relaykit.NewCreateChatCompletionRequest("gpt-4o-mini", messages)
	completion, resp, err := client.ChatAPI.CreateChatCompletion(ctx).CreateChatCompletionRequest(*chat).Execute()
	call := Call{Status: status(resp), Error: errorText(err), Request: rec.last}
	if err == nil {
		call.Result = map[string]interface{}{"id": completion.GetId(), "object": completion.GetObject(), "choices": len(completion.GetChoices())}
	}
	report["chat"] = call

	// The same call without messages: the spec wants at least one, so the mock refuses it.
	empty := relaykit.NewCreateChatCompletionRequest("gpt-4o-mini", []relaykit.ChatCompletionRequestMessage{})
	_, resp, err = client.ChatAPI.CreateChatCompletion(ctx).CreateChatCompletionRequest(*empty).Execute()
	report["chat_invalid"] = Call{Status: status(resp), Error: errorText(err), Request: rec.last}

	// Image edit: a multipart body whose image field is an array of files.
	image, err := os.Open(imagePath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	images, resp, err := client.ImagesAPI.EditImage(ctx).Image([]*os.File{image}).Prompt("Add a party hat").Model("gpt-image-1").Execute()
	call = Call{Status: status(resp), Error: errorText(err), Request: rec.last}
	if err == nil {
		call.Result = map[string]interface{}{"created": images.GetCreated(), "data": len(images.GetData())}
	}
	report["edit"] = call

	// Text to speech: a JSON body, the audio bytes back. The Go client asks for JSON alone
	// whenever an operation can answer JSON (here, its error envelope); a gateway sends the
	// audio all the same, but Prism holds the client to its Accept header, so ask for audio.
	rec.accept = "audio/mpeg"
	voice := "alloy"
	speech := relaykit.NewCreateSpeechRequest("tts-1", "Hello there!", relaykit.CreateSpeechRequestVoice{String: &voice})
	audio, resp, err := client.AudioAPI.CreateSpeech(ctx).CreateSpeechRequest(*speech).Execute()
	call = Call{Status: status(resp), Error: errorText(err), Request: rec.last}
	if err == nil {
		content, readErr := io.ReadAll(audio)
		audio.Close()
		os.Remove(audio.Name())
		if readErr != nil {
			call.Error = readErr.Error()
		}
		call.Result = map[string]interface{}{"content_type": resp.Header.Get("Content-Type"), "body": content}
	}
	report["speech"] = call

	out, _ := json.MarshalIndent(report, "", "  ")
	fmt.Println(string(out))
}
