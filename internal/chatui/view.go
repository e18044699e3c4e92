package chatui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/parleychat/parley/customer"
)

var (
	titleStyle  = lipgloss.NewStyle().Bold(true).Reverse(true)
	dimStyle    = lipgloss.NewStyle().Faint(true)
	meStyle     = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("6"))
	agentStyle  = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("2"))
	systemStyle = lipgloss.NewStyle().Italic(true).Foreground(lipgloss.Color("8"))
	noteStyle   = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	badStyle    = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	okStyle     = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	cursorStyle = lipgloss.NewStyle().Reverse(true)
)

// layout sizes the parts of the screen: a title line, the conversation,
// a typing line, the upload line while a file is sent, the input and the
// status line.
func (m *Model) layout() {
	h := m.height - 4
	if m.upload != nil {
		h--
	}
	m.vp.Width, m.vp.Height = max(m.width, 1), max(h, 1)
	m.input.Width = max(m.width-len(m.input.Prompt)-1, 1)
	m.bar.Width = max(min(m.width-30, 50), 10)
	m.render()
}

// render refreshes the conversation shown; a view at its end stays at it.
func (m *Model) render() {
	if m.conv == nil {
		return
	}
	bottom := m.vp.AtBottom()
	m.vp.SetContent(m.content())
	if bottom {
		m.vp.GotoBottom()
	}
}

// name is a user's name for the screen.
func (m *Model) name(id string) string {
	switch {
	case id == m.me && id != "":
		return "you"
	case m.names[id] != "":
		return m.names[id]
	case m.agents[id]:
		return "agent"
	}
	return line(id)
}

// content is the whole conversation, wrapped to the screen's width.
func (m *Model) content() string {
	c, w := m.conv, m.vp.Width
	var b strings.Builder
	wrap := lipgloss.NewStyle().Width(w)
	top := ""
	switch {
	case c.id == "" && len(c.items) == 0:
		top = "New chat: type your first message and press enter."
	case c.histLoading:
		top = "Loading older messages…"
	case c.histErr != "":
		top = "Older messages did not load: " + c.histErr + " (scroll up to try again)"
	case c.hist != nil && !c.histDone:
		top = "↑ Scroll up for older messages"
	case c.id != "":
		top = "── The beginning of the chat ──"
	}
	if top != "" {
		b.WriteString(dimStyle.Render(wrap.Render(top)))
		b.WriteByte('\n')
	}
	prev := ""
	for _, it := range c.items {
		if it.thread != "" {
			if prev != "" && it.thread != prev {
				b.WriteString(dimStyle.Render(wrap.Render("── chat reopened ──")))
				b.WriteByte('\n')
			}
			prev = it.thread
		}
		b.WriteString(wrap.Render(m.item(c, it)))
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "     "
	}
	return t.Local().Format("15:04")
}

// item is one item as a line (wrapped later).
func (m *Model) item(c *conv, it *item) string {
	ts := dimStyle.Render(clock(it.ts)) + " "
	who := m.name(it.author)
	style := agentStyle
	if it.author == m.me {
		style = meStyle
	}
	switch it.kind {
	case kindNote:
		if it.warn {
			return ts + badStyle.Render("» "+it.text)
		}
		return ts + noteStyle.Render("» "+it.text)
	case kindSystem:
		return ts + systemStyle.Render("* "+it.text)
	case kindFile:
		return ts + style.Render(who) + " sent a file: " + it.fileName + " (" + humanSize(it.fileSize) + ") " + dimStyle.Render(it.fileURL)
	case kindRich:
		s := ts + style.Render(who+":") + " " + it.text
		if len(it.buttons) > 0 {
			s += "\n" + m.buttonsLine(it)
		}
		return s
	}
	s := ts + style.Render(who+":") + " " + it.text
	switch it.state {
	case stateSending:
		s += dimStyle.Render(" … sending")
	case stateSent:
		if !c.seenUpTo.IsZero() && !it.ts.After(c.seenUpTo) {
			s += okStyle.Render(" ✓✓ seen")
		} else {
			s += okStyle.Render(" ✓")
		}
	case stateFailed:
		s += badStyle.Render(" ✗ not sent: " + it.failure)
	}
	return s
}

// View draws the screen.
func (m *Model) View() string {
	if m.screen == chatScreen && m.conv != nil {
		return m.chatView()
	}
	return m.listView()
}

func (m *Model) fit(s string) string {
	return ansi.Truncate(s, m.width, "…")
}

func (m *Model) title(left, right string) string {
	pad := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if pad < 1 {
		return titleStyle.Render(m.fit(left))
	}
	return titleStyle.Render(left + strings.Repeat(" ", pad) + right)
}

func (m *Model) statusLine() string {
	s, bad := m.link.status(time.Now())
	switch {
	case bad:
		s = badStyle.Render(s)
	case m.link.state == customer.StateConnected:
		s = okStyle.Render(s)
	default:
		s = noteStyle.Render(s)
	}
	if m.status != "" {
		st := m.status
		if m.statusBad {
			st = badStyle.Render(st)
		}
		s += dimStyle.Render(" │ ") + st
	}
	return m.fit(s)
}

