package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

// defaultGroupName names the group 0 PutLicense creates.
const defaultGroupName = "General"

// PutLicense creates or replaces a license and makes sure its group 0
// exists. An empty OrganizationID keeps the stored one, or gives a new
// license a random one.
func (s *Store) PutLicense(ctx context.Context, l chat.License) (err error) {
	defer wrap(&err, "put license %d", l.ID)
	org, keep, err := codec.OrganizationID(l)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO licenses (id, name, created_at, organization_id) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, created_at = excluded.created_at,
				organization_id = CASE WHEN ? THEN licenses.organization_id ELSE excluded.organization_id END`,
			l.ID, l.Name, ns(l.CreatedAt), org, keep); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO license_groups (license_id, id, name) VALUES (?, 0, ?)
			ON CONFLICT DO NOTHING`, l.ID, defaultGroupName)
		return err
	})
}

const licenseColumns = `id, name, created_at, organization_id`

func scanLicense(row scanner) (chat.License, error) {
	var (
		l       chat.License
		created sql.NullInt64
	)
	if err := row.Scan(&l.ID, &l.Name, &created, &l.OrganizationID); err != nil {
		return chat.License{}, err
	}
	l.CreatedAt = fromNS(created)
	return l, nil
}

// License returns a license.
func (s *Store) License(ctx context.Context, id int) (l chat.License, err error) {
	defer wrap(&err, "license %d", id)
	l, err = scanLicense(s.rStmts.QueryRowContext(ctx, `SELECT `+licenseColumns+` FROM licenses WHERE id = ?`, id))
	if err != nil {
		return chat.License{}, notFound(err, "")
	}
	return l, nil
}

// LicenseByOrganization returns the license with the organization id.
func (s *Store) LicenseByOrganization(ctx context.Context, organizationID string) (l chat.License, err error) {
	defer wrap(&err, "license of organization %q", organizationID)
	l, err = scanLicense(s.rStmts.QueryRowContext(ctx, `SELECT `+licenseColumns+` FROM licenses WHERE organization_id = ?`, organizationID))
	if err != nil {
		return chat.License{}, notFound(err, "")
	}
	return l, nil
}

// Licenses returns every license ordered by id.
func (s *Store) Licenses(ctx context.Context) (ls []chat.License, err error) {
	defer wrap(&err, "licenses")
	rows, err := s.rStmts.QueryContext(ctx, `SELECT `+licenseColumns+` FROM licenses ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ls = []chat.License{}
	for rows.Next() {
		l, err := scanLicense(rows)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, rows.Err()
}

// PutClient creates or replaces a client.
func (s *Store) PutClient(ctx context.Context, c chat.Client) (err error) {
	defer wrap(&err, "put client %q", c.ID)
	origins, err := codec.JSON(c.RedirectOrigins, "[]")
	if err != nil {
		return err
	}
	uris, err := codec.JSON(c.RedirectURIs, "[]")
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO clients (id, license_id, redirect_origins, redirect_uris) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET license_id = excluded.license_id, redirect_origins = excluded.redirect_origins,
				redirect_uris = excluded.redirect_uris`,
			c.ID, c.LicenseID, origins, uris)
		return err
	})
}

const clientColumns = `id, license_id, redirect_origins, redirect_uris`

func scanClient(row scanner) (chat.Client, error) {
	var (
		c             chat.Client
		origins, uris string
	)
	if err := row.Scan(&c.ID, &c.LicenseID, &origins, &uris); err != nil {
		return chat.Client{}, err
	}
	if err := codec.Decode(origins, &c.RedirectOrigins, "redirect origins"); err != nil {
		return chat.Client{}, err
	}
	if err := codec.Decode(uris, &c.RedirectURIs, "redirect URIs"); err != nil {
		return chat.Client{}, err
	}
	return c, nil
}

// Client returns a client.
func (s *Store) Client(ctx context.Context, id string) (c chat.Client, err error) {
	defer wrap(&err, "client %q", id)
	c, err = scanClient(s.rStmts.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = ?`, id))
	if err != nil {
		return chat.Client{}, notFound(err, "")
	}
	return c, nil
}

// Clients returns a license's clients ordered by id.
func (s *Store) Clients(ctx context.Context, licenseID int) (cs []chat.Client, err error) {
	defer wrap(&err, "clients of license %d", licenseID)
	return queryAll(ctx, s.rStmts, scanClient, `SELECT `+clientColumns+` FROM clients WHERE license_id = ? ORDER BY id`, licenseID)
}

// DeleteClient removes a client.
func (s *Store) DeleteClient(ctx context.Context, id string) (err error) {
	defer wrap(&err, "delete client %q", id)
	return s.deleteRow(ctx, `DELETE FROM clients WHERE id = ?`, id)
}

// deleteRow runs a DELETE of one row: ErrNotFound when it deleted none.
func (s *Store) deleteRow(ctx context.Context, q string, args ...any) error {
	return s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return chat.ErrNotFound
		}
		return nil
	})
}

// PutGroup creates or replaces a group.
func (s *Store) PutGroup(ctx context.Context, g chat.Group) (err error) {
	defer wrap(&err, "put group %d of license %d", g.ID, g.LicenseID)
	return s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO license_groups (license_id, id, name, greeting) VALUES (?, ?, ?, ?)
			ON CONFLICT (license_id, id) DO UPDATE SET name = excluded.name, greeting = excluded.greeting`, g.LicenseID, g.ID, g.Name, g.Greeting)
		return err
	})
}

