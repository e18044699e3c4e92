package chatui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/parleychat/parley/customer"
)

// ratePrompt asks for a rating of a chat an agent closed: first good, bad
// or skip, then an optional comment typed in the input.
type ratePrompt struct {
	c       *conv
	score   int
	comment bool // the score is chosen; the input holds the comment
}

const ratePlaceholder = "A comment (optional): enter sends the rating, esc sends it without"

// askRating opens the prompt for c, the conversation shown.
func (m *Model) askRating(c *conv) {
	m.rating = &ratePrompt{c: c}
	m.btn = nil
	m.say("", false)
}

// ratingKey handles the prompt's keys, and reports whether it took k. In
// the choice, g (or +) is good, b (or -) bad, s or esc skips; other keys
// that would type are swallowed, the rest (scrolling) pass.
func (m *Model) ratingKey(k tea.KeyMsg) (tea.Cmd, bool) {
	r := m.rating
	if r.comment {
		switch k.String() {
		case "enter":
			return m.sendRating(strings.TrimSpace(m.input.Value())), true
		case "esc":
			return m.sendRating(""), true
		}
		return nil, false // typed into the input
	}
	switch strings.ToLower(k.String()) {
	case "g", "+", "1":
		r.score, r.comment = customer.RatingGood, true
	case "b", "-", "0":
		r.score, r.comment = customer.RatingBad, true
	case "s", "esc":
		m.closeRating()
		m.say("No rating. Type to start the chat again.", false)
		return nil, true
	default:
		return nil, k.Type == tea.KeyRunes || k.Type == tea.KeySpace || k.String() == "enter"
	}
	m.input.Reset()
	m.input.Placeholder = ratePlaceholder
	return nil, true
}

func (m *Model) closeRating() {
	if m.rating != nil {
		m.rating.c.rateAsk = false
	}
	m.rating = nil
	m.input.Reset()
	m.input.Placeholder = inputPlaceholder
}

func (m *Model) sendRating(comment string) tea.Cmd {
	r := m.rating
	m.closeRating()
	return m.rateCmd(r.c, r.score, comment)
}

// ratingLine is the prompt, drawn above the input.
func (m *Model) ratingLine() string {
	r := m.rating
	if r.comment {
		word := "bad"
		if r.score == customer.RatingGood {
			word = "good"
		}
		return noteStyle.Render("You rate this chat " + word + ". Add a comment, or press enter.")
	}
	return noteStyle.Render("The chat was closed. How was it?  g good · b bad · s skip")
}

// rateCmd rates chat c (RateChat: the thread properties rating.score and
// rating.comment, as the JS SDK's rateChat).
func (m *Model) rateCmd(c *conv, score int, comment string) tea.Cmd {
	word := "bad"
	if score == customer.RatingGood {
		word = "good"
	}
	ctx, sdk, id := m.ctx, m.sdk, c.id
	r := customer.Rating{Score: score, Comment: comment}
	m.say("Rating the chat…", false)
	return func() tea.Msg {
		err := sdk.RateChat(ctx, id, r)
		return doneMsg{c: c, what: "Rating", ok: "Thank you for your rating.", note: "You rated this chat " + word + ".", rated: true, err: err}
	}
}
