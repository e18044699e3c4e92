package chatui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/parleychat/parley/customer"
)

// The results of the SDK calls the model makes in its commands.
type (
	tickMsg    time.Time
	summaryMsg struct {
		sum    customer.ChatsSummary
		offset int
		err    error
	}
	historyMsg struct {
		c      *conv
		events []customer.Event
		done   bool
		err    error
	}
	startedMsg struct {
		c    *conv
		it   *item
		chat customer.Chat
		err  error
	}
	sentMsg struct {
		c    *conv
		it   *item
		ev   customer.Event
		more []customer.Event // the other events of a thread the send opened
		err  error
	}
	// doneMsg ends /rate and /close.
	doneMsg struct {
		c      *conv
		what   string // "Rating", …: what failed, on error
		ok     string // the status line on success
		note   string // added to the conversation on success
		closed bool
		rated  bool
		err    error
	}
)

func tickCmd() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func loadSummary(ctx context.Context, sdk *customer.SDK, offset int) tea.Cmd {
	return func() tea.Msg {
		sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{Offset: offset, Limit: summaryPage})
		return summaryMsg{sum: sum, offset: offset, err: err}
	}
}

func loadHistory(ctx context.Context, c *conv) tea.Cmd {
	h := c.hist
	return func() tea.Msg {
		evs, done, err := h.Next(ctx)
		return historyMsg{c: c, events: evs, done: done, err: err}
	}
}

func startChat(ctx context.Context, sdk *customer.SDK, c *conv, it *item) tea.Cmd {
	ev := customer.Event{Type: customer.EventMessage, Text: it.text, CustomID: it.customID}
	return func() tea.Msg {
		ch, err := sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{ev}})
		return startedMsg{c: c, it: it, chat: ch, err: err}
	}
}

// sendAttempts bounds the sends of one message while connections drop
// under it; each attempt also waits for the SDK to reconnect.
const sendAttempts = 5

// sendMessage sends an own message into a started chat: ActivateChat when
// the chat has no active thread, else SendEvent. The message's custom id
// makes a retry after a lost connection safe: the server returns the
// stored event instead of storing it twice.
func sendMessage(ctx context.Context, sdk *customer.SDK, c *conv, it *item, active bool) tea.Cmd {
	chatID := c.id
	ev := customer.Event{Type: customer.EventMessage, Text: it.text, CustomID: it.customID}
	return func() tea.Msg {
		if !active {
			ch, err := sdk.ActivateChat(ctx, chatID, customer.StartChatRequest{Events: []customer.Event{ev}})
			if err == nil {
				for _, e := range ch.Events {
					if e.CustomID == ev.CustomID {
						return sentMsg{c: c, it: it, ev: e, more: ch.Events}
					}
				}
				return sentMsg{c: c, it: it, more: ch.Events}
			}
			if ctx.Err() != nil || errors.Is(err, customer.ErrDestroyed) {
				return sentMsg{c: c, it: it, err: err}
			}
			// The chat may have been activated meanwhile, or the answer
			// lost: SendEvent opens a thread if there is none still, and
			// returns the stored event if the activation went through.
		}
		for attempt := 1; ; attempt++ {
			e, err := sdk.SendEvent(ctx, chatID, ev)
			if errors.Is(err, customer.ErrConnectionLost) && attempt < sendAttempts && ctx.Err() == nil {
				continue
			}
			return sentMsg{c: c, it: it, ev: e, err: err}
		}
	}
}

// ---- commands ----

const helpText = `Commands: /file PATH (upload; esc cancels) · /rate good|bad [comment] · /close · /new · /retry · /quit · //text sends "/text". Keys: tab selects the buttons of the newest card (tab/←/→ move, enter presses) · pgup/pgdown/↑/↓ scroll (older messages load at the top) · esc back to the chats · ctrl+c quit.`

func (m *Model) command(text string) tea.Cmd {
	name, arg, _ := strings.Cut(text, " ")
	arg = strings.TrimSpace(arg)
	c := m.conv
	switch name {
	case "/quit", "/exit", "/q":
		return m.quit()
	case "/help", "/?":
		c.addNote(helpText, false)
		m.render()
		m.vp.GotoBottom()
		return nil
	case "/new":
		return m.open(newConv("", false))
	case "/list", "/back":
		return m.back()
	case "/retry":
		return m.retry()
	case "/file":
		return m.sendFile(arg)
	case "/rate":
		return m.rate(arg)
	case "/close":
		if c.id == "" {
			m.say("There is no chat to close yet.", true)
			return nil
		}
		if !c.active {
			m.say("The chat is already closed.", true)
			return nil
		}
		ctx, sdk, id := m.ctx, m.sdk, c.id
		m.say("Closing the chat…", false)
		return func() tea.Msg {
			err := sdk.CloseThread(ctx, id)
			return doneMsg{c: c, what: "Closing the chat", ok: "You closed the chat. Type to start it again.", closed: true, err: err}
		}
	}
	m.say("Unknown command "+line(name)+"; /help lists them.", true)
	return nil
}

