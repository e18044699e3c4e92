// Command echo-bot is a support bot on the agent package (the Agent Chat
// API client for Go): it signs in as an agent, takes chats, and answers
// every customer message with "echo: " and the message, showing that it
// is typing first.
//
//	PARLEY_AGENT_PASSWORD=… go run ./examples/echo-bot --email agent@parley.local
//
// It sets itself accepting_chats, so the server routes new chats to it;
// chats that wait in its groups' queue it joins itself. It runs until
// interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parleychat/parley/agent"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo-bot:", err)
		os.Exit(1)
	}
}

// run is the whole program: it serves chats until ctx ends (then it
// returns nil) or the server ends the agent's session for good.
func run(ctx context.Context, args []string, logOut io.Writer) error {
	fs := flag.NewFlagSet("echo-bot", flag.ContinueOnError)
	fs.SetOutput(logOut)
	server := fs.String("server", envOr("PARLEY_SERVER", "http://localhost:8080"), "chat server base URL (env PARLEY_SERVER)")
	license := fs.Int("license", envInt("PARLEY_LICENSE", 123), "license number (env PARLEY_LICENSE)")
	email := fs.String("email", os.Getenv("PARLEY_AGENT_EMAIL"), "the bot's agent e-mail (env PARLEY_AGENT_EMAIL)")
	password := fs.String("password", "", "the agent's password (prefer env PARLEY_AGENT_PASSWORD: flags show in ps)")
	typing := fs.Duration("typing", 300*time.Millisecond, "how long the bot shows it is typing before each reply")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *password == "" {
		*password = os.Getenv("PARLEY_AGENT_PASSWORD")
	}
	if *email == "" || *password == "" {
		return errors.New("give the agent's --email and password (env PARLEY_AGENT_EMAIL, PARLEY_AGENT_PASSWORD)")
	}
	log := slog.New(slog.NewTextHandler(logOut, nil))

	// ManualConnect: the handlers first, then Connect.
	c, err := agent.New(agent.Config{Server: *server, License: *license, Email: *email, Password: *password, Logger: log,
		ManualConnect: true})
	if err != nil {
		return err
	}
	defer c.Close()

	b := &bot{c: c, log: log, typing: *typing, chats: map[string]*chatState{}}
	ended := make(chan string, 1)
	// Handlers run one at a time, in arrival order, on the client's
	// goroutine: the bot's state needs no lock, and replies go out in the
	// order the messages came. The client goes on reading meanwhile.
	agent.On(c, func(n agent.Connected) { b.ready(ctx, n.ChatsSummary) })
	agent.On(c, func(n agent.ConnectionRestored) { b.ready(ctx, n.ChatsSummary) })
	agent.On(c, func(n agent.ConnectionLost) { log.Warn("connection lost, reconnecting", "err", n.Err) })
	agent.On(c, func(n agent.IncomingChat) { b.incomingChat(ctx, n.Chat) })
	agent.On(c, func(n agent.IncomingEvent) { b.incomingEvent(ctx, n.Chat, n.Event) })
	agent.On(c, func(n agent.ChatUserRemoved) { b.userRemoved(n.Chat, n.User) })
	agent.On(c, func(n agent.ChatTransferred) { b.transferred(n) })
	agent.On(c, func(n agent.ThreadClosed) { b.threadClosed(n.Chat) })
	agent.On(c, func(n agent.AgentDisconnected) {
		if n.Final {
			select {
			case ended <- n.Reason:
			default:
			}
		}
	})

	if err := c.Connect(); err != nil {
		return err
	}

	select {
	case <-ctx.Done():
		return nil
	case reason := <-ended:
		return fmt.Errorf("the server ended the session: %s", reason)
	}
}

// bot is the bot's state, used by the handlers only.
type bot struct {
	c      *agent.Client
	log    *slog.Logger
	typing time.Duration
	chats  map[string]*chatState
}

// chatState is what the bot knows of a chat.
type chatState struct {
	customer string
	serving  bool            // the bot is in the chat
	answered map[string]bool // events of the active thread already echoed
}

func (b *bot) me() string { return b.c.MyProfile().ID }

// callTimeout bounds each request a handler makes: while a handler waits,
// the client's notifications queue up, and a full queue stops the reading
// of answers too (see the agent package's doc).
const callTimeout = 30 * time.Second

func (b *bot) chat(id string) *chatState {
	st := b.chats[id]
	if st == nil {
		st = &chatState{answered: map[string]bool{}}
		b.chats[id] = st
	}
	return st
}