// DeleteGroup removes a group.
func (s *Store) DeleteGroup(ctx context.Context, licenseID, id int) (err error) {
	defer wrap(&err, "delete group %d of license %d", id, licenseID)
	return s.deleteRow(ctx, `DELETE FROM license_groups WHERE license_id = ? AND id = ?`, licenseID, id)
}

// Groups returns a license's groups ordered by id.
func (s *Store) Groups(ctx context.Context, licenseID int) (gs []chat.Group, err error) {
	defer wrap(&err, "groups of license %d", licenseID)
	rows, err := s.rStmts.QueryContext(ctx, `SELECT license_id, id, name, greeting FROM license_groups WHERE license_id = ? ORDER BY id`, licenseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	gs = []chat.Group{}
	for rows.Next() {
		var g chat.Group
		if err := rows.Scan(&g.LicenseID, &g.ID, &g.Name, &g.Greeting); err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	return gs, rows.Err()
}

const customerColumns = `license_id, id, name, email, avatar, fields, page, referrer, side_storage,
	group_id, banned, banned_until, created_at, last_visit, visits`

func scanCustomer(row scanner) (chat.Customer, error) {
	var (
		c                  chat.Customer
		fields, side       string
		page               sql.NullString
		created, lastVisit sql.NullInt64
		bannedUntil        sql.NullInt64
	)
	if err := row.Scan(&c.LicenseID, &c.ID, &c.Name, &c.Email, &c.Avatar, &fields, &page, &c.Referrer, &side,
		&c.GroupID, &c.Banned, &bannedUntil, &created, &lastVisit, &c.Visits); err != nil {
		return chat.Customer{}, err
	}
	if err := codec.Decode(fields, &c.Fields, "customer fields"); err != nil {
		return chat.Customer{}, err
	}
	if err := codec.Decode(side, &c.SideStorage, "customer side storage"); err != nil {
		return chat.Customer{}, err
	}
	p, err := decodePage(page)
	if err != nil {
		return chat.Customer{}, err
	}
	c.Page = p
	c.BannedUntil = fromNS(bannedUntil)
	c.CreatedAt = fromNS(created)
	c.LastVisit = fromNS(lastVisit)
	return c, nil
}

// putCustomer writes every column of c; insert says whether the row is new.
func putCustomer(ctx context.Context, tx *txn, c chat.Customer, insert bool) error {
	fields, err := codec.JSON(c.Fields, "{}")
	if err != nil {
		return fmt.Errorf("encode fields: %w", err)
	}
	side, err := codec.JSON(c.SideStorage, "{}")
	if err != nil {
		return fmt.Errorf("encode side storage: %w", err)
	}
	page, err := encodePage(c.Page)
	if err != nil {
		return err
	}
	q := `UPDATE customers SET name = ?, email = ?, avatar = ?, fields = ?, page = ?, referrer = ?,
		side_storage = ?, group_id = ?, banned = ?, banned_until = ?, created_at = ?, last_visit = ?, visits = ?
		WHERE license_id = ? AND id = ?`
	if insert {
		q = `INSERT INTO customers (name, email, avatar, fields, page, referrer, side_storage, group_id,
			banned, banned_until, created_at, last_visit, visits, license_id, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	}
	_, err = tx.ExecContext(ctx, q, c.Name, c.Email, c.Avatar, fields, page, c.Referrer, side, c.GroupID,
		c.Banned, ns(c.BannedUntil), ns(c.CreatedAt), ns(c.LastVisit), c.Visits, c.LicenseID, c.ID)
	return err
}

func getCustomer(ctx context.Context, q rowQuerier, licenseID int, id string) (chat.Customer, error) {
	c, err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE license_id = ? AND id = ?`, licenseID, id))
	if err != nil {
		return chat.Customer{}, notFound(err, "")
	}
	return c, nil
}

// CreateCustomer stores a new customer; ErrExists if the id is taken.
func (s *Store) CreateCustomer(ctx context.Context, c chat.Customer) (err error) {
	defer wrap(&err, "create customer %q of license %d", c.ID, c.LicenseID)
	return s.write(ctx, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE license_id = ? AND id = ?`, c.LicenseID, c.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return chat.ErrExists
		}
		return putCustomer(ctx, tx, c, true)
	})
}

// Customer returns a customer.
func (s *Store) Customer(ctx context.Context, licenseID int, id string) (c chat.Customer, err error) {
	defer wrap(&err, "customer %q of license %d", id, licenseID)
	return getCustomer(ctx, s.rStmts, licenseID, id)
}

// UpdateCustomer applies u and returns the customer as stored after it.
func (s *Store) UpdateCustomer(ctx context.Context, licenseID int, id string, u chat.CustomerUpdate) (c chat.Customer, err error) {
	defer wrap(&err, "update customer %q of license %d", id, licenseID)
	err = s.write(ctx, func(tx *txn) error {
		var err error
		c, err = getCustomer(ctx, tx, licenseID, id)
		if err != nil {
			return err
		}
		u.Apply(&c)
		return putCustomer(ctx, tx, c, false)
	})
	if err != nil {
		return chat.Customer{}, err
	}
	return c, nil
}

// LoginCustomer creates the customer if it is new and, unless it is
// banned, applies u: one write transaction.
func (s *Store) LoginCustomer(ctx context.Context, licenseID int, id string, at time.Time, u chat.CustomerUpdate) (c chat.Customer, err error) {
	defer wrap(&err, "log customer %q of license %d in", id, licenseID)
	err = s.write(ctx, func(tx *txn) error {
		var err error
		c, err = getCustomer(ctx, tx, licenseID, id)
		insert := errors.Is(err, chat.ErrNotFound)
		switch {
		case insert:
			c = chat.Customer{ID: id, LicenseID: licenseID, CreatedAt: at}
		case err != nil:
			return err
		case c.BannedAt(at):
			return nil
		}
		u.Apply(&c)
		return putCustomer(ctx, tx, c, insert)
	})
	if err != nil {
		return chat.Customer{}, err
	}
	return c, nil
}

// SetCustomerSideStorage replaces the customer's side storage.
func (s *Store) SetCustomerSideStorage(ctx context.Context, licenseID int, id string, side map[string]string) (err error) {
	defer wrap(&err, "set side storage of customer %q of license %d", id, licenseID)
	text, err := codec.JSON(side, "{}")
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE customers SET side_storage = ? WHERE license_id = ? AND id = ?`, text, licenseID, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return chat.ErrNotFound
		}
		return nil
	})
}

