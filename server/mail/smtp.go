package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	netmail "net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// DefaultTimeout bounds the sending of one message when SMTP.Timeout is
// zero.
const DefaultTimeout = 30 * time.Second

// SMTP sends mail through one SMTP server. It implements chat.Mailer.
type SMTP struct {
	addr, host string
	auth       smtp.Auth
	// From is the sender's address ("Shop <help@shop.example>"). Required.
	From string
	// Timeout bounds one message. Zero: DefaultTimeout.
	Timeout time.Duration
}

// New returns an SMTP for a URL smtp://[user[:pass]@]host[:port] and a
// sender address.
func New(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("mail: the SMTP URL must be smtp://[user:pass@]host[:port], not %q", rawURL)
	}
	if _, err := parseAddress(from); err != nil {
		return nil, fmt.Errorf("mail: the sender %q: %w", from, err)
	}
	port := u.Port()
	if port == "" {
		port = "587"
	}
	s := &SMTP{addr: net.JoinHostPort(u.Hostname(), port), host: u.Hostname(), From: from}
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", user, pass, u.Hostname())
	}
	return s, nil
}

// Send sends m, implementing chat.Mailer. It gives up when ctx ends or
// Timeout has passed, whichever comes first.
func (s *SMTP) Send(ctx context.Context, m chat.Mail) error {
	from, err := parseAddress(s.From)
	if err != nil {
		return fmt.Errorf("mail: sender: %w", err)
	}
	to, err := parseAddress(m.To)
	if err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	// A ctx cancelled during the conversation ends it at once.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: %w", err)
	}
	defer c.Close()
	if err := s.send(c, from, to, m); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}

func (s *SMTP) send(c *smtp.Client, from, to string, m chat.Mail) error {
	if err := c.Hello("localhost"); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: s.host}); err != nil {
			return err
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(message(s.From, m)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// message is m as an RFC 5322 message: plain UTF-8 text, CRLF lines, the
// subject encoded when it is not ASCII.
func message(from string, m chat.Mail) []byte {
	var b strings.Builder
	b.WriteString("From: " + from + "\r\n")
	b.WriteString("To: " + m.To + "\r\n")
	b.WriteString("Subject: " + mime.QEncoding.Encode("utf-8", oneLine(m.Subject)) + "\r\n")
	b.WriteString("Date: " + time.Now().UTC().Format(time.RFC1123Z) + "\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\r", "\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return []byte(b.String())
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

// parseAddress returns the bare address of "Name <addr>" or "addr".
func parseAddress(s string) (string, error) {
	if strings.ContainsAny(s, "\r\n") {
		return "", errors.New("a line break in an address")
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}
