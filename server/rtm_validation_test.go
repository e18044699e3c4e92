package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// badCustomerData is customer data every action that takes it refuses.
var badCustomerData = []struct {
	name     string
	customer obj // login's customer, update_customer's payload
}{
	{"name too long", obj{"name": strings.Repeat("n", chat.MaxCustomerNameBytes+1)}},
	{"email too long", obj{"email": strings.Repeat("e", chat.MaxCustomerNameBytes+1)}},
	{"too many fields", obj{"fields": manyFields(chat.MaxCustomerFields + 1)}},
	{"field value too long", obj{"fields": obj{"plan": strings.Repeat("v", chat.MaxFieldValueBytes+1)}}},
	{"field name too long", obj{"fields": obj{strings.Repeat("k", chat.MaxFieldNameBytes+1): "v"}}},
	{"avatar over http", obj{"avatar": "http://cdn.example.com/me.png"}},
	{"avatar javascript:", obj{"avatar": "javascript:alert(1)"}},
	{"avatar data:", obj{"avatar": "data:image/svg+xml,<svg onload=alert(1)>"}},
	{"avatar too long", obj{"avatar": "https://cdn.example.com/" + strings.Repeat("a", chat.MaxURLBytes)}},
}

func manyFields(n int) obj {
	f := obj{}
	for i := range n {
		f[fmt.Sprint("f", i)] = "v"
	}
	return f
}

// TestCustomerDataChecks: login's customer object, customer_page and
// referrer get the checks of update_customer and update_customer_page.
// Before, a login stored a name of any length, any number of fields of any
// size, a javascript: page URL and an avatar of any scheme.
func TestCustomerDataChecks(t *testing.T) {
	srv := parleytest.NewServer(t)
	ctx := context.Background()
	logins := []struct {
		name    string
		payload obj
	}{
		{"page javascript:", obj{"customer_page": obj{"url": "javascript:alert(1)", "title": "x"}}},
		{"page title too long", obj{"customer_page": obj{"url": "https://shop.example.com/", "title": strings.Repeat("t", chat.MaxPageTitleBytes+1)}}},
		{"referrer javascript:", obj{"referrer": "javascript:alert(1)"}},
	}
	for _, b := range badCustomerData {
		logins = append(logins, struct {
			name    string
			payload obj
		}{b.name, obj{"customer": b.customer}})
	}
	for _, l := range logins {
		t.Run("login/"+l.name, func(t *testing.T) {
			id := newCustomerID()
			c := dial(t, "customer", customerURL(srv), "customer")
			p := obj{"token": "Bearer " + srv.CustomerToken(t, id)}
			for k, v := range l.payload {
				p[k] = v
			}
			if e := c.fail(protocol.ActionLogin, p); e.Type != protocol.ErrValidation {
				t.Errorf("login with %s: %+v, want validation", l.name, e)
			}
			if _, err := srv.Store().Customer(ctx, srv.License, id); !errors.Is(err, chat.ErrNotFound) {
				t.Errorf("login with %s stored the customer: %v", l.name, err)
			}
			// The connection stays usable.
			c.login(srv.CustomerToken(t, id))
		})
	}

	c, id := newCustomer(t, srv)
	for _, b := range badCustomerData {
		if e := c.fail(protocol.ActionUpdateCustomer, b.customer); e.Type != protocol.ErrValidation {
			t.Errorf("update_customer with %s: %+v, want validation", b.name, e)
		}
	}
	if e := c.fail(protocol.ActionUpdateCustomerPage, obj{"url": "javascript:alert(1)", "title": "x"}); e.Type != protocol.ErrValidation {
		t.Errorf("update_customer_page javascript: %+v, want validation", e)
	}
	good := obj{"name": "Carla", "avatar": "https://cdn.example.com/carla.png", "fields": obj{"plan": strings.Repeat("p", chat.MaxFieldValueBytes)}}
	c.ok(protocol.ActionUpdateCustomer, good)
	c.ok(protocol.ActionUpdateCustomer, obj{"avatar": ""})
	c2 := dial(t, "customer again", customerURL(srv), "customer")
	c2.ok(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, id), "customer": good,
		"customer_page": obj{"url": "https://shop.example.com/", "title": "Shop"}, "referrer": "https://search.example.com/"})
	cu, err := srv.Store().Customer(ctx, srv.License, id)
	if err != nil || cu.Avatar != "https://cdn.example.com/carla.png" || cu.Page == nil || cu.Page.URL != "https://shop.example.com/" {
		t.Errorf("customer after a good login: %+v, %v", cu, err)
	}
}