// PutAgent creates or replaces an agent.
func (s *Store) PutAgent(ctx context.Context, a chat.Agent) (err error) {
	defer wrap(&err, "put agent %q of license %d", a.ID, a.LicenseID)
	groups, err := codec.JSON(a.Groups, "[]")
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO agents (license_id, id, name, avatar, job_title, role, groups, password_hash, max_chats, disabled, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (license_id, id) DO UPDATE SET name = excluded.name, avatar = excluded.avatar,
				job_title = excluded.job_title, role = excluded.role, groups = excluded.groups,
				password_hash = excluded.password_hash, max_chats = excluded.max_chats, disabled = excluded.disabled,
				created_at = excluded.created_at`,
			a.LicenseID, a.ID, a.Name, a.Avatar, a.JobTitle, a.Role, groups, a.PasswordHash, a.MaxChats, a.Disabled, ns(a.CreatedAt))
		return err
	})
}

const agentColumns = `license_id, id, name, avatar, job_title, role, groups, password_hash, max_chats, disabled, created_at`

func scanAgent(row scanner) (chat.Agent, error) {
	var (
		a       chat.Agent
		groups  string
		created sql.NullInt64
	)
	if err := row.Scan(&a.LicenseID, &a.ID, &a.Name, &a.Avatar, &a.JobTitle, &a.Role, &groups, &a.PasswordHash, &a.MaxChats, &a.Disabled, &created); err != nil {
		return chat.Agent{}, err
	}
	if err := codec.Decode(groups, &a.Groups, "agent groups"); err != nil {
		return chat.Agent{}, err
	}
	a.CreatedAt = fromNS(created)
	return a, nil
}

// Agent returns an agent.
func (s *Store) Agent(ctx context.Context, licenseID int, id string) (a chat.Agent, err error) {
	defer wrap(&err, "agent %q of license %d", id, licenseID)
	a, err = scanAgent(s.rStmts.QueryRowContext(ctx, `SELECT `+agentColumns+` FROM agents WHERE license_id = ? AND id = ?`, licenseID, id))
	if err != nil {
		return chat.Agent{}, notFound(err, "")
	}
	return a, nil
}

// Agents returns a license's agents ordered by id.
func (s *Store) Agents(ctx context.Context, licenseID int) (as []chat.Agent, err error) {
	defer wrap(&err, "agents of license %d", licenseID)
	return queryAll(ctx, s.rStmts, scanAgent, `SELECT `+agentColumns+` FROM agents WHERE license_id = ? ORDER BY id`, licenseID)
}

// DeleteAgent removes an agent.
func (s *Store) DeleteAgent(ctx context.Context, licenseID int, id string) (err error) {
	defer wrap(&err, "delete agent %q of license %d", id, licenseID)
	return s.deleteRow(ctx, `DELETE FROM agents WHERE license_id = ? AND id = ?`, licenseID, id)
}