func (m *Model) retry() tea.Cmd {
	c := m.conv
	var cmds []tea.Cmd
	for _, it := range c.items {
		if it.state != stateFailed {
			continue
		}
		it.state, it.failure = stateSending, ""
		cmds = append(cmds, m.deliver(c, it))
	}
	if len(cmds) == 0 {
		m.say("No message to send again.", false)
		return nil
	}
	m.say("", false)
	m.render()
	return tea.Batch(cmds...)
}

func (m *Model) rate(arg string) tea.Cmd {
	word, comment, _ := strings.Cut(arg, " ")
	var score int
	switch strings.ToLower(word) {
	case "good", "+", "1", "up":
		score = customer.RatingGood
	case "bad", "-", "0", "down":
		score = customer.RatingBad
	default:
		m.say("Usage: /rate good|bad [comment]", true)
		return nil
	}
	if m.conv.id == "" {
		m.say("There is no chat to rate yet.", true)
		return nil
	}
	m.closeRating()
	return m.rateCmd(m.conv, score, strings.TrimSpace(comment))
}

// ---- uploads ----

// upload is a /file on its way. Its progress, reported on the uploading
// goroutine, reaches the model through tick; the end through result.
type upload struct {
	name   string
	size   int64
	cancel context.CancelFunc

	mu     sync.Mutex
	frac   float64
	tick   chan struct{} // holds a token while there is news
	result chan error
}

type (
	uploadProgressMsg struct{ u *upload }
	uploadDoneMsg     struct {
		u   *upload
		err error
	}
)

func (u *upload) progress(f float64) {
	u.mu.Lock()
	u.frac = f
	u.mu.Unlock()
	select {
	case u.tick <- struct{}{}:
	default:
	}
}

func (u *upload) fraction() float64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.frac
}

func waitUpload(u *upload) tea.Cmd {
	return func() tea.Msg {
		select {
		case err := <-u.result:
			return uploadDoneMsg{u: u, err: err}
		case <-u.tick:
			return uploadProgressMsg{u: u}
		}
	}
}

func (m *Model) sendFile(arg string) tea.Cmd {
	c := m.conv
	path := strings.Trim(arg, `"'`)
	switch {
	case path == "":
		m.say("Usage: /file PATH", true)
		return nil
	case m.upload != nil:
		m.say("Wait for "+m.upload.name+" to be sent, or press esc to cancel it.", true)
		return nil
	case c.id == "":
		m.say("Start the chat with a message first, then send the file.", true)
		return nil
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		m.say("Cannot read the file: "+errText(err), true)
		return nil
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err == nil && st.Size() > customer.MaxFileSize {
		err = fmt.Errorf("%s has %s; files may have at most 10 MiB", filepath.Base(path), humanSize(st.Size()))
	}
	if err != nil {
		f.Close()
		m.say("Cannot send the file: "+errText(err), true)
		return nil
	}
	ctx, cancel := context.WithCancel(m.ctx)
	u := &upload{name: line(filepath.Base(path)), size: st.Size(), cancel: cancel,
		tick: make(chan struct{}, 1), result: make(chan error, 1)}
	m.upload = u
	m.layout()
	m.say("", false)
	sdk, id := m.sdk, c.id
	go func() {
		defer f.Close()
		defer cancel()
		_, err := sdk.SendFile(ctx, id, customer.File{Name: filepath.Base(path), ContentType: contentType(f, path),
			Reader: f, Size: st.Size()}, customer.OnProgress(u.progress))
		u.result <- err
	}()
	return waitUpload(u)
}

// contentType guesses a file's type from its name, else from its first
// bytes; it leaves f at its start.
func contentType(f *os.File, path string) string {
	if t := mime.TypeByExtension(filepath.Ext(path)); t != "" {
		return t
	}
	b := make([]byte, 512)
	n, _ := io.ReadFull(f, b)
	_, _ = f.Seek(0, io.SeekStart)
	return http.DetectContentType(b[:n])
}
