package customer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/parleychat/parley/internal/client"
)

// Config configures an SDK. License, ClientID and Server are required.
type Config struct {
	// License is the license number.
	License int
	// ClientID is the client id the license gave this application.
	ClientID string
	// Server is the chat server's base URL ("https://chat.example.com");
	// the Customer Chat API lives under /v3.0/customer and the customer
	// token endpoint at /customer/token.
	Server string
	// Group routes new chats to this group (and is sent at login). Zero:
	// group 0.
	Group int
	// Customer is the customer's initial name, e-mail and fields, sent at
	// login.
	Customer CustomerData
	// Page is the page the customer is on, sent at login. Nil: none.
	Page *Page
	// Referrer is sent at login. Empty: none.
	Referrer string
	// RedirectURI is the redirect_uri of the token request: an absolute
	// URL whose origin the license allows. Empty: Server.
	RedirectURI string
	// ManualConnect makes Init return without connecting; Connect starts
	// the connection. Zero: Init connects in the background (the JS SDK's
	// autoConnect: true).
	ManualConnect bool
	// Identity keeps the customer's identity (the accounts cookie and the
	// current token) so that a program run twice is the same customer.
	// Nil: a FileStore under os.UserConfigDir()/parley, one file per
	// server, license and client id (see DefaultIdentityFile; MemoryStore
	// if there is no config directory).
	Identity IdentityStore
	// HTTPClient makes the token, upload and WebSocket requests. Nil:
	// http.DefaultClient.
	HTTPClient *http.Client
	// Logger receives the SDK's logs. Nil: nothing is logged.
	Logger *slog.Logger
	// ReconnectDelay returns the wait before reconnect attempt n (1, 2, …).
	// Nil: 0.5 s doubling up to 20 s, with ±30 % jitter.
	ReconnectDelay func(attempt int) time.Duration
	// NotificationBuffer is how many notifications may wait for handlers.
	// When handlers fall that far behind, the SDK stops reading from the
	// connection until they catch up (nothing is dropped; the server closes
	// a connection that stays blocked too long, and the SDK then
	// reconnects and recovers what it missed). Zero: 1024.
	NotificationBuffer int
	// SneakPeekInterval is the shortest time between two sneak peeks of one
	// chat. Zero: 2 s.
	SneakPeekInterval time.Duration
}

func (c *Config) validate() error {
	if c.License <= 0 {
		return errors.New("customer: Config.License must be a positive license number")
	}
	if c.ClientID == "" {
		return errors.New("customer: Config.ClientID is required")
	}
	srv, err := client.BaseURL(c.Server)
	if err != nil {
		return fmt.Errorf("customer: Config.Server %w", err)
	}
	c.Server = srv
	if c.RedirectURI == "" {
		c.RedirectURI = c.Server
	}
	client.Defaults(&c.HTTPClient, &c.Logger, &c.NotificationBuffer)
	if c.SneakPeekInterval <= 0 {
		c.SneakPeekInterval = 2 * time.Second
	}
	if c.Identity == nil {
		c.Identity = defaultIdentity(c)
	}
	return nil
}

func defaultIdentity(c *Config) IdentityStore {
	path, err := DefaultIdentityFile(*c)
	if err != nil {
		return MemoryStore()
	}
	return &fileStore{path: path, private: true}
}

// DefaultIdentityFile returns the file that keeps the identity of an SDK
// configured with cfg and no Identity:
// os.UserConfigDir()/parley/customer-<License>-<hash of Server and
// ClientID>.json, such as ~/.config/parley/customer-123-0123456789ab.json
// on Linux. The file (mode 0600) holds the customer's token and accounts
// cookie; its directory is made 0700. Delete the file to become a new
// customer. It fails when there is no user config directory (then the
// SDK keeps the identity in memory).
func DefaultIdentityFile(cfg Config) (string, error) {
	srv, err := client.BaseURL(cfg.Server)
	if err != nil {
		return "", fmt.Errorf("customer: Config.Server %w", err)
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("customer: identity file: %w", err)
	}
	h := sha256.Sum256([]byte(srv + "\x00" + cfg.ClientID))
	name := "customer-" + strconv.Itoa(cfg.License) + "-" + hex.EncodeToString(h[:6]) + ".json"
	return filepath.Join(dir, "parley", name), nil
}

// rtmURL is the plain WebSocket RTM endpoint.
func (c *Config) rtmURL() string {
	return client.WebSocketURL(c.Server, "/v3.0/customer/rtm/ws?license_id="+strconv.Itoa(c.License))
}
