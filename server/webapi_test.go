package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"github.com/parleychat/parley/parleytest"
)

// webClient calls the Customer Web API v3.5 as one customer.
type webClient struct {
	t     *testing.T
	srv   *parleytest.Server
	token string
}

// do posts body to action and returns the status and the decoded answer.
func (w webClient) do(action, contentType string, body io.Reader) (int, map[string]any) {
	w.t.Helper()
	u := w.srv.URL + "/v3.5/customer/action/" + action + "?" + url.Values{"organization_id": {w.srv.OrganizationID}}.Encode()
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		w.t.Fatalf("%s: answer %d %q is not a JSON object: %v", action, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, m
}

// call runs action with payload and returns its answer; any error fails
// the test.
func (w webClient) call(action string, payload any) map[string]any {
	w.t.Helper()
	b, _ := json.Marshal(payload)
	status, m := w.do(action, "application/json", bytes.NewReader(b))
	if status != http.StatusOK {
		w.t.Fatalf("%s %s: %d %v", action, b, status, m)
	}
	return m
}

// callInto runs action and decodes its answer into v.
func (w webClient) callInto(action string, payload, v any) {
	w.t.Helper()
	b, _ := json.Marshal(w.call(action, payload))
	if err := json.Unmarshal(b, v); err != nil {
		w.t.Fatalf("%s: %v", action, err)
	}
}

// fail runs action, which must fail with status and an error of type typ.
func (w webClient) fail(action string, payload any, status int, typ string) {
	w.t.Helper()
	var body io.Reader = http.NoBody
	if s, ok := payload.(string); ok {
		body = bytes.NewReader([]byte(s))
	} else if payload != nil {
		b, _ := json.Marshal(payload)
		body = bytes.NewReader(b)
	}
	got, m := w.do(action, "application/json", body)
	e, _ := m["error"].(map[string]any)
	if got != status || e == nil || e["type"] != typ || e["message"] == "" || len(m) != 1 {
		w.t.Errorf("%s: %d %v, want %d {\"error\":{\"type\":%q,\"message\":…}}", action, got, m, status, typ)
	}
}

// upload uploads content as the SDK 4 does and returns the URL.
func (w webClient) upload(name string, content []byte) string {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	status, m := w.do("upload_file", mw.FormDataContentType(), &body)
	u, _ := m["url"].(string)
	if status != http.StatusOK || u == "" || len(m) != 1 {
		w.t.Fatalf("upload_file: %d %v", status, m)
	}
	return u
}
