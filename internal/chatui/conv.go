package chatui

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/parleychat/parley/customer"
)

type itemKind int

const (
	kindMessage itemKind = iota
	kindFile
	kindSystem
	kindRich  // a rich message: cards, maybe with buttons
	kindOther // an event type this view only names
	kindNote  // said by this program, not stored in the chat
)

// sendState is the delivery state of the customer's own message.
type sendState int

const (
	stateNone    sendState = iota // not the customer's own send
	stateSending                  // on its way (also while reconnecting)
	stateSent                     // stored by the server
	stateFailed                   // refused or lost: /retry sends it again
)

// item is one line of a conversation: an event or a note. Every text
// field is already cleaned for the terminal.
type item struct {
	id, customID string
	thread       string
	author       string // user id; "" for notes
	kind         itemKind
	text         string
	ts           time.Time
	state        sendState
	failure      string // why a send failed
	warn         bool   // a note that reports a problem

	fileName, fileURL string
	fileSize          int64

	buttons []*button // of a rich message, card after card
}

func itemOf(e customer.Event) *item {
	it := &item{id: e.ID, customID: e.CustomID, thread: e.Thread, author: e.Author, ts: e.Timestamp}
	switch e.Type {
	case customer.EventMessage:
		it.kind, it.text = kindMessage, clean(e.Text, true)
	case customer.EventFile:
		it.kind = kindFile
		it.fileName, it.fileURL, it.fileSize = line(e.Name), line(e.URL), e.Size
	case customer.EventSystemMessage:
		it.kind, it.text = kindSystem, clean(e.Text, true)
	case customer.EventRichMessage:
		it.kind = kindRich
		it.text, it.buttons = richOf(e.Elements)
	case customer.EventFilledForm:
		it.kind, it.text = kindOther, "[filled a form]"
	default:
		it.kind, it.text = kindOther, "["+line(e.Type)+"]"
	}
	return it
}

func note(text string, warn bool) *item {
	return &item{kind: kindNote, text: text, ts: time.Now(), warn: warn}
}

// conv is one conversation: a chat (or a chat about to be started) and
// what this program has seen of it.
type conv struct {
	id       string // "" until the chat is started
	active   bool   // the chat has an active thread
	starting bool   // StartChat is on its way
	queue    []*item

	items    []*item
	byID     map[string]*item
	byCustom map[string]*item

	hist        *customer.History
	histDone    bool
	histLoading bool
	histErr     string

	typing   map[string]time.Time // agents typing, since when
	seenUpTo time.Time            // agents have seen the chat up to then

	rateAsk bool // closed by an agent: the customer is asked for a rating
	rated   bool // rated from this program
}

func newConv(id string, active bool) *conv {
	return &conv{id: id, active: active, byID: map[string]*item{}, byCustom: map[string]*item{}, typing: map[string]time.Time{}}
}

func (c *conv) index(it *item) {
	if it.id != "" {
		c.byID[it.id] = it
	}
	if it.customID != "" {
		c.byCustom[it.customID] = it
	}
}

// known returns the item that already stands for e, if any.
func (c *conv) known(e customer.Event) *item {
	if it := c.byID[e.ID]; e.ID != "" && it != nil {
		return it
	}
	if it := c.byCustom[e.CustomID]; e.CustomID != "" && it != nil {
		return it
	}
	return nil
}

// add appends a new event; an event already shown (the customer's own
// message coming back, a page of history overlapping live events) only
// completes its item. It reports whether anything changed.
func (c *conv) add(e customer.Event) bool {
	if it := c.known(e); it != nil {
		return c.complete(it, e)
	}
	it := itemOf(e)
	c.items = append(c.items, it)
	c.index(it)
	return true
}

// complete fills in what the server says of an item shown before.
func (c *conv) complete(it *item, e customer.Event) bool {
	if it.id != "" && it.state != stateSending && it.state != stateFailed {
		return false
	}
	it.id, it.thread = e.ID, e.Thread
	if !e.Timestamp.IsZero() {
		it.ts = e.Timestamp
	}
	if it.state == stateSending || it.state == stateFailed {
		it.state, it.failure = stateSent, ""
	}
	c.index(it)
	return true
}

// prepend puts a page of older events (oldest first) before the items,
// leaving out those shown already.
func (c *conv) prepend(evs []customer.Event) {
	var older []*item
	for _, e := range evs {
		if it := c.known(e); it != nil {
			c.complete(it, e)
			continue
		}
		it := itemOf(e)
		older = append(older, it)
		c.index(it)
	}
	c.items = append(older, c.items...)
}

func (c *conv) addNote(text string, warn bool) {
	c.items = append(c.items, note(text, warn))
}

// own adds the customer's own message, about to be sent.
func (c *conv) own(me, text string) *item {
	it := &item{customID: newCustomID(), author: me, kind: kindMessage, text: text, ts: time.Now(), state: stateSending}
	c.items = append(c.items, it)
	c.index(it)
	return it
}

// newCustomID makes the custom id that makes a send safe to retry.
func newCustomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "tui-" + hex.EncodeToString(b)
}

// humanSize formats a byte count.
func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
