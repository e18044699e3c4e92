// Package mail sends Parley's mail over SMTP with the standard library's
// net/smtp: the answers agents write to offline messages (chat.Mailer).
//
// An SMTP is configured by a URL, smtp://user:pass@host:port (port 587 when
// none is given; user and password optional). A message is sent on a
// connection of its own: EHLO, STARTTLS whenever the server offers it
// (certificates checked against the host name), AUTH PLAIN when the URL
// has a user, then one MAIL, RCPT and DATA. net/smtp refuses to send a
// password over a connection without TLS unless the server is on
// localhost. A connection that takes more than Timeout (default 30 s)
// is given up; the message is not retried.
package mail
