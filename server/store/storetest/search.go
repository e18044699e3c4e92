package storetest

import (
	"reflect"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// searchChat stores a chat of groups whose only member is the customer,
// with events (given Type, AuthorID and Text or File), each a second
// after the last; it returns the chat id and the event ids.
func (e *env) searchChat(licenseID int, groups []int, events ...chat.Event) (string, []string) {
	e.t.Helper()
	return e.customerChat(licenseID, customer, groups, events...)
}

// customerChat is searchChat for a chat of customerID.
func (e *env) customerChat(licenseID int, customerID string, groups []int, events ...chat.Event) (string, []string) {
	e.t.Helper()
	chatID := id("chat")
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = id("event")
		events[i].ID, events[i].ChatID, events[i].CreatedAt = ids[i], chatID, e.now()
	}
	_, _, err := e.s.CreateChat(e.ctx, chat.NewChat{
		Chat: chat.Chat{ID: chatID, LicenseID: licenseID, CustomerID: customerID, GroupIDs: groups,
			Users: []chat.User{{ID: customerID, Type: chat.UserCustomer}}, CreatedAt: events[0].CreatedAt},
		Thread: chat.Thread{ID: id("thread"), CreatedAt: events[0].CreatedAt},
		Events: events,
	})
	e.must(err, "CreateChat")
	return chatID, ids
}

func msgBy(author, text string) chat.Event {
	return chat.Event{Type: chat.EventMessage, AuthorID: author, Text: text}
}

