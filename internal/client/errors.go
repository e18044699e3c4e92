package client

import (
	"errors"

	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

// Errors maps engine and wire errors to a public package's errors.
type Errors struct {
	// Closed replaces rtm.ErrClosed (customer.ErrDestroyed, agent.ErrClosed).
	Closed error
	// NotConnected replaces rtm.ErrNotConnected.
	NotConnected error
	// ConnectionLost replaces rtm.ErrConnectionLost.
	ConnectionLost error
	// Server makes the package's error of a server's error answer.
	Server func(typ, message string, data map[string]any) error
}

// Wrap turns err into the package's error: a *protocol.Error (a server's
// answer) into Server's error, an engine error into its sentinel. Other
// errors, and nil, are returned as they are.
func (m *Errors) Wrap(err error) error {
	var pe *protocol.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return m.Server(pe.Type, pe.Message, pe.Data)
	case errors.Is(err, rtm.ErrConnectionLost):
		return m.ConnectionLost
	case errors.Is(err, rtm.ErrClosed):
		return m.Closed
	case errors.Is(err, rtm.ErrNotConnected):
		return m.NotConnected
	}
	return err
}
