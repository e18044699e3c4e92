package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// The license and client commands: a license is a tenant; a client is what
// the customer token flow names (client_id), with the sites allowed to get
// the license's customer tokens.

type licenseCmd struct {
	Add  licenseAddCmd  `cmd:"" help:"Create a license (with its group 0), or rename one or change its organization id."`
	List licenseListCmd `cmd:"" help:"List the licenses."`
	Show licenseShowCmd `cmd:"" help:"Show a license, by number or by organization id."`
}

type licenseAddCmd struct {
	dbFlags        `embed:""`
	ID             int    `name:"id" required:"" help:"License number (positive)."`
	Name           string `help:"License name (a new license: \"License <id>\")."`
	OrganizationID string `name:"organization-id" help:"Organization id of the license, a UUID: what the Customer Chat API v3.5 and customer-auth 1.0.0 name it by (a new license: random; an existing one keeps its own)."`
}

func (c *licenseAddCmd) Run() error {
	ctx := context.Background()
	if c.ID <= 0 {
		return errors.New("--id must be positive")
	}
	org := ""
	if c.OrganizationID != "" {
		var err error
		if org, err = chat.ParseOrganizationID(c.OrganizationID); err != nil {
			return fmt.Errorf("--organization-id %q is not a UUID (like %s)", c.OrganizationID, chat.NewOrganizationID())
		}
	}
	st, err := c.open(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if org != "" {
		switch other, err := st.LicenseByOrganization(ctx, org); {
		case err == nil && other.ID != c.ID:
			return fmt.Errorf("organization id %s belongs to license %d", org, other.ID)
		case err != nil && !errors.Is(err, chat.ErrNotFound):
			return err
		}
	}
	l, err := st.License(ctx, c.ID)
	verb := "updated"
	switch {
	case errors.Is(err, chat.ErrNotFound):
		verb = "added"
		l = chat.License{ID: c.ID, Name: "License " + strconv.Itoa(c.ID), CreatedAt: time.Now()}
	case err != nil:
		return err
	}
	if c.Name != "" {
		l.Name = c.Name
	}
	if org != "" {
		l.OrganizationID = org
	}
	if err := st.PutLicense(ctx, l); err != nil {
		return err
	}
	// A new license without --organization-id got its id from the store.
	if l, err = st.License(ctx, c.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s license %d %q, organization %s\n", verb, l.ID, l.Name, l.OrganizationID)
	return nil
}

type licenseListCmd struct {
	dbFlags `embed:""`
}

func (c *licenseListCmd) Run() error {
	ctx := context.Background()
	st, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	ls, err := st.Licenses(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tORGANIZATION\tCREATED")
	for _, l := range ls {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", l.ID, l.Name, l.OrganizationID, createdText(l))
	}
	return tw.Flush()
}

// createdText is a license's creation time for the license commands.
func createdText(l chat.License) string {
	if l.CreatedAt.IsZero() {
		return "-"
	}
	return l.CreatedAt.UTC().Format(time.RFC3339)
}

type licenseShowCmd struct {
	dbFlags        `embed:""`
	ID             int    `name:"id" xor:"which" required:"" help:"License number."`
	OrganizationID string `name:"organization-id" xor:"which" required:"" help:"Organization id of the license."`
}

func (c *licenseShowCmd) Run() error {
	ctx := context.Background()
	st, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var l chat.License
	if c.OrganizationID != "" {
		org, perr := chat.ParseOrganizationID(c.OrganizationID)
		if perr != nil {
			return fmt.Errorf("--organization-id %q is not a UUID", c.OrganizationID)
		}
		if l, err = st.LicenseByOrganization(ctx, org); errors.Is(err, chat.ErrNotFound) {
			return fmt.Errorf("no license has organization id %s in this database", org)
		}
	} else if l, err = st.License(ctx, c.ID); errors.Is(err, chat.ErrNotFound) {
		return fmt.Errorf("there is no license %d in this database", c.ID)
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "id:\t%d\nname:\t%s\norganization id:\t%s\ncreated:\t%s\n", l.ID, l.Name, l.OrganizationID, createdText(l))
	return tw.Flush()
}

type clientCmd struct {
	Add    clientAddCmd    `cmd:"" help:"Create a client of a license and print its id."`
	List   clientListCmd   `cmd:"" help:"List the clients of a license."`
	Update clientUpdateCmd `cmd:"" help:"Change a client's origins or redirect URIs."`
	Remove clientRemoveCmd `cmd:"" help:"Remove a client: its customers get no more tokens."`
}

// clientLists are the lists a client add or update sets.
type clientLists struct {
	Origins      []string `sep:"," help:"Origins of the sites that embed the chat (https://shop.example), allowed to get customer tokens besides the server's own; comma-separated."`
	RedirectURIs []string `name:"redirect-uris" sep:"," help:"The only redirect_uri values token requests may name (an entry ending with / admits the URIs under it); comma-separated. Default: any URI of an allowed origin."`
}

// apply validates the lists given and sets them in c; a list not given is
// left as it is (chat.Client.SetLists).
func (f clientLists) apply(c *chat.Client) error {
	return c.SetLists(f.Origins, f.RedirectURIs)
}

type clientAddCmd struct {
	storeFlags  `embed:""`
	ID          string `name:"id" help:"Client id (default: 32 random hex digits)."`
	clientLists `embed:""`
}

func (c *clientAddCmd) Run() error {
	ctx := context.Background()
	cl := chat.Client{ID: c.ID, LicenseID: c.License}
	if cl.ID == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		cl.ID = hex.EncodeToString(b)
	}
	if err := c.apply(&cl); err != nil {
		return err
	}
	st, err := c.openLicense(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Client(ctx, cl.ID); err == nil {
		return fmt.Errorf("client %s exists (parley client update)", cl.ID)
	} else if !errors.Is(err, chat.ErrNotFound) {
		return err
	}
	if err := st.PutClient(ctx, cl); err != nil {
		return err
	}
	// The id alone, for scripts: CLIENT_ID=$(parley client add …).
	fmt.Fprintln(stdout, cl.ID)
	return nil
}

type clientListCmd struct {
	storeFlags `embed:""`
}

func (c *clientListCmd) Run() error {
	ctx := context.Background()
	st, err := c.openLicense(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Clients(ctx, c.License)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT ID\tORIGINS\tREDIRECT URIS")
	list := func(l []string) string {
		if len(l) == 0 {
			return "-"
		}
		return strings.Join(l, ",")
	}
	for _, cl := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", cl.ID, list(cl.RedirectOrigins), list(cl.RedirectURIs))
	}
	return tw.Flush()
}

// clientOf returns a client, with a clear error when it does not exist.
func clientOf(ctx context.Context, st chat.Store, id string) (chat.Client, error) {
	cl, err := st.Client(ctx, id)
	if errors.Is(err, chat.ErrNotFound) {
		return chat.Client{}, fmt.Errorf("there is no client %s", id)
	}
	return cl, err
}

type clientUpdateCmd struct {
	dbFlags     `embed:""`
	ID          string `name:"id" required:"" help:"Client id."`
	clientLists `embed:""`
}

func (c *clientUpdateCmd) Run() error {
	ctx := context.Background()
	st, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	cl, err := clientOf(ctx, st, c.ID)
	if err != nil {
		return err
	}
	if err := c.apply(&cl); err != nil {
		return err
	}
	if err := st.PutClient(ctx, cl); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "updated client %s of license %d\n", cl.ID, cl.LicenseID)
	return nil
}

type clientRemoveCmd struct {
	dbFlags `embed:""`
	ID      string `name:"id" required:"" help:"Client id."`
}

func (c *clientRemoveCmd) Run() error {
	ctx := context.Background()
	st, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.DeleteClient(ctx, c.ID); errors.Is(err, chat.ErrNotFound) {
		return fmt.Errorf("there is no client %s", c.ID)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed client %s\n", c.ID)
	return nil
}