// testSearchChats: SearchChats finds the chats with an event holding
// every term (the last as a prefix when asked) in message texts and file names,
// newest match first, with the matching event ids newest first; it keeps
// to the license and the access filter, pages, folds case, and reads no
// term as query syntax.
func testSearchChats(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	e.must(e.s.PutLicense(e.ctx, chat.License{ID: 2, Name: "other", CreatedAt: base}), "PutLicense 2")

	// A (group 1): two messages and a file that match, one that does not; closed.
	aChat, aEv := e.searchChat(license, []int{1},
		msgBy(customer, "Hello, my Invoice is wrong"),
		msgBy(agent, "Your invoice number, please?"),
		chat.Event{Type: chat.EventFile, AuthorID: customer, File: &chat.File{Name: "receipt-march.pdf",
			URL: "https://example.com/receipt-march.pdf", ContentType: "application/pdf", Size: 10}},
		msgBy(customer, "Thanks"))
	e.close(aChat)
	// B (group 2): the newest match.
	bChat, bEv := e.searchChat(license, []int{2}, msgBy(customer, "Café crème please"), msgBy(customer, "Two invoices attached"))
	// C: another license; D: a system message only (not searched).
	e.searchChat(2, nil, msgBy(customer, "invoice"))
	e.searchChat(license, nil, chat.Event{Type: chat.EventSystemMessage, Text: "invoice", SystemMessageType: "routing.idle"})

	// E (group 5): markup, a line break and a NUL in a message.
	eChat, _ := e.searchChat(license, []int{5}, msgBy(customer, "Tracking:\nsecond <b>bold</b> & \"quoted\" x\x00y"))

	search := func(terms []string, access *chat.ChatAccess, offset, limit int) []chat.SearchHit {
		t.Helper()
		hits, err := e.s.SearchChats(e.ctx, chat.SearchQuery{LicenseID: license, Terms: terms, Prefix: true, Access: access, Offset: offset, Limit: limit})
		e.must(err, "SearchChats")
		return hits
	}
	chats := func(hits []chat.SearchHit) []string {
		out := []string{}
		for _, h := range hits {
			out = append(out, h.ChatID)
		}
		return out
	}
	check := func(name string, got []chat.SearchHit, want ...string) {
		t.Helper()
		if want == nil {
			want = []string{}
		}
		if g := chats(got); !reflect.DeepEqual(g, want) {
			t.Errorf("%s: got chats %v, want %v", name, g, want)
		}
	}

	hits := search([]string{"invoice"}, nil, 0, 10)
	check("invoice", hits, bChat, aChat)
	if len(hits) == 2 {
		if h := hits[1]; !reflect.DeepEqual(h.EventIDs, []string{aEv[1], aEv[0]}) || h.EventID != aEv[1] ||
			h.Text != "Your invoice number, please?" || h.At.IsZero() || h.ThreadID == "" || h.CustomerID != customer {
			t.Errorf("invoice: hit of A %+v, want events %v, the newest's text", h, []string{aEv[1], aEv[0]})
		}
		if h := hits[0]; !reflect.DeepEqual(h.EventIDs, []string{bEv[1]}) || h.Text != "Two invoices attached" {
			t.Errorf("invoice: hit of B %+v, want event %s", h, bEv[1])
		}
	}
	check("invoice wrong", search([]string{"invoice", "wrong"}, nil, 0, 10), aChat)
	check("a term but the last is a whole word", search([]string{"invoic", "wrong"}, nil, 0, 10))
	check("hello (case)", search([]string{"hello"}, nil, 0, 10), aChat)
	check("café", search([]string{"café"}, nil, 0, 10), bChat)
	hits = search([]string{"march"}, nil, 0, 10)
	check("file name", hits, aChat)
	if len(hits) == 1 && (hits[0].EventID != aEv[2] || hits[0].Text != "receipt-march.pdf") {
		t.Errorf("file name: hit %+v, want the file event and its name", hits[0])
	}
	check("no match", search([]string{"refund"}, nil, 0, 10))
	hits, err := e.s.SearchChats(e.ctx, chat.SearchQuery{LicenseID: license, Terms: []string{"invoic"}, Limit: 10})
	e.must(err, "SearchChats without a prefix")
	check("the last term a whole word", hits)
	hits, err = e.s.SearchChats(e.ctx, chat.SearchQuery{LicenseID: license, Terms: []string{"invoices"}, Limit: 10})
	e.must(err, "SearchChats without a prefix")
	check("the last term a whole word", hits, bChat)
	check("after a line break", search([]string{"second"}, nil, 0, 10), eChat)
	check("in markup", search([]string{"bold"}, nil, 0, 10), eChat)
	check("quoted", search([]string{"quoted"}, nil, 0, 10), eChat)

	// Pages.
	check("page 1", search([]string{"invoice"}, nil, 0, 1), bChat)
	check("page 2", search([]string{"invoice"}, nil, 1, 1), aChat)
	check("page 3", search([]string{"invoice"}, nil, 2, 1))

	// Access: by group, group 0, and membership.
	check("group 1", search([]string{"invoice"}, &chat.ChatAccess{GroupIDs: []int{1}}, 0, 10), aChat)
	check("group 0", search([]string{"invoice"}, &chat.ChatAccess{GroupIDs: []int{0}}, 0, 10))
	check("no access", search([]string{"invoice"}, &chat.ChatAccess{}, 0, 10))
	e.must(e.s.AddChatUser(e.ctx, bChat, chat.User{ID: agent, Type: chat.UserAgent}), "AddChatUser")
	check("member", search([]string{"invoice"}, &chat.ChatAccess{GroupIDs: []int{3}, MemberID: agent}, 0, 10), bChat)

	// Words of the backends' query syntax are words; quotes are not syntax.
	for _, terms := range [][]string{{"and"}, {"or", "not"}, {"near"}, {`a"b`}, {"a'b"}, {`\`}, {"*"}, {"invoice", "and"}} {
		check("syntax "+terms[0], search(terms, nil, 0, 10))
	}
	check("no terms", search(nil, nil, 0, 10))
}

// testSearchCustomers: SearchChats also finds every chat whose customer's
// name and e-mail address together hold every term (an address's parts
// are words), flagged ByCustomer: a chat found that way only carries the
// customer's name and address as its text and its last activity as its
// time, and takes its place among the others by that time; a chat found by
// an event as well keeps the event. A changed name or address is found at
// once, and the old one no more. The license and the access filter hold.
func testSearchCustomers(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	e.must(e.s.PutLicense(e.ctx, chat.License{ID: 2, Name: "other", CreatedAt: base}), "PutLicense 2")
	for _, c := range []chat.Customer{
		{LicenseID: license, ID: "cu-ann", Name: "Ann Weber", Email: "ann.weber@shop.example", CreatedAt: base},
		{LicenseID: license, ID: "cu-bob", Name: "Bob", Email: "bob@post.example", CreatedAt: base},
		{LicenseID: 2, ID: "cu-ann2", Name: "Ann Other", CreatedAt: base},
	} {
		e.must(e.s.CreateCustomer(e.ctx, c), "CreateCustomer "+c.ID)
	}
	// Times: X, then Z, then Y, then X's second message, then W.
	xChat, _ := e.customerChat(license, "cu-ann", []int{1}, msgBy("cu-ann", "Hello there"))
	zChat, zEv := e.customerChat(license, "cu-bob", []int{2}, msgBy("cu-bob", "Ann told me to write"))
	yChat, _ := e.customerChat(license, "cu-ann", []int{2}, msgBy("cu-ann", "Another question"))
	x2 := e.append(chat.AppendOrOpen, chat.Event{ID: id("event"), ChatID: xChat, Type: chat.EventMessage, AuthorID: "cu-ann",
		Text: "Ann again", CreatedAt: e.now()}).Event
	e.customerChat(2, "cu-ann2", nil, msgBy("cu-ann2", "hi"))

	search := func(terms []string, access *chat.ChatAccess) []chat.SearchHit {
		t.Helper()
		hits, err := e.s.SearchChats(e.ctx, chat.SearchQuery{LicenseID: license, Terms: terms, Prefix: true, Access: access, Limit: 10})
		e.must(err, "SearchChats")
		return hits
	}
	type got struct {
		chat, event string
		byCustomer  bool
	}
	check := func(name string, hits []chat.SearchHit, want ...got) {
		t.Helper()
		var g []got
		for _, h := range hits {
			g = append(g, got{h.ChatID, h.EventID, h.ByCustomer})
		}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("%s: got %+v, want %+v", name, g, want)
		}
	}

	hits := search([]string{"ann"}, nil)
	// X: its newest event matches, and its customer; Y: its customer only,
	// at its last activity; Z: an event of Bob's chat.
	check("ann", hits, got{xChat, x2.ID, true}, got{yChat, "", true}, got{zChat, zEv[0], false})
	if len(hits) == 3 {
		y := hits[1]
		if y.Text != "Ann Weber · ann.weber@shop.example" || y.ThreadID != "" || len(y.EventIDs) != 0 || y.At.IsZero() ||
			y.CustomerID != "cu-ann" || y.CustomerName != "Ann Weber" {
			t.Errorf("ann: the hit found by its customer only: %+v", y)
		}
		if x := hits[0]; x.Text != "Ann again" || !reflect.DeepEqual(x.EventIDs, []string{x2.ID}) {
			t.Errorf("ann: the hit found by its event and customer: %+v", x)
		}
		if !y.At.After(hits[2].At) || !hits[0].At.After(y.At) {
			t.Errorf("ann: times %v, %v, %v, want newest first", hits[0].At, y.At, hits[2].At)
		}
	}
	check("an address's parts", search([]string{"weber", "shop", "exam"}, nil), got{xChat, "", true}, got{yChat, "", true})
	check("name and address", search([]string{"ann", "example"}, nil), got{xChat, "", true}, got{yChat, "", true})
	check("a word of the customer, another of an event", search([]string{"bob", "ann"}, nil))
	check("the customer's words only with an event's", search([]string{"hello", "weber"}, nil))
	check("the address in full", search([]string{"bob", "post", "example"}, nil), got{zChat, "", true})
	check("access", search([]string{"weber"}, &chat.ChatAccess{GroupIDs: []int{2}}), got{yChat, "", true})

	_, err := e.s.UpdateCustomer(e.ctx, license, "cu-bob", chat.CustomerUpdate{Email: ptr("robert@mail.example")})
	e.must(err, "UpdateCustomer")
	check("a new address", search([]string{"robert"}, nil), got{zChat, "", true})
	check("the old address", search([]string{"post"}, nil))

	// An anonymous customer (as a new visitor is) is found once it gives
	// a name, and by its new name only after a change.
	e.must(e.s.CreateCustomer(e.ctx, chat.Customer{LicenseID: license, ID: "cu-anon", CreatedAt: base}), "CreateCustomer cu-anon")
	anonChat, _ := e.customerChat(license, "cu-anon", []int{1}, msgBy("cu-anon", "Hi"))
	check("an anonymous customer", search([]string{"zoe"}, nil))
	_, err = e.s.UpdateCustomer(e.ctx, license, "cu-anon", chat.CustomerUpdate{Name: ptr("Zoe Quill")})
	e.must(err, "UpdateCustomer cu-anon")
	check("the anonymous customer's new name", search([]string{"zoe"}, nil), got{anonChat, "", true})
	_, err = e.s.UpdateCustomer(e.ctx, license, "cu-anon", chat.CustomerUpdate{Name: ptr("Zoe Hart")})
	e.must(err, "UpdateCustomer cu-anon again")
	check("the name after a change", search([]string{"hart"}, nil), got{anonChat, "", true})
	check("the name before the change", search([]string{"quill"}, nil))
}

func ptr[T any](v T) *T { return &v }
