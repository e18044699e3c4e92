package chatui

import (
	"context"
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/parleychat/parley/customer"
)

// button is a button of a rich message, and what became of pressing it.
type button struct {
	text, postback string
	kind, value    string // the button's type (url, phone, …) and its value
	state          sendState
	failure        string
}

// postbackMsg ends a button press.
type postbackMsg struct {
	c   *conv
	it  *item
	b   *button
	err error
}

// richOf is the text of a rich message's cards and their buttons.
func richOf(els []customer.RichElement) (string, []*button) {
	var b strings.Builder
	var buttons []*button
	b.WriteString("[card]")
	for _, el := range els {
		if t := line(el.Title); t != "" {
			b.WriteString(" " + t)
		}
		if s := line(el.Subtitle); s != "" {
			b.WriteString(" — " + s)
		}
		if el.Image != nil && el.Image.URL != "" {
			b.WriteString(" (image " + line(el.Image.URL) + ")")
		}
		for _, bt := range el.Buttons {
			buttons = append(buttons, &button{text: line(bt.Text), postback: bt.Postback, kind: line(bt.Type), value: line(bt.Value)})
		}
	}
	return b.String(), buttons
}

// latestButtons is the newest rich message with buttons in the
// conversation shown, if any.
func (m *Model) latestButtons() *item {
	if m.conv == nil {
		return nil
	}
	for i := len(m.conv.items) - 1; i >= 0; i-- {
		if it := m.conv.items[i]; it.kind == kindRich && len(it.buttons) > 0 {
			return it
		}
	}
	return nil
}

// buttonKey handles the keys that choose and press the buttons of the
// newest rich message: tab and shift+tab select them (then ←/→ move too),
// enter presses the one selected, esc or typing goes back to the input.
// It reports whether it took the key.
func (m *Model) buttonKey(k tea.KeyMsg) (tea.Cmd, bool) {
	latest := m.latestButtons()
	if m.btn != nil && m.btn != latest {
		m.btn = nil // a newer card came
	}
	key := k.String()
	if m.btn == nil {
		if latest == nil || (key != "tab" && key != "shift+tab") {
			return nil, false
		}
		m.btn, m.btnAt = latest, 0
		if key == "shift+tab" {
			m.btnAt = len(latest.buttons) - 1
		}
		m.buttonHint()
		return nil, true
	}
	n := len(m.btn.buttons)
	switch key {
	case "tab", "right":
		m.btnAt = (m.btnAt + 1) % n
	case "shift+tab", "left":
		m.btnAt = (m.btnAt + n - 1) % n
	case "enter":
		return m.press(m.btn, m.btn.buttons[m.btnAt]), true
	case "esc":
		m.btn = nil
		m.say("", false)
	default:
		m.btn = nil // back to typing; the key goes to the input
		m.say("", false)
		m.render()
		return nil, false
	}
	if m.btn != nil {
		m.buttonHint()
	}
	m.render()
	return nil, true
}

func (m *Model) buttonHint() {
	b := m.btn.buttons[m.btnAt]
	m.say("Button “"+b.text+"” — enter presses it · tab/←/→ choose · esc back to typing", false)
	m.render()
}

// press sends a button's postback, as the widget does on a click.
func (m *Model) press(it *item, b *button) tea.Cmd {
	c := m.conv
	switch {
	case b.postback == "":
		m.say("The button “"+b.text+"” does nothing here.", true)
		return nil
	case b.state == stateSending:
		return nil
	case m.link.ended != nil:
		m.say("The server ended the session; restart to chat again.", true)
		return nil
	}
	b.state, b.failure = stateSending, ""
	m.say("Pressing “"+b.text+"”…", false)
	m.render()
	ctx, sdk := m.ctx, m.sdk
	chatID, thread, event, id := c.id, it.thread, it.id, b.postback
	return func() tea.Msg {
		err := sdk.SendPostback(ctx, chatID, thread, event, customer.Postback{ID: id})
		return postbackMsg{c: c, it: it, b: b, err: err}
	}
}

func (m *Model) postbackDone(msg postbackMsg) {
	b := msg.b
	if msg.err != nil {
		b.state, b.failure = stateFailed, errText(msg.err)
		if !errors.Is(msg.err, context.Canceled) {
			m.say("“"+b.text+"” was not sent: "+b.failure+" (enter tries again)", true)
		}
	} else {
		b.state = stateSent
		s := "You pressed “" + b.text + "”."
		if b.kind == "url" || b.kind == "webview" {
			s += " Link: " + b.value
		} else if b.kind == "phone" {
			s += " Phone: " + b.value
		}
		m.say(s, false)
	}
	if msg.c == m.conv {
		m.render()
	}
}

// buttonsLine draws the buttons of a rich message; the selected one is
// reversed, the pressed ones ticked.
func (m *Model) buttonsLine(it *item) string {
	var parts []string
	for i, b := range it.buttons {
		s := "[ " + b.text + " ]"
		switch b.state {
		case stateSending:
			s = "[ " + b.text + " … ]"
		case stateSent:
			s = "[✓ " + b.text + " ]"
		case stateFailed:
			s = "[✗ " + b.text + " ]"
		}
		if m.btn == it && i == m.btnAt {
			s = cursorStyle.Render(s)
		}
		parts = append(parts, s)
	}
	hint := ""
	if it == m.latestButtons() && m.btn == nil {
		hint = dimStyle.Render("  (tab chooses)")
	}
	return "      " + strings.Join(parts, " ") + hint
}
