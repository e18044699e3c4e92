package chatui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/parleychat/parley/customer"
)

// summaryPage is how many chats one GetChatsSummary loads.
const summaryPage = customer.MaxChatsSummaryLimit

const inputPlaceholder = "Type a message, or /help"

// typingTimeout is how long a typing indicator stays without news.
const typingTimeout = 30 * time.Second

type screen int

const (
	listScreen screen = iota
	chatScreen
)

// row is a chat of the list.
type row struct {
	sum    customer.ChatSummary
	unread bool
}

// Model is the bubbletea model of the terminal chat. Make it with New; it
// handles the SDK's notifications once Subscribe feeds them to its
// program. Every SDK call runs in a tea.Cmd, never in Update.
type Model struct {
	ctx    context.Context // ends when the program quits
	cancel context.CancelFunc
	sdk    *customer.SDK
	opts   Options

	width, height int
	screen        screen

	me     string            // the customer's id
	names  map[string]string // user id → name, cleaned
	agents map[string]bool

	link link // the connection, for the status line

	status    string // the last outcome worth telling
	statusBad bool

	// The chat list.
	rows        []row
	total       int
	cursor      int
	listLoading bool
	listErr     string
	listLoaded  bool

	// The places in the queue of the chats that wait for an agent, by
	// chat id (QueuePositionUpdated), until an agent takes the chat.
	places map[string]customer.QueuePositionUpdated

	// The conversations seen so far, by chat id, and the one shown.
	convs  map[string]*conv
	conv   *conv
	starts int                     // StartChat calls on their way
	held   []customer.Notification // of chats not known yet, while a chat starts

	vp       viewport.Model
	input    textinput.Model
	bar      progress.Model
	upload   *upload
	lastPeek string

	btn    *item // the rich message whose button is selected, if any
	btnAt  int   // the selected button of btn
	rating *ratePrompt
}

// New returns the model of a chat over sdk. The SDK's calls it makes end
// with ctx.
func New(ctx context.Context, sdk *customer.SDK, o Options) *Model {
	ctx, cancel := context.WithCancel(ctx)
	in := textinput.New()
	in.Prompt = "> "
	in.Placeholder = inputPlaceholder
	in.CharLimit = 4000
	in.Cursor.SetMode(cursor.CursorStatic)
	vp := viewport.New(80, 20)
	vp.KeyMap = viewport.KeyMap{} // keys go to the input; the model scrolls
	vp.MouseWheelDelta = 3
	return &Model{
		ctx: ctx, cancel: cancel, sdk: sdk, opts: o,
		width: 80, height: 24,
		me:    sdk.CustomerID(),
		names: map[string]string{}, agents: map[string]bool{},
		link:  link{state: sdk.State()},
		convs: map[string]*conv{}, places: map[string]customer.QueuePositionUpdated{},
		vp: vp, input: in,
		bar:         progress.New(progress.WithDefaultGradient(), progress.WithWidth(30), progress.WithoutPercentage()),
		listLoading: true,
	}
}

// Init loads the chat list and starts the clock.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(loadSummary(m.ctx, m.sdk, 0), tickCmd())
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			return m, m.quit()
		}
		if m.screen == listScreen {
			return m, m.listKey(msg)
		}
		return m, m.chatKey(msg)
	case tea.MouseMsg:
		if m.screen != chatScreen {
			return m, nil
		}
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(msg)
		return m, tea.Batch(cmd, m.loadOlderAtTop())
	case notificationMsg:
		return m, m.notified(msg.n)
	case tickMsg:
		m.tick(time.Time(msg))
		return m, tickCmd()
	case postbackMsg:
		m.postbackDone(msg)
		return m, nil
	case summaryMsg:
		return m, m.summaryLoaded(msg)
	case historyMsg:
		return m, m.historyLoaded(msg)
	case startedMsg:
		return m, m.started(msg)
	case sentMsg:
		m.sent(msg)
		return m, nil
	case uploadProgressMsg:
		if msg.u == m.upload {
			return m, waitUpload(msg.u)
		}
		return m, nil
	case uploadDoneMsg:
		m.uploaded(msg)
		return m, nil
	case doneMsg:
		m.done(msg)
		return m, nil
	}
	return m, nil
}

