package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// stdin is where --password-stdin reads (tests replace it).
var stdin io.Reader = os.Stdin

// readPassword reads a password: the first line of stdin when fromStdin is
// set, else from the terminal, typed twice without echo. A password is
// never only a flag, which other users could read in the process list.
func readPassword(fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		pw := strings.TrimRight(line, "\r\n")
		if pw == "" {
			return "", errors.New("--password-stdin: standard input holds no password")
		}
		return pw, nil
	}
	fd := os.Stdin.Fd()
	if !stdinIsTerminal() {
		return "", errors.New("standard input is not a terminal: give the password with --password-stdin")
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(os.Stderr, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	pw, err := read("New password: ")
	if err != nil {
		return "", err
	}
	again, err := read("Again: ")
	if err != nil {
		return "", err
	}
	switch {
	case pw == "":
		return "", errors.New("the password is empty")
	case pw != again:
		return "", errors.New("the passwords differ")
	}
	return pw, nil
}

// stdinIsTerminal reports whether a password can be asked for.
func stdinIsTerminal() bool { return term.IsTerminal(os.Stdin.Fd()) }

// agentOf returns an agent, with a clear error when it does not exist.
func agentOf(ctx context.Context, st chat.Store, license int, email string) (chat.Agent, error) {
	a, err := st.Agent(ctx, license, email)
	if errors.Is(err, chat.ErrNotFound) {
		return chat.Agent{}, fmt.Errorf("license %d has no agent %s", license, email)
	}
	return a, err
}

// agentFlags name one agent.
type agentFlags struct {
	storeFlags `embed:""`
	Email      string `required:"" help:"E-mail address of the agent."`
}

// change applies fn to the agent, stores it, then runs after (if not nil).
func (f agentFlags) change(fn func(a *chat.Agent), after func(ctx context.Context, st chat.Store) error) error {
	ctx := context.Background()
	st, err := f.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := agentOf(ctx, st, f.License, f.Email)
	if err != nil {
		return err
	}
	fn(&a)
	if err := st.PutAgent(ctx, a); err != nil {
		return err
	}
	if after != nil {
		return after(ctx, st)
	}
	return nil
}

type agentDisableCmd struct {
	agentFlags `embed:""`
}

// Run disables the agent and revokes its tokens: a running server (this
// process or another) closes the agent's connections at its next
// revocation check, the path parley agent revoke takes, and refuses the
// agent's logins at once.
//
// The tokens are revoked after the agent is stored disabled: a token issued
// before is revoked, and none is issued after.
func (c *agentDisableCmd) Run() error {
	err := c.change(func(a *chat.Agent) { a.Disabled = true }, func(ctx context.Context, st chat.Store) error {
		return st.RevokeAgentTokens(ctx, c.License, c.Email, time.Now())
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "disabled agent %s of license %d; its connections close within seconds\n", c.Email, c.License)
	return nil
}

type agentEnableCmd struct {
	agentFlags `embed:""`
}

func (c *agentEnableCmd) Run() error {
	if err := c.change(func(a *chat.Agent) { a.Disabled = false }, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "enabled agent %s of license %d\n", c.Email, c.License)
	return nil
}

type agentRemoveCmd struct {
	agentFlags `embed:""`
}

func (c *agentRemoveCmd) Run() error {
	ctx := context.Background()
	st, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := agentOf(ctx, st, c.License, c.Email); err != nil {
		return err
	}
	// Revoked first, so that a running server closes the agent's
	// connections (their revocation check) although it is gone.
	if err := st.RevokeAgentTokens(ctx, c.License, c.Email, time.Now()); err != nil {
		return err
	}
	if err := st.DeleteAgent(ctx, c.License, c.Email); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed agent %s of license %d; its connections close within seconds\n", c.Email, c.License)
	return nil
}

type agentSetPasswordCmd struct {
	agentFlags `embed:""`
	PwStdin    bool `name:"password-stdin" help:"Read the password from the first line of standard input (default: ask on the terminal)."`
}

func (c *agentSetPasswordCmd) Run() error {
	pw, err := readPassword(c.PwStdin)
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	if err := c.change(func(a *chat.Agent) { a.PasswordHash = hash }, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "set the password of agent %s of license %d (parley agent revoke ends the sessions it has)\n", c.Email, c.License)
	return nil
}

type groupListCmd struct {
	storeFlags `embed:""`
}

func (c *groupListCmd) Run() error {
	ctx := context.Background()
	st, err := c.openLicense(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	groups, err := st.Groups(ctx, c.License)
	if err != nil {
		return err
	}
	agents, err := st.Agents(ctx, c.License)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tAGENTS")
	for _, g := range groups {
		fmt.Fprintf(tw, "%d\t%s\t%d\n", g.ID, g.Name, len(chat.AgentsInGroup(agents, g.ID)))
	}
	return tw.Flush()
}

type groupRemoveCmd struct {
	storeFlags `embed:""`
	ID         int `name:"id" required:"" help:"Group number."`
}

func (c *groupRemoveCmd) Run() error {
	ctx := context.Background()
	if c.ID == 0 {
		return errors.New("group 0 is the license's default group: it cannot be removed")
	}
	st, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	agents, err := st.Agents(ctx, c.License)
	if err != nil {
		return err
	}
	if in := chat.AgentsInGroup(agents, c.ID); len(in) > 0 {
		return fmt.Errorf("group %d of license %d still has agents (%s): change their --groups first", c.ID, c.License, strings.Join(in, ", "))
	}
	if err := st.DeleteGroup(ctx, c.License, c.ID); errors.Is(err, chat.ErrNotFound) {
		return fmt.Errorf("license %d has no group %d", c.License, c.ID)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed group %d of license %d\n", c.ID, c.License)
	return nil
}
