package chatui

import (
	"errors"
	"fmt"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// EndError is what Run returns when the server ended the session for good
// (the SDK's final Disconnected): a wrong license or client id, a token
// refused, a ban, a protocol version the server does not speak. Its
// message says so in words, with the license and server of Options.
type EndError struct {
	// Reason is the protocol's error type or disconnect reason
	// (license_not_found, invalid_client, customer_banned, …).
	Reason string
	// Message is the reason in words: "license 999 not found on
	// http://localhost:8080".
	Message string
	// Err is the SDK's error, a *customer.Error when the server said why.
	Err error
}

func (e *EndError) Error() string { return e.Message }
func (e *EndError) Unwrap() error { return e.Err }

// endError puts a final end of the SDK in words. err is the SDK's error
// (Disconnected.Err, or a call's), reason the protocol's, when known.
func endError(reason string, err error, o Options) *EndError {
	var ce *customer.Error
	msg := ""
	if errors.As(err, &ce) {
		if reason == "" {
			reason = ce.Type
		}
		msg = line(ce.Message)
	}
	server := o.Server
	if server == "" {
		server = "the server"
	}
	var s string
	switch reason {
	case protocol.ErrLicenseNotFound:
		s = fmt.Sprintf("license %d not found on %s", o.License, server)
	case "invalid_client":
		s = fmt.Sprintf("client id %q is not known to license %d on %s", o.ClientID, o.License, server)
	case "unauthorized_client", "redirect_uri_mismatch":
		s = fmt.Sprintf("%s refuses customer tokens to client id %q of license %d from here (%s)", server, o.ClientID, o.License, reason)
	case "invalid_request", "unsupported_grant_type", "unsupported_response_type":
		s = fmt.Sprintf("%s refused the customer token request (%s)", server, reason)
	case protocol.ErrTooManyRequests:
		s = fmt.Sprintf("%s refuses more token requests from this address for now; try again later", server)
	case protocol.ErrCustomerBanned:
		s = fmt.Sprintf("you are banned from the chat of license %d on %s", o.License, server)
	case protocol.ErrUsersLimitReached:
		s = fmt.Sprintf("license %d on %s has as many customers online as it may; try again later", o.License, server)
	case protocol.ErrWrongProductVersion, protocol.ReasonUnsupportedVersion, protocol.ReasonProductVersionChanged:
		s = fmt.Sprintf("%s does not speak this version of the chat (%s)", server, reason)
	case protocol.ErrValidation:
		s = fmt.Sprintf("%s refused your details: %s", server, msg)
	case "":
		s = fmt.Sprintf("%s ended the session: %s", server, errText(err))
	default:
		s = fmt.Sprintf("%s ended the session (%s)", server, line(reason))
		if msg != "" {
			s += ": " + msg
		}
	}
	return &EndError{Reason: reason, Message: s, Err: err}
}