func (m *Model) quit() tea.Cmd {
	if m.upload != nil {
		m.upload.cancel()
	}
	m.cancel()
	return tea.Quit
}

func (m *Model) say(text string, bad bool) {
	m.status, m.statusBad = text, bad
}

// ---- the chat list ----

func (m *Model) listKey(k tea.KeyMsg) tea.Cmd {
	switch k.String() {
	case "q":
		return m.quit()
	case "up", "k":
		if m.cursor > 0 {
			m.cursor--
		}
	case "down", "j":
		if m.cursor < len(m.rows)-1 {
			m.cursor++
		}
		if m.cursor >= len(m.rows)-1 && len(m.rows) < m.total && !m.listLoading {
			m.listLoading = true
			return loadSummary(m.ctx, m.sdk, len(m.rows))
		}
	case "r":
		return m.reloadList()
	case "n":
		return m.open(newConv("", false))
	case "enter":
		if m.cursor < len(m.rows) {
			r := &m.rows[m.cursor]
			r.unread = false
			c := m.convs[r.sum.ID]
			if c == nil {
				c = newConv(r.sum.ID, r.sum.Active)
				c.hist = m.sdk.GetChatHistory(r.sum.ID)
				m.convs[c.id] = c
			}
			return m.open(c)
		}
	}
	return nil
}

func (m *Model) reloadList() tea.Cmd {
	if m.listLoading {
		return nil
	}
	m.listLoading = true
	return loadSummary(m.ctx, m.sdk, 0)
}

func (m *Model) summaryLoaded(msg summaryMsg) tea.Cmd {
	m.listLoading = false
	if msg.err != nil {
		switch {
		case m.link.ended != nil:
			m.listErr = "The session ended: " + m.link.ended.Message + "."
		case errors.Is(msg.err, customer.ErrDestroyed):
			m.listErr = "The session ended: " + errText(msg.err)
		case !errors.Is(msg.err, context.Canceled):
			m.listErr = "Could not load your chats: " + errText(msg.err) + " (r retries)"
		}
		return nil
	}
	m.listErr = ""
	m.applySummary(msg.sum, msg.offset)
	return nil
}

// applySummary puts a page of the chats summary into the list, keeping
// what the list knows that the page does not (unread marks).
func (m *Model) applySummary(sum customer.ChatsSummary, offset int) {
	var cur string
	if m.cursor < len(m.rows) {
		cur = m.rows[m.cursor].sum.ID
	}
	unread := map[string]bool{}
	for _, r := range m.rows {
		unread[r.sum.ID] = r.unread
	}
	rows := make([]row, 0, len(sum.Chats))
	for _, s := range sum.Chats {
		rows = append(rows, row{sum: s, unread: unread[s.ID]})
		if c := m.convs[s.ID]; c != nil {
			c.active = s.Active
		}
	}
	if offset == 0 {
		// The first page replaces the list, and drops rows of later pages
		// that it now holds.
		var rest []row
		if len(m.rows) > summaryPage {
			for _, r := range m.rows[summaryPage:] {
				if !slices.ContainsFunc(rows, func(n row) bool { return n.sum.ID == r.sum.ID }) {
					rest = append(rest, r)
				}
			}
		}
		m.rows = append(rows, rest...)
	} else {
		for _, r := range rows {
			if !slices.ContainsFunc(m.rows, func(o row) bool { return o.sum.ID == r.sum.ID }) {
				m.rows = append(m.rows, r)
			}
		}
	}
	m.total = max(sum.TotalChats, len(m.rows))
	if i := slices.IndexFunc(m.rows, func(r row) bool { return r.sum.ID == cur }); i >= 0 {
		m.cursor = i // the same chat as before
	}
	m.cursor = min(m.cursor, max(len(m.rows)-1, 0))
	m.listLoaded = true
}

