package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// The saved reply commands: what the Configuration API's
// create/update/delete/list_canned_responses do, on the database.

type replyCmd struct {
	Add    replyAddCmd    `cmd:"" help:"Add a saved reply (typed as #shortcut in the console), or change the text of one."`
	List   replyListCmd   `cmd:"" help:"List the saved replies of a license."`
	Remove replyRemoveCmd `cmd:"" help:"Remove a saved reply."`
}

type replyAddCmd struct {
	storeFlags `embed:""`
	Shortcut   string `required:"" help:"Shortcut: 1 to 32 of a-z, 0-9, _ and - (a leading # is dropped)."`
	Text       string `required:"" help:"The reply, at most 2,000 characters."`
}

// findReply returns the saved reply of a license with a shortcut.
func findReply(ctx context.Context, st chat.Store, license int, shortcut string) (chat.CannedResponse, bool, error) {
	rs, err := st.CannedResponses(ctx, license)
	if err != nil {
		return chat.CannedResponse{}, false, err
	}
	for _, r := range rs {
		if r.Shortcut == shortcut {
			return r, true, nil
		}
	}
	return chat.CannedResponse{}, false, nil
}

func (c *replyAddCmd) Run() error {
	ctx := context.Background()
	shortcut := strings.TrimPrefix(c.Shortcut, "#")
	if err := chat.CheckCannedResponse(shortcut, c.Text); err != nil {
		return err
	}
	st, err := c.openLicense(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	r, found, err := findReply(ctx, st, c.License, shortcut)
	if err != nil {
		return err
	}
	if !found {
		if rs, err := st.CannedResponses(ctx, c.License); err != nil {
			return err
		} else if len(rs) >= chat.MaxCannedResponses {
			return fmt.Errorf("license %d has %d saved replies, the most it may have", c.License, len(rs))
		}
	}
	r.LicenseID, r.Shortcut, r.Text, r.UpdatedAt = c.License, shortcut, c.Text, time.Now()
	if _, err := st.PutCannedResponse(ctx, r); err != nil {
		return err
	}
	verb := "added"
	if found {
		verb = "changed"
	}
	fmt.Fprintf(stdout, "%s the saved reply #%s of license %d\n", verb, shortcut, c.License)
	return nil
}

type replyListCmd struct {
	storeFlags `embed:""`
}

func (c *replyListCmd) Run() error {
	ctx := context.Background()
	st, err := c.openLicense(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	rs, err := st.CannedResponses(ctx, c.License)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHORTCUT\tTEXT")
	for _, r := range rs {
		text := strings.Join(strings.Fields(r.Text), " ")
		if n := []rune(text); len(n) > 60 {
			text = string(n[:59]) + "…"
		}
		fmt.Fprintf(tw, "#%s\t%s\n", r.Shortcut, text)
	}
	return tw.Flush()
}

type replyRemoveCmd struct {
	storeFlags `embed:""`
	Shortcut   string `required:"" help:"Shortcut of the reply."`
}

func (c *replyRemoveCmd) Run() error {
	ctx := context.Background()
	shortcut := strings.TrimPrefix(c.Shortcut, "#")
	st, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	r, found, err := findReply(ctx, st, c.License, shortcut)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("license %d has no saved reply #%s", c.License, shortcut)
	}
	if err := st.DeleteCannedResponse(ctx, c.License, r.ID); err != nil && !errors.Is(err, chat.ErrNotFound) {
		return err
	}
	fmt.Fprintf(stdout, "removed the saved reply #%s of license %d\n", shortcut, c.License)
	return nil
}
