package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/client"
)

// Config configures a Client. Server, License and either Token or Email
// and Password are required.
type Config struct {
	// Server is the chat server's base URL ("https://chat.example.com");
	// the Agent Chat API lives under /v3.0/agent.
	Server string
	// License is the license number.
	License int
	// Token is an agent access token (without "Bearer "), for example from
	// Login. A client with a Token and no Email and Password stops for
	// good when the server refuses the token (expired or revoked).
	Token string
	// Email and Password log the agent in (POST /v3.0/agent/login) when
	// Token is empty, and again whenever the token expires or is refused.
	Email    string
	Password string
	// HTTPClient makes the login, upload and WebSocket requests. Nil:
	// http.DefaultClient.
	HTTPClient *http.Client
	// Logger receives the client's logs. Nil: nothing is logged.
	Logger *slog.Logger
	// ReconnectDelay returns the wait before reconnect attempt n (1, 2, …).
	// Nil: 0.5 s doubling up to 20 s, with ±30 % jitter.
	ReconnectDelay func(attempt int) time.Duration
	// ManualConnect makes New return without connecting; Connect starts
	// the connection. Use it to register handlers before the first
	// notification (Connected). Zero: New connects in the background.
	ManualConnect bool
	// NotificationBuffer is how many notifications may wait for handlers.
	// When handlers fall that far behind, the client stops reading from the
	// connection until they catch up (nothing is dropped; the server closes
	// a connection that stays blocked too long, and the client then
	// reconnects and recovers what it missed). Zero: 1024.
	NotificationBuffer int
}

func (c *Config) validate() error {
	if c.License <= 0 {
		return errors.New("agent: Config.License must be a positive license number")
	}
	srv, err := client.BaseURL(c.Server)
	if err != nil {
		return fmt.Errorf("agent: Config.Server: %w", err)
	}
	c.Server = srv
	if c.Token == "" && (c.Email == "" || c.Password == "") {
		return errors.New("agent: Config needs a Token, or an Email and a Password")
	}
	c.Token = strings.TrimPrefix(c.Token, "Bearer ")
	client.Defaults(&c.HTTPClient, &c.Logger, &c.NotificationBuffer)
	return nil
}

// rtmURL is the agent RTM WebSocket endpoint.
func (c *Config) rtmURL() string {
	return client.WebSocketURL(c.Server, "/v3.0/agent/rtm/ws")
}