// mergeSummary updates the list from the chats summary of a login, which
// may be shorter than the list: its chats are updated or added, the others
// kept, and the list sorted again by last activity.
func (m *Model) mergeSummary(sum customer.ChatsSummary) {
	var cur string
	if m.cursor < len(m.rows) {
		cur = m.rows[m.cursor].sum.ID
	}
	for _, s := range sum.Chats {
		if c := m.convs[s.ID]; c != nil {
			c.active = s.Active
		}
		if i := slices.IndexFunc(m.rows, func(r row) bool { return r.sum.ID == s.ID }); i >= 0 {
			m.rows[i].sum = s
		} else {
			m.rows = append(m.rows, row{sum: s})
		}
	}
	slices.SortStableFunc(m.rows, func(a, b row) int { return b.sum.Order.Compare(a.sum.Order) })
	m.total = max(m.total, sum.TotalChats, len(m.rows))
	if i := slices.IndexFunc(m.rows, func(r row) bool { return r.sum.ID == cur }); i >= 0 {
		m.cursor = i
	}
	m.listLoaded = true
}

// touchRow moves a chat with a new event to the top of the list.
func (m *Model) touchRow(chatID string, e customer.Event, open bool) (known bool) {
	i := slices.IndexFunc(m.rows, func(r row) bool { return r.sum.ID == chatID })
	if i < 0 {
		return false
	}
	r := m.rows[i]
	ev := e
	r.sum.LastEvent = &ev
	if !e.Timestamp.IsZero() {
		r.sum.Order = e.Timestamp
	}
	r.unread = r.unread || !open
	m.rows = slices.Delete(m.rows, i, i+1)
	m.rows = slices.Insert(m.rows, 0, r)
	if m.screen == listScreen && m.cursor < i {
		m.cursor++ // keep the cursor on the same chat
	} else if m.screen == listScreen && m.cursor == i {
		m.cursor = 0
	}
	return true
}

func (m *Model) setRowActive(chatID string, active bool) {
	for i := range m.rows {
		if m.rows[i].sum.ID == chatID {
			m.rows[i].sum.Active = active
		}
	}
}

// ---- a conversation ----

func (m *Model) open(c *conv) tea.Cmd {
	m.screen = chatScreen
	m.conv = c
	m.input.Reset()
	m.lastPeek = ""
	m.btn, m.rating = nil, nil
	m.input.Placeholder = inputPlaceholder
	focus := m.input.Focus()
	m.layout()
	m.vp.GotoBottom()
	if c.id == "" {
		m.say("New chat: type your first message and press enter.", false)
	} else {
		m.say("", false)
	}
	if c.rateAsk {
		m.askRating(c)
	}
	return tea.Batch(focus, m.loadOlder())
}

func (m *Model) back() tea.Cmd {
	m.screen = listScreen
	m.input.Blur()
	if m.conv != nil && m.conv.id != "" {
		if i := slices.IndexFunc(m.rows, func(r row) bool { return r.sum.ID == m.conv.id }); i >= 0 {
			m.cursor = i
			m.rows[i].unread = false
		}
	}
	m.say("", false)
	return m.reloadList()
}

