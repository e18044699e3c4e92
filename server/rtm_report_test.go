package server_test

import (
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// TestGetReportWire: get_report's answer on the wire (empty lists as [],
// every day listed), and the requests it refuses with validation, the
// connection staying usable. The numbers are tested in server/chat.
func TestGetReportWire(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	zero := `{"chats":0,"answered":0,"closed":0,"first_response":{"count":0,"median":0,"p90":0},` +
		`"resolution":{"count":0,"median":0,"p90":0},"ratings":{"good":0,"bad":0}}`
	f := ag.ok(protocol.ActionGetReport, obj{"from": "2024-02-28", "to": "2024-03-01"})
	wantJSON(t, "get_report of days without chats", f.Payload, `{"from":"2024-02-28","to":"2024-03-01",`+
		`"days":[{"date":"2024-02-28","chats":0},{"date":"2024-02-29","chats":0},{"date":"2024-03-01","chats":0}],`+
		`"total":`+zero+`,"agents":[],"groups":[],"comments":[]}`)

	for _, bad := range []obj{
		{},
		{"from": "2024-03-01"},
		{"from": "2024-02-30", "to": "2024-03-01"},
		{"from": "2024-03-01T00:00:00Z", "to": "2024-03-01"},
		{"from": "2024-03-02", "to": "2024-03-01"},
		{"from": "2023-01-01", "to": "2024-01-02"}, // 367 days
		{"from": 20240301, "to": "2024-03-01"},
		{"from": "2024-03-01", "to": "2024-03-01", "group_id": "1"},
		{"from": "2024-03-01", "to": "2024-03-01", "agent_id": 7},
	} {
		if e := ag.fail(protocol.ActionGetReport, bad); e.Type != protocol.ErrValidation {
			t.Errorf("get_report %v: %+v, want validation", bad, e)
		}
	}
	ag.ok(protocol.ActionGetReport, obj{"from": "2023-01-01", "to": "2024-01-01"}) // 366 days
}