// TestCustomerFieldsBound: a customer's fields stay within
// MaxCustomerFields over many updates. Before, each set_customer_fields
// could add 100 more.
func TestCustomerFieldsBound(t *testing.T) {
	srv := parleytest.NewServer(t)
	c, id := newCustomer(t, srv)
	c.ok(protocol.ActionSetCustomerFields, obj{"fields": manyFields(chat.MaxCustomerFields)})
	if e := c.fail(protocol.ActionSetCustomerFields, obj{"fields": obj{"one_more": "v"}}); e.Type != protocol.ErrValidation {
		t.Errorf("a field beyond the limit: %+v, want validation", e)
	}
	c.ok(protocol.ActionSetCustomerFields, obj{"fields": obj{"f0": "changed"}})
	c2 := dial(t, "customer again", customerURL(srv), "customer")
	if e := c2.fail(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, id), "customer": obj{"fields": obj{"one_more": "v"}}}); e.Type != protocol.ErrValidation {
		t.Errorf("login adding a field beyond the limit: %+v, want validation", e)
	}
	cu, err := srv.Store().Customer(context.Background(), srv.License, id)
	if err != nil || len(cu.Fields) != chat.MaxCustomerFields || cu.Fields["f0"] != "changed" {
		t.Errorf("customer has %d fields (f0 %q), %v; want %d", len(cu.Fields), cu.Fields["f0"], err, chat.MaxCustomerFields)
	}
}

// TestPostbackNamesAButton: a postback must name a button of a rich
// message of the chat. Before, any event id of the chat and any postback
// id were recorded and pushed to the agents.
func TestPostbackNamesAButton(t *testing.T) {
	srv := parleytest.NewServer(t)
	c, _ := newCustomer(t, srv)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	ct := c.startChat("hi")
	chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
	ag.assigned(chatID)
	rich := obj{"type": "rich_message", "template_id": "quick_replies", "elements": []any{
		obj{"title": "Happy?", "buttons": []any{obj{"text": "Yes", "postback_id": "pb-yes"}, obj{"text": "No", "postback_id": "pb-no"}}},
	}}
	var rm, msg wIncomingEvent
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": rich})
	c.waitPushInto(&rm, protocol.PushIncomingEvent, forChat(chatID), func(f frame) bool { return strings.Contains(string(f.Payload), "rich_message") })
	msg = c.sendMessage(chatID, "a plain message")

	postback := func(eventID, id string) obj {
		return obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "postback": obj{"id": id, "toggled": true}}
	}
	for _, bad := range []struct {
		what    string
		payload obj
		want    string
	}{
		{"a postback id no button has", postback(rm.Event.ID, "pb-maybe"), protocol.ErrValidation},
		{"an empty postback id", postback(rm.Event.ID, ""), protocol.ErrValidation},
		{"a message, not a rich message", postback(msg.Event.ID, "pb-yes"), protocol.ErrValidation},
		{"an event of no thread of the chat", postback("NOPE", "pb-yes"), protocol.ErrNotFound},
	} {
		if e := c.fail(protocol.ActionSendRichMessagePostback, bad.payload); e.Type != bad.want {
			t.Errorf("postback to %s: %+v, want %s", bad.what, e, bad.want)
		}
	}
	ag.noPush(protocol.PushIncomingRichMessagePostback)
	c.ok(protocol.ActionSendRichMessagePostback, postback(rm.Event.ID, "pb-no"))
	ag.waitPush(protocol.PushIncomingRichMessagePostback, forChat(chatID))
}

// TestUploadStripsBidi: the bidirectional controls of an upload's name
// are dropped, so "invoice\u202Efdp.exe" cannot pass for a PDF.
func TestUploadStripsBidi(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	c, _ := newCustomer(t, srv)
	chatID := c.startChat("send it").Chat.ID
	ag.assigned(chatID)
	resp := agentUpload(t, srv, srv.AgentToken(t, parleytest.AgentEmail), chatID, "in\u2067voice\u202Efdp.exe\u200F", []byte("MZ"))
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: %s %s", resp.Status, b)
	}
	var ie struct {
		Event struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"event"`
	}
	f := c.waitPush(protocol.PushIncomingEvent, forChat(chatID), func(f frame) bool { return strings.Contains(string(f.Payload), `"file"`) })
	if err := json.Unmarshal(f.Payload, &ie); err != nil {
		t.Fatal(err)
	}
	if ie.Event.Name != "invoicefdp.exe" || !strings.HasSuffix(ie.Event.URL, "/invoicefdp.exe") {
		t.Errorf("file event name %q, url %q; want invoicefdp.exe", ie.Event.Name, ie.Event.URL)
	}
}