func (m *Model) chatKey(k tea.KeyMsg) tea.Cmd {
	if m.rating != nil {
		if cmd, ok := m.ratingKey(k); ok {
			return cmd
		}
	} else if cmd, ok := m.buttonKey(k); ok {
		return cmd // no buttons while the rating prompt is open
	}
	switch k.String() {
	case "esc":
		if m.upload != nil {
			m.upload.cancel()
			return nil
		}
		return m.back()
	case "enter":
		return m.submit()
	case "pgup":
		m.vp.PageUp()
		return m.loadOlderAtTop()
	case "pgdown":
		m.vp.PageDown()
		return nil
	case "up":
		m.vp.ScrollUp(1)
		return m.loadOlderAtTop()
	case "down":
		m.vp.ScrollDown(1)
		return nil
	case "ctrl+home":
		m.vp.GotoTop()
		return m.loadOlderAtTop()
	case "ctrl+end":
		m.vp.GotoBottom()
		return nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(k)
	m.peek()
	return cmd
}

// peek tells the agents what is being typed (the SDK throttles it and
// sends only to an active chat). Commands are not peeked.
func (m *Model) peek() {
	c, v := m.conv, m.input.Value()
	if c == nil || c.id == "" || !c.active || v == m.lastPeek || strings.HasPrefix(v, "/") {
		return
	}
	m.lastPeek = v
	m.sdk.SetSneakPeek(c.id, v)
}

// loadOlder asks for the next page of history of the conversation shown,
// unless it is loading or has it all.
func (m *Model) loadOlder() tea.Cmd {
	c := m.conv
	if c == nil || c.hist == nil || c.histDone || c.histLoading {
		return nil
	}
	c.histLoading, c.histErr = true, ""
	m.render()
	return loadHistory(m.ctx, c)
}

func (m *Model) loadOlderAtTop() tea.Cmd {
	if m.vp.AtTop() {
		return m.loadOlder()
	}
	return nil
}

func (m *Model) historyLoaded(msg historyMsg) tea.Cmd {
	c := msg.c
	c.histLoading = false
	if msg.err != nil {
		if !errors.Is(msg.err, context.Canceled) {
			c.histErr = errText(msg.err)
		}
		m.render()
		return nil
	}
	first := len(c.items) == 0
	c.prepend(msg.events)
	c.histDone = msg.done
	if c != m.conv {
		return nil
	}
	before, off, bottom := m.vp.TotalLineCount(), m.vp.YOffset, m.vp.AtBottom()
	m.vp.SetContent(m.content())
	if first || bottom {
		m.vp.GotoBottom()
	} else {
		m.vp.SetYOffset(off + m.vp.TotalLineCount() - before)
	}
	// Fill a screen that is not full yet.
	return m.loadOlderAtTop()
}

func (m *Model) submit() tea.Cmd {
	text := strings.TrimSpace(m.input.Value())
	if text == "" {
		return nil
	}
	m.input.Reset()
	// Sending the message drops a sneak peek the SDK still holds back.
	m.lastPeek = ""
	if strings.HasPrefix(text, "/") && !strings.HasPrefix(text, "//") {
		return m.command(text)
	}
	if strings.HasPrefix(text, "//") {
		text = text[1:] // "//" sends a message that starts with a slash
	}
	return m.sendText(text)
}

func (m *Model) sendText(text string) tea.Cmd {
	c := m.conv
	if m.link.ended != nil {
		m.say("The server ended the session; restart to chat again.", true)
		return nil
	}
	it := c.own(m.me, text)
	m.render()
	m.vp.GotoBottom()
	return m.deliver(c, it)
}

// deliver sends an own message: it starts the chat, activates it or sends
// into it, as the chat needs.
func (m *Model) deliver(c *conv, it *item) tea.Cmd {
	switch {
	case c.starting:
		c.queue = append(c.queue, it)
		return nil
	case c.id == "":
		c.starting = true
		m.starts++
		return startChat(m.ctx, m.sdk, c, it)
	}
	return sendMessage(m.ctx, m.sdk, c, it, c.active)
}

func (m *Model) started(msg startedMsg) (cmd tea.Cmd) {
	c := msg.c
	c.starting = false
	m.starts--
	// What the SDK said of chats not known while the chat started may
	// be about this one: it is handled now that the chat is known.
	held := m.held
	m.held = nil
	defer func() {
		cmds := []tea.Cmd{cmd}
		for _, n := range held {
			cmds = append(cmds, m.notified(n))
		}
		cmd = tea.Batch(cmds...)
	}()
	if msg.err != nil {
		msg.it.state, msg.it.failure = stateFailed, errText(msg.err)
		for _, q := range c.queue {
			q.state, q.failure = stateFailed, "the chat did not start"
		}
		c.queue = nil
		m.say("The chat did not start: "+errText(msg.err)+" (/retry tries again)", true)
		m.render()
		return nil
	}
	ch := msg.chat
	c.id, c.active, c.histDone = ch.ID, true, true
	c.hist = m.sdk.GetChatHistory(ch.ID)
	m.convs[ch.ID] = c
	if !slices.ContainsFunc(ch.Events, func(e customer.Event) bool { return e.CustomID == msg.it.customID }) {
		// The SDK returns the new thread's events; the message should be
		// among them.
		c.complete(msg.it, customer.Event{})
	}
	for _, e := range ch.Events {
		c.add(e)
	}
	if m.conv == c {
		m.say("", false)
	}
	if !slices.ContainsFunc(m.rows, func(r row) bool { return r.sum.ID == ch.ID }) {
		m.rows = slices.Insert(m.rows, 0, row{sum: customer.ChatSummary{ID: ch.ID, Active: true, Order: time.Now(),
			LastEvent: lastOf(ch.Events)}})
		m.total++
	}
	m.render()
	var cmds []tea.Cmd
	for _, q := range c.queue {
		cmds = append(cmds, sendMessage(m.ctx, m.sdk, c, q, true))
	}
	c.queue = nil
	return tea.Batch(cmds...)
}

func lastOf(evs []customer.Event) *customer.Event {
	if len(evs) == 0 {
		return nil
	}
	e := evs[len(evs)-1]
	return &e
}

func (m *Model) sent(msg sentMsg) {
	c, it := msg.c, msg.it
	if msg.err != nil {
		it.state, it.failure = stateFailed, errText(msg.err)
		if !errors.Is(msg.err, context.Canceled) {
			m.say("A message was not sent: "+errText(msg.err)+" (/retry sends it again)", true)
		}
		m.render()
		return
	}
	c.active = true
	m.setRowActive(c.id, true)
	c.complete(it, msg.ev)
	for _, e := range msg.more {
		c.add(e)
	}
	m.touchRow(c.id, msg.ev, true)
	m.render()
}

func (m *Model) done(msg doneMsg) {
	if msg.err != nil {
		if !errors.Is(msg.err, context.Canceled) {
			m.say(msg.what+" failed: "+errText(msg.err), true)
		}
		return
	}
	if msg.closed {
		msg.c.active = false
		m.setRowActive(msg.c.id, false)
	}
	if msg.rated {
		msg.c.rated, msg.c.rateAsk = true, false
	}
	if msg.note != "" {
		msg.c.addNote(msg.note, false)
		m.render()
	}
	m.say(msg.ok, false)
}

func (m *Model) uploaded(msg uploadDoneMsg) {
	if msg.u != m.upload {
		return
	}
	m.upload = nil
	m.layout()
	switch {
	case msg.err == nil:
		m.say("Sent "+msg.u.name+" ("+humanSize(msg.u.size)+").", false)
	case errors.Is(msg.err, context.Canceled) && m.ctx.Err() == nil:
		m.say("Upload of "+msg.u.name+" cancelled.", true)
	case errors.Is(msg.err, customer.ErrFileTooLarge):
		m.say(msg.u.name+" is too large: files may have at most 10 MiB.", true)
	default:
		m.say("Upload of "+msg.u.name+" failed: "+errText(msg.err), true)
	}
}

// ---- notifications ----

func (m *Model) notified(n customer.Notification) tea.Cmd {
	if id := chatOf(n); id != "" && m.starts > 0 && m.convs[id] == nil {
		m.held = append(m.held, n)
		return nil
	}
	var cmd tea.Cmd
	changed := false // the conversation shown changed
	switch n := n.(type) {
	case customer.CustomerID:
		m.me = n.ID
	case customer.Connected:
		m.link.connected()
		if m.me == "" {
			m.me = m.sdk.CustomerID()
		}
		m.mergeSummary(n.ChatsSummary)
	case customer.ConnectionRestored:
		// The server tells the places of the chats still queued again
		// after the login; a chat taken meanwhile has none any more.
		clear(m.places)
		m.link.connected()
		m.mergeSummary(n.ChatsSummary)
		changed = true
	case customer.ConnectionLost:
		m.link.lost(n.Err)
	case customer.Reconnecting:
		m.link.retrying(n, time.Now())
	case customer.Disconnected:
		if !n.Final {
			break // the SDK reconnects; ConnectionLost says why
		}
		m.link.state, m.link.ended = customer.StateDestroyed, endError(n.Reason, n.Err, m.opts)
		if !m.link.ever {
			return m.quit() // nothing to show: the settings are wrong
		}
		m.say("The session ended: restart to chat again.", true)
	case customer.UserData:
		if name := line(n.User.Name); name != "" {
			m.names[n.User.ID] = name
		}
		if n.User.Type == customer.AgentUser {
			m.agents[n.User.ID] = true
		}
		changed = true
	case customer.NewEvent:
		if m.agents[n.Event.Author] {
			delete(m.places, n.Chat) // an agent has the chat
		}
		if c := m.convs[n.Chat]; c != nil {
			changed = c.add(n.Event) && c == m.conv
			delete(c.typing, n.Event.Author)
		}
		open := m.screen == chatScreen && m.conv != nil && m.conv.id == n.Chat
		if !m.touchRow(n.Chat, n.Event, open || n.Event.Author == m.me) {
			cmd = m.reloadList() // a chat started elsewhere
		}
	case customer.UserIsTyping:
		if c := m.convs[n.Chat]; c != nil && n.User != m.me {
			c.typing[n.User] = time.Now()
		}
	case customer.UserStoppedTyping:
		if c := m.convs[n.Chat]; c != nil {
			delete(c.typing, n.User)
		}
	case customer.ThreadClosed:
		delete(m.places, n.Chat)
		if c := m.convs[n.Chat]; c != nil {
			c.active = false
			clear(c.typing)
			changed = c == m.conv
			c.rateAsk = !c.rated
			if c == m.conv && m.screen == chatScreen && c.rateAsk {
				m.askRating(c)
			}
		}
		m.setRowActive(n.Chat, false)
	case customer.ThreadSummary:
		if c := m.convs[n.Chat]; c != nil && n.Active {
			c.active = true
		}
		if n.Active {
			m.setRowActive(n.Chat, true)
		}
	case customer.QueuePositionUpdated:
		m.places[n.Chat] = n
	case customer.UserJoinedChat:
		if m.agents[n.User] {
			delete(m.places, n.Chat)
		}
		if c := m.convs[n.Chat]; c != nil && n.User != m.me && m.agents[n.User] {
			c.addNote(m.name(n.User)+" joined the chat.", false)
			changed = c == m.conv
		}
	case customer.UserLeftChat:
		if c := m.convs[n.Chat]; c != nil && n.User != m.me {
			delete(c.typing, n.User)
			c.addNote(m.name(n.User)+" left the chat.", false)
			changed = c == m.conv
		}
	case customer.LastSeenTimestampUpdated:
		if c := m.convs[n.Chat]; c != nil && n.User != m.me && n.Timestamp.After(c.seenUpTo) {
			c.seenUpTo = n.Timestamp
			changed = c == m.conv
		}
	}
	if changed && m.screen == chatScreen {
		m.render()
	}
	return cmd
}

func (m *Model) tick(now time.Time) {
	// The connection state is also polled: the first Connected may come
	// before the program subscribes.
	if st := m.sdk.State(); st != m.link.state {
		switch {
		case st == customer.StateDestroyed, st == customer.StateDisconnected:
			m.link.state = st
		case m.link.state == customer.StateConnecting:
			m.link.state = st
			m.link.ever = m.link.ever || st == customer.StateConnected
		}
	}
	if m.me == "" {
		m.me = m.sdk.CustomerID()
	}
	for _, c := range m.convs {
		for u, since := range c.typing {
			if now.Sub(since) > typingTimeout {
				delete(c.typing, u)
			}
		}
	}
}

// chatOf is the chat a notification is about, if any.
func chatOf(n customer.Notification) string {
	switch n := n.(type) {
	case customer.NewEvent:
		return n.Chat
	case customer.UserIsTyping:
		return n.Chat
	case customer.UserStoppedTyping:
		return n.Chat
	case customer.ThreadClosed:
		return n.Chat
	case customer.ThreadSummary:
		return n.Chat
	case customer.UserJoinedChat:
		return n.Chat
	case customer.UserLeftChat:
		return n.Chat
	case customer.LastSeenTimestampUpdated:
		return n.Chat
	case customer.QueuePositionUpdated:
		return n.Chat
	}
	return ""
}
