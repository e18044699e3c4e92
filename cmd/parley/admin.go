package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// The account commands work on the database `parley serve` uses: the
// SQLite database of a data directory, or the PostgreSQL database of
// --database-url. They may run while the server does.

// stdout is where the commands write (tests replace it).
var stdout io.Writer = os.Stdout

// dbFlags name the database a command works on.
type dbFlags struct {
	DataDir     string `default:"parley-data" env:"PARLEY_DATA_DIR" help:"Data directory of the server (its SQLite database)."`
	DatabaseURL string `env:"PARLEY_DATABASE_URL" help:"PostgreSQL database of the server (postgres://…), instead of the data directory's SQLite."`
}

// open opens the database; a data directory's must exist unless create is
// set.
func (f dbFlags) open(ctx context.Context, create bool) (chat.Store, error) {
	return openDatabase(ctx, f.DataDir, f.DatabaseURL, create)
}

// storeFlags name the database and the license an account command works on.
type storeFlags struct {
	dbFlags `embed:""`
	License int `default:"123" env:"PARLEY_LICENSE" help:"License number."`
}

// openLicense opens the database of a command that works on the
// license. With create, what is missing is made: the data directory, the
// database, and the license with its group 0 (said on stdout). Without
// it, the database and the license must exist. The caller closes the
// store.
func (f storeFlags) openLicense(ctx context.Context, create bool) (chat.Store, error) {
	st, err := f.open(ctx, create)
	if err != nil {
		return nil, err
	}
	_, err = st.License(ctx, f.License)
	switch {
	case errors.Is(err, chat.ErrNotFound) && create:
		err = st.PutLicense(ctx, chat.License{ID: f.License, Name: "License " + strconv.Itoa(f.License), CreatedAt: time.Now()})
		if err == nil {
			fmt.Fprintf(stdout, "created license %d\n", f.License)
		}
	case errors.Is(err, chat.ErrNotFound):
		err = fmt.Errorf("there is no license %d in this database", f.License)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

type agentCmd struct {
	Add         agentAddCmd         `cmd:"" help:"Create an agent, or change one."`
	List        agentListCmd        `cmd:"" help:"List the agents of a license."`
	Revoke      agentRevokeCmd      `cmd:"" help:"Revoke every access token an agent has: its connections close and it must log in again."`
	Disable     agentDisableCmd     `cmd:"" help:"Disable an agent: its connections close and it cannot log in until enabled."`
	Enable      agentEnableCmd      `cmd:"" help:"Let a disabled agent log in again."`
	Remove      agentRemoveCmd      `cmd:"" help:"Remove an agent: its connections close; its chats keep it in their history."`
	SetPassword agentSetPasswordCmd `cmd:"" help:"Set an agent's password, read from the terminal or, with --password-stdin, from standard input."`
}

type agentAddCmd struct {
	storeFlags `embed:""`
	Email      string `required:"" help:"E-mail address: the agent's id and login."`
	Name       string `help:"Name shown to customers (a new agent: required)."`
	Password   string `env:"PARLEY_AGENT_PASSWORD" help:"Password. A new agent without it or --password-stdin is asked for one on the terminal; an existing one keeps its password. A flag shows in the process list: prefer the terminal or --password-stdin."`
	PwStdin    bool   `name:"password-stdin" help:"Read the password from the first line of standard input."`
	Groups     []int  `sep:"," help:"Groups the agent takes chats of, comma-separated (a new agent: 0)."`
	MaxChats   int    `default:"-1" help:"How many chats routing gives the agent at once (a new agent: 6)."`
	JobTitle   string `help:"Job title shown to customers."`
	Role       string `help:"Role: owner, viceowner, administrator or normal (a new agent: normal). Normal agents see the chats of their groups; the others every chat, and they may ban customers and remove agents from chats."`
}

func (c *agentAddCmd) Run() error {
	ctx, out := context.Background(), stdout
	if c.Role != "" && !slices.Contains(chat.Roles, c.Role) {
		return fmt.Errorf("--role %q: want owner, viceowner, administrator or normal", c.Role)
	}
	if !strings.Contains(c.Email, "@") {
		return fmt.Errorf("--email %q is not an e-mail address", c.Email)
	}
	if c.MaxChats < -1 {
		return errors.New("--max-chats must not be negative")
	}
	if c.PwStdin {
		if c.Password != "" {
			return errors.New("give --password or --password-stdin, not both")
		}
		pw, err := readPassword(true)
		if err != nil {
			return err
		}
		c.Password = pw
	}
	st, err := c.openLicense(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := st.Agent(ctx, c.License, c.Email)
	isNew := errors.Is(err, chat.ErrNotFound)
	switch {
	case isNew:
		if c.Name == "" {
			return errors.New("a new agent needs --name")
		}
		if c.Password == "" && stdinIsTerminal() {
			if c.Password, err = readPassword(false); err != nil {
				return err
			}
		}
		if c.Password == "" {
			return errors.New("a new agent needs a password: typed on the terminal, or --password-stdin")
		}
		a = chat.Agent{ID: c.Email, LicenseID: c.License, Groups: []int{0}, Role: chat.RoleNormal, MaxChats: chat.DefaultMaxChats, CreatedAt: time.Now()}
	case err != nil:
		return err
	}
	if c.Name != "" {
		a.Name = c.Name
	}
	if c.Password != "" {
		if a.PasswordHash, err = auth.HashPassword(c.Password); err != nil {
			return err
		}
	}
	if c.Groups != nil {
		groups, err := st.Groups(ctx, c.License)
		if err != nil {
			return err
		}
		for _, g := range c.Groups {
			if !slices.ContainsFunc(groups, func(x chat.Group) bool { return x.ID == g }) {
				return fmt.Errorf("license %d has no group %d (parley group add --id %d --name …)", c.License, g, g)
			}
		}
		a.Groups = slices.Compact(slices.Sorted(slices.Values(c.Groups)))
	}
	if c.MaxChats >= 0 {
		a.MaxChats = c.MaxChats
	}
	if c.JobTitle != "" {
		a.JobTitle = c.JobTitle
	}
	if c.Role != "" {
		a.Role = c.Role
	}
	if err := st.PutAgent(ctx, a); err != nil {
		return err
	}
	verb := "updated"
	if isNew {
		verb = "added"
	}
	fmt.Fprintf(out, "%s agent %s of license %d (groups %s, max chats %d)\n", verb, a.ID, a.LicenseID, formatGroups(a.GroupIDs()), a.ChatLimit())
	return nil
}

func formatGroups(gs []int) string {
	s := make([]string, len(gs))
	for i, g := range gs {
		s[i] = strconv.Itoa(g)
	}
	return strings.Join(s, ",")
}

type agentListCmd struct {
	storeFlags `embed:""`
}

func (c *agentListCmd) Run() error {
	ctx, out := context.Background(), stdout
	st, err := c.openLicense(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	agents, err := st.Agents(ctx, c.License)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tGROUPS\tMAX CHATS\tSTATUS\tJOB TITLE")
	for _, a := range agents {
		status := "enabled"
		if a.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", a.ID, a.Name, a.Role, formatGroups(a.GroupIDs()), a.ChatLimit(), status, a.JobTitle)
	}
	return tw.Flush()
}

type agentRevokeCmd struct {
	storeFlags `embed:""`
	Email      string `required:"" help:"E-mail address of the agent."`
}

func (c *agentRevokeCmd) Run() error {
	ctx, out := context.Background(), stdout
	st, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := agentOf(ctx, st, c.License, c.Email); err != nil {
		return err
	}
	now := time.Now()
	if err := st.RevokeAgentTokens(ctx, c.License, c.Email, now); err != nil {
		return err
	}
	fmt.Fprintf(out, "revoked the tokens agent %s of license %d got before %s; its connections close within seconds\n",
		c.Email, c.License, now.Format(time.RFC3339))
	return nil
}

type groupCmd struct {
	Add    groupAddCmd    `cmd:"" help:"Create a group, or rename one."`
	List   groupListCmd   `cmd:"" help:"List the groups of a license."`
	Remove groupRemoveCmd `cmd:"" help:"Remove a group no agent is in."`
}

type groupAddCmd struct {
	storeFlags `embed:""`
	ID         int     `name:"id" required:"" help:"Group number (0 is the license's default group)."`
	Name       string  `required:"" help:"Group name."`
	Greeting   *string `help:"What the widget shows a visitor of the group before a chat starts (empty: the widget's own). Without the flag a renamed group keeps its greeting."`
}

func (c *groupAddCmd) Run() error {
	ctx, out := context.Background(), stdout
	if c.ID < 0 {
		return errors.New("--id must not be negative")
	}
	st, err := c.openLicense(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	g := chat.Group{LicenseID: c.License, ID: c.ID, Name: c.Name}
	if c.Greeting != nil {
		if err := chat.CheckGreeting(*c.Greeting); err != nil {
			return err
		}
		g.Greeting = strings.TrimSpace(*c.Greeting)
	} else {
		groups, err := st.Groups(ctx, c.License)
		if err != nil {
			return err
		}
		for _, old := range groups {
			if old.ID == c.ID {
				g.Greeting = old.Greeting
			}
		}
	}
	if err := st.PutGroup(ctx, g); err != nil {
		return err
	}
	fmt.Fprintf(out, "group %d of license %d is %q\n", c.ID, c.License, c.Name)
	if g.Greeting != "" {
		fmt.Fprintf(out, "its greeting: %q\n", g.Greeting)
	}
	return nil
}
