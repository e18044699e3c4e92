package configapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

type cannedOut struct {
	ID        int    `json:"id"`
	Shortcut  string `json:"shortcut"`
	Text      string `json:"text"`
	CreatedBy string `json:"created_by"`
	UpdatedAt int64  `json:"updated_at"`
}

// TestCannedResponses: managers create, update, list and delete the
// license's saved replies; shortcuts are checked and unique per license;
// a normal agent may not change them but lists them over the agent API.
func TestCannedResponses(t *testing.T) {
	e := newEnv(t)
	var ship, hi cannedOut
	e.ok(e.owner, "create_canned_response", map[string]any{"shortcut": "#shipping", "text": "We ship in 2 days."}, &ship)
	if ship.ID == 0 || ship.Shortcut != "shipping" || ship.CreatedBy != e.srv.AgentEmail || ship.UpdatedAt == 0 {
		t.Errorf("created: %+v", ship)
	}
	e.ok(e.admin, "create_canned_response", map[string]any{"shortcut": "hi", "text": "Hello 👋"}, &hi)

	// Validation and uniqueness.
	long := strings.Repeat("é", 2001)
	for name, body := range map[string]map[string]any{
		"no text":         {"shortcut": "x"},
		"no shortcut":     {"text": "x"},
		"upper case":      {"shortcut": "Ship", "text": "x"},
		"space":           {"shortcut": "a b", "text": "x"},
		"too long":        {"shortcut": strings.Repeat("a", 33), "text": "x"},
		"blank text":      {"shortcut": "blank", "text": "  \n"},
		"text too long":   {"shortcut": "long", "text": long},
		"taken":           {"shortcut": "shipping", "text": "again"},
		"shortcut number": {"shortcut": 5, "text": "x"},
	} {
		if msg := e.fails(e.owner, "create_canned_response", body, http.StatusBadRequest, protocol.ErrValidation); msg == "" {
			t.Errorf("%s: no message", name)
		}
	}
	e.ok(e.owner, "create_canned_response", map[string]any{"shortcut": "long", "text": long[:2000*2]}, nil) // 2,000 characters
	e.fails(e.owner, "update_canned_response", map[string]any{"id": hi.ID, "shortcut": "shipping"}, http.StatusBadRequest, protocol.ErrValidation)
	e.fails(e.owner, "update_canned_response", map[string]any{"id": 999999}, http.StatusNotFound, protocol.ErrNotFound)
	e.fails(e.owner, "update_canned_response", map[string]any{"text": "x"}, http.StatusBadRequest, protocol.ErrValidation)

	var upd cannedOut
	e.ok(e.admin, "update_canned_response", map[string]any{"id": ship.ID, "text": "Two days."}, &upd)
	if upd.ID != ship.ID || upd.Shortcut != "shipping" || upd.Text != "Two days." || upd.CreatedBy != e.srv.AgentEmail {
		t.Errorf("updated: %+v", upd)
	}

	// A normal agent may not change them, another license does not see them.
	e.fails(e.norm, "create_canned_response", map[string]any{"shortcut": "mine", "text": "x"}, http.StatusForbidden, protocol.ErrAuthorization)
	e.fails(e.norm, "delete_canned_response", map[string]any{"id": ship.ID}, http.StatusForbidden, protocol.ErrAuthorization)
	other, err := e.srv.IssueAgentToken(7, owner7)
	if err != nil {
		t.Fatal(err)
	}
	var list7 []cannedOut
	e.ok(other, "list_canned_responses", struct{}{}, &list7)
	if len(list7) != 0 {
		t.Errorf("license 7 lists %+v", list7)
	}
	e.fails(other, "delete_canned_response", map[string]any{"id": ship.ID}, http.StatusNotFound, protocol.ErrNotFound)
	e.fails(other, "update_canned_response", map[string]any{"id": ship.ID, "text": "x"}, http.StatusNotFound, protocol.ErrNotFound)
	e.ok(other, "create_canned_response", map[string]any{"shortcut": "shipping", "text": "Seven ships"}, nil) // per license

	var list []cannedOut
	e.ok(e.owner, "list_canned_responses", nil, &list)
	if len(list) != 3 || list[0].Shortcut != "hi" || list[1].Shortcut != "long" || list[2] != upd {
		t.Fatalf("list: %+v", list)
	}

	// Every agent of the license lists them over the agent API.
	c := e.connect(e.norm)
	req, _ := json.Marshal(map[string]any{"request_id": "2", "action": "list_canned_responses", "payload": map[string]any{}})
	if err := c.ws.Write(c.ctx, websocket.MessageText, req); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if f.Action != "list_canned_responses" {
			continue
		}
		var out struct {
			CannedResponses []cannedOut `json:"canned_responses"`
		}
		if f.Success == nil || !*f.Success || json.Unmarshal(f.Payload, &out) != nil || len(out.CannedResponses) != 3 || out.CannedResponses[2] != upd {
			t.Fatalf("list_canned_responses: %s", f.Payload)
		}
		break
	}

	e.ok(e.admin, "delete_canned_response", map[string]any{"id": hi.ID}, nil)
	e.fails(e.admin, "delete_canned_response", map[string]any{"id": hi.ID}, http.StatusNotFound, protocol.ErrNotFound)
	e.ok(e.owner, "list_canned_responses", nil, &list)
	if len(list) != 2 {
		t.Errorf("after delete: %+v", list)
	}
}

// TestCannedResponsesLimit: a license holds at most
// chat.MaxCannedResponses; changing one of them still works.
func TestCannedResponsesLimit(t *testing.T) {
	e := newEnv(t)
	ctx, st := context.Background(), e.srv.Store()
	var last chat.CannedResponse
	for i := range chat.MaxCannedResponses {
		var err error
		last, err = st.PutCannedResponse(ctx, chat.CannedResponse{LicenseID: e.srv.License, Shortcut: "r" + strconv.Itoa(i), Text: "x"})
		if err != nil {
			t.Fatal(err)
		}
	}
	e.fails(e.owner, "create_canned_response", map[string]any{"shortcut": "one-more", "text": "x"}, http.StatusBadRequest, protocol.ErrValidation)
	e.ok(e.owner, "update_canned_response", map[string]any{"id": last.ID, "text": "changed"}, nil)
}