func (m *Model) chatView() string {
	c := m.conv
	state := "new chat"
	switch {
	case c.starting:
		state = "starting…"
	case c.id != "" && c.active:
		state = "open"
	case c.id != "":
		state = "closed"
	}
	left := " Chat"
	if c.id != "" {
		left += " " + c.id
	}
	left += " · " + state
	if with := m.with(c); with != "" {
		left += " · with " + with
	}
	var b strings.Builder
	b.WriteString(m.title(left, "esc: chats · /help "))
	b.WriteByte('\n')
	b.WriteString(m.vp.View())
	b.WriteByte('\n')
	switch typing := m.typingLine(c); {
	case m.rating != nil && m.rating.c == c:
		b.WriteString(m.fit(m.ratingLine()))
	case typing == "" && c.id != "":
		b.WriteString(m.fit(m.queueLine(c.id)))
	default:
		b.WriteString(m.fit(typing))
	}
	b.WriteByte('\n')
	if u := m.upload; u != nil {
		f := u.fraction()
		b.WriteString(m.fit(fmt.Sprintf("Uploading %s %s %3.0f%%  (esc cancels)", u.name, m.bar.ViewAs(f), f*100)))
		b.WriteByte('\n')
	}
	b.WriteString(m.input.View())
	b.WriteByte('\n')
	b.WriteString(m.statusLine())
	return b.String()
}

// with names the agents of a conversation.
func (m *Model) with(c *conv) string {
	var names []string
	seen := map[string]bool{}
	for _, it := range c.items {
		if it.author != "" && it.author != m.me && m.agents[it.author] && !seen[it.author] {
			seen[it.author] = true
			names = append(names, m.name(it.author))
		}
	}
	return strings.Join(names, ", ")
}

func (m *Model) typingLine(c *conv) string {
	var names []string
	for u := range c.typing {
		names = append(names, m.name(u))
	}
	slices.Sort(names)
	switch len(names) {
	case 0:
		return ""
	case 1:
		return dimStyle.Render(names[0] + " is typing…")
	}
	return dimStyle.Render(strings.Join(names, ", ") + " are typing…")
}

// queueLine tells the place of a chat in the queue while it waits for an
// agent, as the web widget does; "" when it does not wait.
func (m *Model) queueLine(chatID string) string {
	q, ok := m.places[chatID]
	if !ok {
		return ""
	}
	return noteStyle.Render(queueText(q))
}

func queueText(q customer.QueuePositionUpdated) string {
	minutes := max(1, int(q.WaitTime.Round(time.Minute)/time.Minute))
	return fmt.Sprintf("You are number %d in the queue — about %d min", q.Position, minutes)
}

func (m *Model) listView() string {
	var b strings.Builder
	left := " Parley · your chats"
	if m.opts.Server != "" {
		left += " on " + m.opts.Server
	}
	right := ""
	if m.me != "" {
		right = "customer " + m.me + " "
	}
	b.WriteString(m.title(left, right))
	b.WriteByte('\n')
	rowsH := max(m.height-3, 1)
	var lines []string
	switch {
	case m.listErr != "":
		lines = append(lines, badStyle.Render(m.listErr))
	case !m.listLoaded:
		lines = append(lines, dimStyle.Render("Loading your chats…"))
	case len(m.rows) == 0:
		lines = append(lines, "No chats yet. Press n to start one.")
	}
	first := 0
	if m.cursor >= rowsH-len(lines) {
		first = m.cursor - (rowsH - len(lines)) + 1
	}
	for i := first; i < len(m.rows) && len(lines) < rowsH; i++ {
		lines = append(lines, m.rowLine(i))
	}
	if len(m.rows) < m.total && len(lines) < rowsH {
		lines = append(lines, dimStyle.Render(fmt.Sprintf("  … %d more (↓ loads them)", m.total-len(m.rows))))
	}
	for len(lines) < rowsH {
		lines = append(lines, "")
	}
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteByte('\n')
	b.WriteString(m.fit(dimStyle.Render(" ↑/↓ choose · enter open · n new chat · r refresh · q quit")))
	b.WriteByte('\n')
	b.WriteString(m.statusLine())
	return b.String()
}

func (m *Model) rowLine(i int) string {
	r := m.rows[i]
	mark := "○ closed"
	if _, queued := m.places[r.sum.ID]; queued && r.sum.Active {
		mark = "◷ queued"
	} else if r.sum.Active {
		mark = "● open  "
	}
	when := ""
	if !r.sum.Order.IsZero() {
		t := r.sum.Order.Local()
		if y, mo, d := time.Now().Date(); t.Year() == y && t.Month() == mo && t.Day() == d {
			when = t.Format("15:04")
		} else {
			when = t.Format("Jan 2")
		}
	}
	preview := ""
	if e := r.sum.LastEvent; e != nil {
		it := itemOf(*e)
		who := m.name(e.Author)
		switch it.kind {
		case kindSystem:
			preview = it.text
		case kindFile:
			preview = who + ": [file] " + it.fileName
		default:
			preview = who + ": " + it.text
		}
		preview = strings.ReplaceAll(preview, "\n", " ")
	}
	unread := "  "
	if r.unread {
		unread = "* "
	}
	s := fmt.Sprintf("%s%s %6s  %s  %s", unread, mark, when, r.sum.ID, preview)
	s = ansi.Truncate(s, max(m.width-1, 1), "…")
	if i == m.cursor {
		return cursorStyle.Render(s)
	}
	return s
}
