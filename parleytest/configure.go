package parleytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/parleychat/parley/server/configapi"
)

// Configure calls the Configuration API's action as the demo agent (the
// license's owner) and returns the response body. A status other than
// 200 fails the test.
func (s *Server) Configure(t testing.TB, action string, body any) json.RawMessage {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("parleytest: %s: %v", action, err)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+configapi.Prefix+action, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parleytest: %s: %v", action, err)
	}
	req.Header.Set("Authorization", "Bearer "+s.AgentToken(t, s.AgentEmail))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("parleytest: %s: %v", action, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("parleytest: %s: %v", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("parleytest: %s: HTTP %d %s", action, resp.StatusCode, out)
	}
	return out
}
