package server_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/mail"
)

// smtpSink is a small SMTP server on a local socket that keeps the
// messages it is given: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT.
type smtpSink struct {
	l    net.Listener
	mu   sync.Mutex
	got  []sunkMail
	news chan struct{}
}

// sunkMail is one message the sink was given.
type sunkMail struct {
	Auth, From, To, Data string
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{l: l, news: make(chan struct{}, 16)}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { _, _ = c.Write([]byte(line + "\r\n")) }
	say("220 sink ESMTP")
	var m sunkMail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO":
			say("250-sink")
			say("250 AUTH PLAIN")
		case "AUTH":
			f := strings.Fields(line)
			if len(f) == 3 {
				b, _ := base64.StdEncoding.DecodeString(f[2])
				m.Auth = string(b)
			}
			say("235 2.7.0 accepted")
		case "MAIL":
			m.From = line
			say("250 ok")
		case "RCPT":
			m.To = line
			say("250 ok")
		case "DATA":
			say("354 go on")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			m.Data = data.String()
			s.mu.Lock()
			s.got = append(s.got, m)
			s.mu.Unlock()
			s.news <- struct{}{}
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 not here")
		}
	}
}

// next waits for the next message.
func (s *smtpSink) next(t *testing.T) sunkMail {
	t.Helper()
	select {
	case <-s.news:
	case <-time.After(10 * time.Second):
		t.Fatal("no mail in 10 s")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got[len(s.got)-1]
}

// offlineEvents are the events of an offline message: the filled form
// and the message.
func offlineEvents(name, email, text string) []any {
	return []any{
		obj{"type": "filled_form", "form_id": "offline", "fields": []obj{
			{"type": "name", "id": "name", "label": "Name", "answer": name},
			{"type": "email", "id": "email", "label": "E-mail", "answer": email},
			{"type": "textarea", "id": "message", "label": "Message", "answer": text},
		}},
		message(text),
	}
}

// TestRTMOfflineMessage: with every group offline, get_form answers the
// offline form; its answers start a chat marked as an offline message,
// which agents find by its properties; an agent's answer in it is mailed
// to the address of the form through the SMTP server (a sink on a local
// socket) once the customer is gone, not while it is connected.
func TestRTMOfflineMessage(t *testing.T) {
	sink := newSMTPSink(t)
	m, err := mail.New("smtp://parley:secret@"+sink.l.Addr().String(), "Shop <help@shop.test>")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	srv := parleytest.NewServer(t, withDebugLogs(logs), func(c *server.Config) { c.Mailer = m })
	c := connectCustomer(t, srv, newCustomerID())

	var st protocol.GroupsStatusResponse
	c.okInto(protocol.ActionGetGroupsStatus, obj{"all": true}, &st)
	if st.GroupsStatus["0"] != "offline" {
		t.Fatalf("groups status %v, want group 0 offline", st.GroupsStatus)
	}
	var form struct {
		Enabled bool `json:"enabled"`
		Form    struct {
			ID     string `json:"id"`
			Fields []struct {
				ID       string `json:"id"`
				Type     string `json:"type"`
				Label    string `json:"label"`
				Required bool   `json:"required"`
			} `json:"fields"`
		} `json:"form"`
	}
	c.okInto(protocol.ActionGetForm, obj{"group_id": 0, "type": "offline"}, &form)
	var ids []string
	for _, f := range form.Form.Fields {
		ids = append(ids, f.ID+":"+f.Type)
		if f.Label == "" {
			t.Errorf("field %s without a label", f.ID)
		}
		if f.ID == "email" && !f.Required {
			t.Error("the e-mail is not required")
		}
	}
	if !form.Enabled || form.Form.ID != "offline" || !slices.Equal(ids, []string{"header:header", "name:name", "email:email", "message:textarea"}) {
		t.Errorf("offline form = %+v", form)
	}

	// Without a valid e-mail address: a validation error, no chat.
	for _, bad := range []string{"", "not an address", "Ann <ann@shop.test>"} {
		e := c.fail(protocol.ActionStartChat, obj{"chat": obj{"thread": obj{"events": offlineEvents("Ann", bad, "Hello?")}}})
		if e.Type != protocol.ErrValidation {
			t.Errorf("offline form with e-mail %q: %+v, want validation", bad, e)
		}
	}
	var sum wChatsSummary
	c.okInto(protocol.ActionGetChatsSummary, nil, &sum)
	if len(sum.ChatsSummary) != 0 {
		t.Fatalf("chats after refused forms: %+v", sum)
	}

	// The form's answers, with a forged mark of the server's: the chat is
	// marked with the form's address.
	var started protocol.StartChatResponse
	c.okInto(protocol.ActionStartChat, obj{"chat": obj{"properties": obj{"parley": obj{"offline_email": "victim@elsewhere.test"}},
		"thread": obj{"events": offlineEvents("Ann", "ann@shop.test", "Do you ship to Oslo?")}}}, &started)
	ch := started.Chat.ID

	ag := connectAgent(t, srv, parleytest.AgentEmail)
	type summary struct {
		ID         string                                `json:"id"`
		Properties map[string]map[string]json.RawMessage `json:"properties"`
	}
	var list struct {
		ChatsSummary []summary `json:"chats_summary"`
	}
	ag.okInto(protocol.ActionListChats, obj{"limit": 25}, &list)
	i := slices.IndexFunc(list.ChatsSummary, func(s summary) bool { return s.ID == ch })
	if i < 0 {
		t.Fatalf("list_chats without the offline message: %+v", list)
	}
	p := list.ChatsSummary[i].Properties["parley"]
	wantJSON(t, "offline_message", p["offline_message"], `{"value":true}`)
	wantJSON(t, "offline_email", p["offline_email"], `{"value":"ann@shop.test"}`)

	// The agent came online: the chat is given to it. Its answer reaches
	// the customer, who is connected, in the chat: it is not mailed.
	ag.assigned(ch)
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": ch, "event": message("Let me check.")})
	c.waitPush(protocol.PushIncomingEvent, forChat(ch))
	logs.wait(t, notMailed)

	// The customer leaves; the agent's next answer is mailed.
	c.close()
	waitNoCustomerConnections(t, srv)
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": ch, "event": message("Yes, we do: 2 days.")})
	got := sink.next(t)
	if got.Auth != "\x00parley\x00secret" || got.From != "MAIL FROM:<help@shop.test>" || got.To != "RCPT TO:<ann@shop.test>" {
		t.Errorf("SMTP envelope: %+v", got)
	}
	for _, want := range []string{"To: ann@shop.test\r\n", "From: Shop <help@shop.test>\r\n", "Subject: Re: your message", "Demo Agent wrote:\r\n\r\nYes, we do: 2 days.\r\n"} {
		if !strings.Contains(got.Data, want) {
			t.Errorf("mail lacks %q:\n%s", want, got.Data)
		}
	}
	sink.only(t, "Yes, we do: 2 days.")
}

// notMailed is what the server logs when it does not mail an answer to a
// connected customer.
const notMailed = "an answer to an offline message is not mailed: the customer is connected"

// withDebugLogs collects a server's JSON logs, debug records included.
func withDebugLogs(b *logBuffer) parleytest.Option {
	return parleytest.WithLogger(slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

// wait waits for a record whose message contains msg.
func (b *logBuffer) wait(t *testing.T, msg string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(b.records(msg)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not log %q", msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// only fails unless the sink got exactly one message, holding text. The
// decision to mail an answer is made before the next answer is sent, so a
// mail of an earlier answer would have come first.
func (s *smtpSink) only(t *testing.T, text string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.got) != 1 || !strings.Contains(s.got[0].Data, text) {
		var all []string
		for _, m := range s.got {
			all = append(all, m.Data)
		}
		t.Errorf("mailed %d messages, want only the one of %q:\n%s", len(s.got), text, strings.Join(all, "\n---\n"))
	}
}

// waitNoCustomerConnections waits until srv counts no customer connection
// (parley_rtm_connections on its admin /metrics): a connection's session
// has left its customer's topic before it stops counting.
func waitNoCustomerConnections(t *testing.T, srv *parleytest.Server) {
	t.Helper()
	const gauge = `parley_rtm_connections{role="customer"} 0`
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(srv.AdminURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(strings.Split(string(body), "\n"), gauge) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server still counts customer connections:\n%s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
