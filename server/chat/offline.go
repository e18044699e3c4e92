package chat

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
)

// This file holds offline messages: what a customer leaves in the
// offline form (get_form type "offline") while every group of its widget
// is offline. Such a message is an ordinary chat whose first thread
// begins with a filled_form event of the form OfflineFormID (and, as a
// rule, a message event with the same text); StartChat marks it with the
// chat property parley.offline_message, and keeps the e-mail address of
// the form in parley.offline_email. Agents find these chats by the
// property ("Offline messages" in the console). The chat waits in the
// queue like any other, so the first agent to come online is given it.
//
// When a Mailer is configured, each message an agent sends into such a
// chat is also mailed to that address when the customer is not connected
// at that moment (Presence): the customer who left an offline message has,
// as a rule, left the page, and one who is connected reads the answer in
// the chat.

// OfflineFormID is the form_id of the offline form and of the filled_form
// events made with it.
const OfflineFormID = "offline"

// The fields of the offline form, by id.
const (
	OfflineFieldName    = "name"
	OfflineFieldEmail   = "email"
	OfflineFieldMessage = "message"
)

// The chat properties of an offline message.
const (
	PropertyNamespace     = "parley"
	PropertyOfflineMsg    = "offline_message"
	PropertyOfflineEmail  = "offline_email"
	maxOfflineEmailLength = 254
)

// Mailer sends mail. server/mail.SMTP is the one Parley has.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// Presence tells whether a customer is connected. server/internal/session's
// Hub is the one Parley has: it knows the connections of its own process
// and asks the other processes of a cluster through the broker.
type Presence interface {
	// CustomerConnected reports whether the customer has a logged-in
	// connection now, on any process. It may wait a short while for other
	// processes to answer, up to ctx; when it cannot tell it reports
	// false.
	CustomerConnected(ctx context.Context, licenseID int, customerID string) bool
}

// Mail is one plain-text message.
type Mail struct {
	To, Subject, Body string
}

// filledField is one answer of a filled_form event, in LiveChat's shape.
type filledField struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Answer any    `json:"answer"`
}

// offlineForm reads the answers of an offline form among events: the
// e-mail address (required, valid), ok false when no event is one.
func offlineForm(events []Event) (email string, ok bool, err error) {
	for _, e := range events {
		if e.Type != EventFilledForm || e.FormID != OfflineFormID {
			continue
		}
		var fields []filledField
		if err := json.Unmarshal(e.Fields, &fields); err != nil {
			return "", false, invalid("filled_form fields must be a list of {id, type, answer}")
		}
		for _, f := range fields {
			if f.ID == OfflineFieldEmail {
				email, _ = f.Answer.(string)
			}
		}
		email = strings.TrimSpace(email)
		if !plainAddress(email) || len(email) > maxOfflineEmailLength {
			return "", false, invalid("the offline form needs a valid e-mail address")
		}
		return email, true, nil
	}
	return "", false, nil
}

// markOffline returns the properties of a new chat: props without the
// namespace parley, which only the server sets, and with the offline
// message's properties when offline.
func markOffline(props Properties, email string, offline bool) Properties {
	if _, ok := props[PropertyNamespace]; !ok && !offline {
		return props
	}
	out := Properties{}
	for ns, m := range props {
		if ns != PropertyNamespace {
			out[ns] = m
		}
	}
	if offline {
		out[PropertyNamespace] = map[string]any{PropertyOfflineMsg: true, PropertyOfflineEmail: email}
	}
	return out
}

// IsOfflineMessage reports whether c was left in the offline form, and
// the e-mail address given there.
func IsOfflineMessage(c Chat) (email string, ok bool) {
	ns := c.Properties[PropertyNamespace]
	if v, _ := ns[PropertyOfflineMsg].(bool); !v {
		return "", false
	}
	email, _ = ns[PropertyOfflineEmail].(string)
	return email, true
}

// mailAnswer mails an agent's message in an offline message's chat to
// the address of the form, when a Mailer is configured and the customer is
// not connected (Presence; without one, always). The caller holds the
// chat's lock: what is slow (the presence check, the store reads of the
// agent's and the license's names, the mail server) runs after it, on a
// goroutine of the Service's mailings.
func (s *Service) mailAnswer(c Chat, e Event) {
	email, ok := IsOfflineMessage(c)
	if !ok || s.mailer == nil || e.Type != EventMessage || email == "" {
		return
	}
	licenseID, chatID, customerID, agentID, text := c.LicenseID, c.ID, c.CustomerID, e.AuthorID, e.Text
	s.mailings.run(func(ctx context.Context) {
		if s.presence != nil && s.presence.CustomerConnected(ctx, licenseID, customerID) {
			s.log.Debug("an answer to an offline message is not mailed: the customer is connected", "chat_id", chatID)
			return
		}
		name := "Our team"
		if m, err := s.member(ctx, licenseID, User{ID: agentID, Type: UserAgent}); err == nil && m.Name != "" {
			name = m.Name
		}
		l, _ := s.license(ctx, licenseID, s.now())
		subject := "Re: your message"
		if l.Name != "" {
			subject += " to " + l.Name
		}
		body := name + " wrote:\n\n" + text + "\n"
		if err := s.mailer.Send(ctx, Mail{To: email, Subject: subject, Body: body}); err != nil {
			s.log.Error("mail the answer to an offline message", "chat_id", chatID, "err", err)
		}
	})
}

// mailings runs the Service's mails, each on a goroutine of its own, until
// stop: stop cancels the context of those under way and waits for them;
// a mail after stop is not sent.
type mailings struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
}

func newMailings() *mailings {
	ctx, cancel := context.WithCancel(context.Background())
	return &mailings{ctx: ctx, cancel: cancel}
}

func (m *mailings) run(f func(ctx context.Context)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	m.wg.Go(func() { f(m.ctx) })
}

func (m *mailings) stop() {
	m.mu.Lock()
	m.stopped = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
}

// plainAddress reports whether s is a bare e-mail address, local@domain,
// as a mail server takes it in RCPT TO: one "@", a local part and a
// dotted domain of printable ASCII, no spaces, quotes, angle brackets,
// commas or display name. It is checked here rather than with net/mail,
// which the domain does not import (internal/layout), and is stricter
// than RFC 5322: no quoted local parts, no comments.
func plainAddress(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"<>(),;:[]\`, r) {
			return false
		}
	}
	return true
}
