package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/internal/chatui"
)

// chatCmd is `parley chat`: the terminal chat of a customer, built on the
// Customer SDK (package customer) and shown with package chatui.
//
//	parley chat                                   # the demo license on localhost:8080
//	parley chat --server https://chat.example.com --license 42 --client-id my-app --name Ann
//
// The customer's identity is kept between runs (by default in a file
// under the user's config directory; --identity names another), so a second
// run continues as the same customer, with the same chats.
type chatCmd struct {
	Server   string `default:"http://localhost:8080" env:"PARLEY_SERVER" help:"Base URL of the chat server."`
	License  int    `default:"123" env:"PARLEY_LICENSE" help:"License number."`
	ClientID string `default:"parley-demo" env:"PARLEY_CLIENT_ID" help:"Client id the license gave this application."`
	Name     string `help:"Your name, shown to the agents."`
	Email    string `help:"Your e-mail, shown to the agents."`
	Identity string `type:"path" placeholder:"FILE" help:"File that keeps your customer identity between runs (default: one per server, license and client id under your config directory). It holds a token: keep it private."`
	Log      string `type:"path" placeholder:"FILE" help:"Write the SDK's debug log to FILE."`
}

// Help is the long help of `parley chat --help`.
func (chatCmd) Help() string {
	return `A full-screen terminal chat with the support agents of a Parley license, as a customer.

The chat list comes first: ↑/↓ choose a chat, enter opens it, n starts a new chat, r refreshes, q quits.

In a chat, type a message and press enter; the agents see what you type as you type it. pgup/pgdown and ↑/↓ scroll (older messages load at the top), esc goes back to the list, ctrl+c quits. Commands:

  /file PATH                 send a file (up to 10 MiB; esc cancels the upload)
  /rate good|bad [comment]   rate the chat
  /close                     close the chat (a new message opens it again)
  /new                       start a new chat
  /retry                     send again the messages that failed
  /help                      list the commands
  /quit                      leave

Tab selects the buttons of the agent's newest card (a rich message): tab or ←/→ move, enter presses one (the agent gets the postback), esc goes back to typing.

When an agent closes the chat you are asked for a rating: g good, b bad, s skip; then an optional comment and enter (esc sends without one).

The bottom line shows the connection: connecting, connected, or reconnecting when it was lost, with why, the attempt and the seconds to the next one (messages typed meanwhile are sent once it is back).

When the server refuses the session for good (a wrong --license or --client-id, a refused token, a ban), parley chat exits with status 1 and says why, such as "parley chat: license 999 not found on http://localhost:8080"; a wrong flag or --server URL exits with status 2.

Try it against a local server:

  parley serve &
  parley chat --name "Ann"`
}

func (c *chatCmd) Run() error {
	cfg := customer.Config{
		License:  c.License,
		ClientID: c.ClientID,
		Server:   c.Server,
		Customer: customer.CustomerData{Name: c.Name, Email: c.Email},
		// chatui.Run connects once it listens, so that it hears why the
		// server refuses the session.
		ManualConnect: true,
	}
	if c.Identity != "" {
		cfg.Identity = customer.FileStore(c.Identity)
	}
	if c.Log != "" {
		f, err := os.OpenFile(c.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return &commandError{cmd: "chat", status: exitFailure, err: err}
		}
		defer f.Close()
		cfg.Logger = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	sdk, err := customer.Init(cfg)
	if err != nil {
		// The settings are wrong: a server URL that is not http(s).
		flags := strings.NewReplacer("customer: Config.Server", "--server", "customer: Config.License", "--license", "customer: Config.ClientID", "--client-id")
		return &commandError{cmd: "chat", status: exitUsage, err: fmt.Errorf("%s; see 'parley chat --help'", flags.Replace(err.Error()))}
	}
	defer sdk.Destroy()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := chatui.Run(ctx, sdk, chatui.Options{Server: c.Server, License: c.License, ClientID: c.ClientID}); err != nil {
		return &commandError{cmd: "chat", status: exitFailure, err: err}
	}
	return nil
}
