package chatui

import (
	"context"
	"errors"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/parleychat/parley/customer"
)

// Options changes the program.
type Options struct {
	// Server is shown in the chat list's title and named, with License
	// and ClientID, when the server ends the session (EndError).
	Server   string
	License  int
	ClientID string
}

// Run shows the chat on the terminal until the customer quits or ctx
// ends. It connects sdk once its notifications are subscribed (so an SDK
// made with Config.ManualConnect loses none). When the server ends the
// session for good, Run returns an *EndError that says why in words: at
// once when it happens before the first login (a wrong license, client id
// or token), when the customer quits otherwise (a ban). The caller still
// owns sdk (and destroys it).
func Run(ctx context.Context, sdk *customer.SDK, o Options, opts ...tea.ProgramOption) error {
	m := New(ctx, sdk, o)
	opts = append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx)}, opts...)
	p := tea.NewProgram(m, opts...)
	off := Subscribe(sdk, p.Send)
	defer off()
	if err := sdk.Connect(); err != nil {
		m.cancel()
		return endError("", err, o)
	}
	_, err := p.Run()
	m.cancel()
	if m.link.ended != nil {
		return m.link.ended
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Subscribe passes every notification of sdk to send (a tea.Program's
// Send) for the model to handle. Call the returned off to stop.
func Subscribe(sdk *customer.SDK, send func(tea.Msg)) (off func()) {
	return sdk.On("*", func(n customer.Notification) {
		send(notificationMsg{n})
	})
}

// notificationMsg carries an SDK notification into the program.
type notificationMsg struct{ n customer.Notification }
