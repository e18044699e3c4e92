// Command chat is a terminal chat window for a customer: it connects to a
// chat server speaking the LiveChat Customer Chat API v3.0 (a Parley
// server, for one) with the Customer SDK for Go, picks up the customer's
// chat where it was left, prints what the agents say and sends each line
// typed as a message.
//
//	go run ./examples/chat --server http://localhost:8080 --license 123 --client-id parley-demo
//
// The customer's identity is kept in a file (by default under the user's
// config directory), so running the program again is the same customer,
// back in the same chat. Type /quit (or press Ctrl-D) to leave.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/customer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// run is the whole program: it returns when stdin ends, on /quit, when ctx
// ends (nil then) or when the server ends the customer's session.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stdout)
	server := fs.String("server", envOr("PARLEY_SERVER", "http://localhost:8080"), "chat server base URL (env PARLEY_SERVER)")
	license := fs.Int("license", envInt("PARLEY_LICENSE", 123), "license number (env PARLEY_LICENSE)")
	clientID := fs.String("client-id", envOr("PARLEY_CLIENT_ID", "parley-demo"), "client id of the license (env PARLEY_CLIENT_ID)")
	name := fs.String("name", os.Getenv("PARLEY_NAME"), "your name, as agents see it the first time (env PARLEY_NAME)")
	identity := fs.String("identity", os.Getenv("PARLEY_IDENTITY"), "file keeping who you are between runs (env PARLEY_IDENTITY; default: under your config directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	cfg := customer.Config{
		License:       *license,
		ClientID:      *clientID,
		Server:        *server,
		Customer:      customer.CustomerData{Name: *name},
		ManualConnect: true, // subscribe first, then connect
	}
	if *identity != "" {
		cfg.Identity = customer.FileStore(*identity)
	}
	sdk, err := customer.Init(cfg)
	if err != nil {
		return err
	}
	defer sdk.Destroy()

	out := &printer{w: stdout}
	ended := make(chan string, 1) // why the server ended the session
	subscribe(sdk, out, ended)
	if err := sdk.Connect(); err != nil {
		return err
	}

	out.println("Connecting to " + *server + "…")
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	sum, err := sdk.GetChatsSummary(cctx, customer.Pagination{Limit: 1})
	cancel()
	if err != nil {
		select {
		case reason := <-ended:
			return fmt.Errorf("the server ended the session: %s", reason)
		default:
		}
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("connect to %s: %w", *server, err)
	}
	// The most recent chat is the one to go on with; a message to a chat
	// whose thread was closed opens a new thread in it.
	var chatID string
	if len(sum.Chats) > 0 {
		c := sum.Chats[0]
		chatID = c.ID
		if c.Active {
			out.println("* Back in your chat.")
		} else {
			out.println("* Back in your last chat; your next message reopens it.")
		}
	}
	out.println("Type a message and press Enter; /quit to leave.")

	// Reading stdin cannot be interrupted: the reader stops at the end of
	// stdin or, after run returns, at its next line.
	lines := make(chan string)
	readErr := make(chan error, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-done:
				return
			}
		}
		readErr <- sc.Err()
	}()

	for {
		select {
		case <-ctx.Done():
			return nil
		case reason := <-ended:
			return fmt.Errorf("the server ended the session: %s", reason)
		case err := <-readErr:
			return err // nil at the end of stdin
		case line := <-lines:
			text := strings.TrimSpace(line)
			switch {
			case text == "":
				continue
			case text == "/quit":
				return nil
			}
			msg := customer.Event{Type: customer.EventMessage, Text: text}
			if chatID == "" {
				chat, err := sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{msg}})
				if err != nil {
					out.println("! not sent: " + err.Error())
					continue
				}
				chatID = chat.ID
				continue
			}
			if _, err := sdk.SendEvent(ctx, chatID, msg); err != nil {
				out.println("! not sent: " + err.Error())
			}
		}
	}
}

// subscribe prints what happens in the customer's chats. The handlers run
// one at a time, so names needs no lock.
func subscribe(sdk *customer.SDK, out *printer, ended chan<- string) {
	names := map[string]string{} // user id → name
	nameOf := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return "agent"
	}
	customer.On(sdk, func(u customer.UserData) {
		names[u.User.ID] = u.User.Name
	})
	customer.On(sdk, func(e customer.NewEvent) {
		ev := e.Event
		who := nameOf(ev.Author)
		if ev.Author == sdk.CustomerID() {
			who = "you"
		}
		switch ev.Type {
		case customer.EventMessage:
			out.println(who + ": " + ev.Text)
		case customer.EventFile:
			out.println(who + " sent a file: " + ev.Name + " " + ev.URL)
		case customer.EventRichMessage:
			for _, el := range ev.Elements {
				var buttons []string
				for _, b := range el.Buttons {
					buttons = append(buttons, "["+b.Text+"]")
				}
				out.println(who + ": " + strings.TrimSpace(el.Title+" "+strings.Join(buttons, " ")))
			}
		case customer.EventSystemMessage:
			out.println("* " + ev.Text)
		}
	})
	customer.On(sdk, func(e customer.UserIsTyping) {
		out.println("* " + nameOf(e.User) + " is typing…")
	})
	customer.On(sdk, func(e customer.UserJoinedChat) {
		if e.User != sdk.CustomerID() {
			out.println("* " + nameOf(e.User) + " joined the chat.")
		}
	})
	customer.On(sdk, func(customer.ThreadClosed) {
		out.println("* The chat is closed; write again to reopen it.")
	})
	customer.On(sdk, func(customer.ConnectionLost) {
		out.println("* Connection lost; reconnecting…")
	})
	customer.On(sdk, func(customer.ConnectionRestored) {
		out.println("* Reconnected.")
	})
	customer.On(sdk, func(d customer.Disconnected) {
		if d.Final {
			select {
			case ended <- d.Reason:
			default:
			}
		}
	})
}

// printer writes whole lines from any goroutine.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) println(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, s)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}