// ready runs after every login: the bot takes chats, and answers those
// that wait for it: its own from before, and the ones in the queue.
func (b *bot) ready(ctx context.Context, chats agent.ChatsSummary) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := b.c.SetRoutingStatus(cctx, agent.AcceptingChats); err != nil {
		b.log.Error("cannot accept chats", "err", err)
	}
	b.log.Info("ready", "agent", b.me())
	for _, s := range chats.ChatsSummary {
		if !s.Active || s.LastEvent == nil || s.LastEvent.Author == b.me() || !b.mayServe(s.Users) {
			continue
		}
		ch, err := b.c.GetChat(cctx, s.ID, "")
		if err != nil {
			b.log.Error("get chat", "chat", s.ID, "err", err)
			continue
		}
		b.incomingChat(ctx, ch)
	}
}

// mayServe reports whether the bot is in a chat with these users, or no
// agent is.
func (b *bot) mayServe(users []agent.User) bool {
	served := false
	for _, u := range users {
		if u.Type == agent.AgentUser && u.Present {
			if u.ID == b.me() {
				return true
			}
			served = true
		}
	}
	return !served
}

// incomingChat handles a new chat or thread: routed to the bot (it is
// among the users), or waiting in the queue (it joins it).
func (b *bot) incomingChat(ctx context.Context, ch agent.Chat) {
	st := b.chat(ch.ID)
	st.customer = ch.Customer().ID
	if !ch.Thread.Active || !b.join(ctx, ch.ID, ch.Users) {
		return
	}
	// Answer the customer's messages since the bot last spoke.
	evs := ch.Thread.Events
	from := 0
	for i, e := range evs {
		if e.Author == b.me() {
			from = i + 1
		}
	}
	for _, e := range evs[from:] {
		b.answer(ctx, ch.ID, e)
	}
}

// join makes sure the bot is in the chat; false if it cannot be or
// another agent serves it.
func (b *bot) join(ctx context.Context, chatID string, users []agent.User) bool {
	st := b.chat(chatID)
	st.serving = false
	for _, u := range users {
		if u.Type == agent.AgentUser && u.Present && u.ID == b.me() {
			st.serving = true
			return true
		}
	}
	if !b.mayServe(users) {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := b.c.JoinChat(cctx, chatID); err != nil {
		b.log.Error("join chat", "chat", chatID, "err", err)
		return false
	}
	b.log.Info("joined a queued chat", "chat", chatID)
	st.serving = true
	return true
}

func (b *bot) incomingEvent(ctx context.Context, chatID string, e agent.Event) {
	st := b.chat(chatID)
	if st.customer == "" || !st.serving {
		// A chat the bot has not seen start, or one waiting in the queue
		// (its events reach every agent of its groups): look it up.
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		ch, err := b.c.GetChat(cctx, chatID, "")
		cancel()
		if err != nil {
			b.log.Error("get chat", "chat", chatID, "err", err)
			return
		}
		st.customer = ch.Customer().ID
		if !ch.Thread.Active || !b.join(ctx, chatID, ch.Users) {
			return
		}
	}
	b.answer(ctx, chatID, e)
}

// answer echoes e if it is a customer's message not answered yet.
func (b *bot) answer(ctx context.Context, chatID string, e agent.Event) {
	st := b.chat(chatID)
	if e.Type != agent.EventMessage || e.Author != st.customer || st.answered[e.ID] {
		return
	}
	st.answered[e.ID] = true
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := b.c.SendTypingIndicator(ctx, chatID, true); err != nil {
		b.log.Warn("typing indicator", "chat", chatID, "err", err)
	}
	select {
	case <-time.After(b.typing):
	case <-ctx.Done():
		return
	}
	// The CustomID makes a retry after a lost connection safe: the server
	// stores the reply once.
	reply := agent.Event{Type: agent.EventMessage, Text: "echo: " + e.Text, CustomID: "echo-" + e.ID}
	for attempt := 1; ; attempt++ {
		_, err := b.c.SendEvent(ctx, chatID, reply)
		if err == nil {
			break
		}
		if !errors.Is(err, agent.ErrConnectionLost) || attempt == 3 {
			b.log.Error("reply", "chat", chatID, "err", err)
			return
		}
	}
	if err := b.c.SendTypingIndicator(ctx, chatID, false); err != nil {
		b.log.Warn("typing indicator", "chat", chatID, "err", err)
	}
}

func (b *bot) userRemoved(chatID, userID string) {
	if userID == b.me() {
		b.chat(chatID).serving = false
	}
}

func (b *bot) transferred(n agent.ChatTransferred) {
	st := b.chat(n.Chat)
	st.serving = false
	for _, a := range n.Target.Agents {
		if a == b.me() {
			st.serving = true
		}
	}
}

func (b *bot) threadClosed(chatID string) {
	// Event ids are unique: what is answered can go with the thread.
	delete(b.chats, chatID)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}
