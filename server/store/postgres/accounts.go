package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	return s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO licenses (id, name, created_at, organization_id) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, created_at = excluded.created_at,
				organization_id = CASE WHEN $5 THEN licenses.organization_id ELSE excluded.organization_id END`,
			l.ID, l.Name, ns(l.CreatedAt), org, keep); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO license_groups (license_id, id, name) VALUES ($1, 0, $2)
			ON CONFLICT DO NOTHING`, l.ID, defaultGroupName)
		return err
	})
}

const licenseColumns = `id, name, created_at, organization_id`

func scanLicense(row pgx.Row) (chat.License, error) {
	var (
		l       chat.License
		created *int64
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
	l, err = scanLicense(s.pool.QueryRow(ctx, `SELECT `+licenseColumns+` FROM licenses WHERE id = $1`, id))
	if err != nil {
		return chat.License{}, notFound(err, "")
	}
	return l, nil
}

// LicenseByOrganization returns the license with the organization id.
func (s *Store) LicenseByOrganization(ctx context.Context, organizationID string) (l chat.License, err error) {
	defer wrap(&err, "license of organization %q", organizationID)
	l, err = scanLicense(s.pool.QueryRow(ctx, `SELECT `+licenseColumns+` FROM licenses WHERE organization_id = $1`, organizationID))
	if err != nil {
		return chat.License{}, notFound(err, "")
	}
	return l, nil
}

// Licenses returns every license ordered by id.
func (s *Store) Licenses(ctx context.Context) (ls []chat.License, err error) {
	defer wrap(&err, "licenses")
	rows, err := s.pool.Query(ctx, `SELECT `+licenseColumns+` FROM licenses ORDER BY id`)
	if err != nil {
		return nil, err
	}
	ls, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.License, error) { return scanLicense(row) })
	if err != nil {
		return nil, err
	}
	return nonNil(ls), nil
}

// PutClient creates or replaces a client.
func (s *Store) PutClient(ctx context.Context, c chat.Client) (err error) {
	defer wrap(&err, "put client %q", c.ID)
	_, err = s.pool.Exec(ctx, `INSERT INTO clients (id, license_id, redirect_origins, redirect_uris) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET license_id = excluded.license_id, redirect_origins = excluded.redirect_origins,
			redirect_uris = excluded.redirect_uris`,
		c.ID, c.LicenseID, nonNil(c.RedirectOrigins), nonNil(c.RedirectURIs))
	return err
}

const clientColumns = `id, license_id, redirect_origins, redirect_uris`

func scanClient(row pgx.Row) (chat.Client, error) {
	var c chat.Client
	err := row.Scan(&c.ID, &c.LicenseID, &c.RedirectOrigins, &c.RedirectURIs)
	return c, err
}

// Client returns a client.
func (s *Store) Client(ctx context.Context, id string) (c chat.Client, err error) {
	defer wrap(&err, "client %q", id)
	c, err = scanClient(s.pool.QueryRow(ctx, `SELECT `+clientColumns+` FROM clients WHERE id = $1`, id))
	if err != nil {
		return chat.Client{}, notFound(err, "")
	}
	return c, nil
}

// Clients returns a license's clients ordered by id.
func (s *Store) Clients(ctx context.Context, licenseID int) (cs []chat.Client, err error) {
	defer wrap(&err, "clients of license %d", licenseID)
	rows, err := s.pool.Query(ctx, `SELECT `+clientColumns+` FROM clients WHERE license_id = $1 ORDER BY id`, licenseID)
	if err != nil {
		return nil, err
	}
	cs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.Client, error) { return scanClient(row) })
	if err != nil {
		return nil, err
	}
	return nonNil(cs), nil
}

// DeleteClient removes a client.
func (s *Store) DeleteClient(ctx context.Context, id string) (err error) {
	defer wrap(&err, "delete client %q", id)
	return s.deleteRow(ctx, `DELETE FROM clients WHERE id = $1`, id)
}

// deleteRow runs a DELETE of one row: ErrNotFound when it deleted none.
func (s *Store) deleteRow(ctx context.Context, q string, args ...any) error {
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return chat.ErrNotFound
	}
	return nil
}

// PutGroup creates or replaces a group.
func (s *Store) PutGroup(ctx context.Context, g chat.Group) (err error) {
	defer wrap(&err, "put group %d of license %d", g.ID, g.LicenseID)
	_, err = s.pool.Exec(ctx, `INSERT INTO license_groups (license_id, id, name, greeting) VALUES ($1, $2, $3, $4)
		ON CONFLICT (license_id, id) DO UPDATE SET name = excluded.name, greeting = excluded.greeting`, g.LicenseID, g.ID, g.Name, g.Greeting)
	return err
}

// DeleteGroup removes a group.
func (s *Store) DeleteGroup(ctx context.Context, licenseID, id int) (err error) {
	defer wrap(&err, "delete group %d of license %d", id, licenseID)
	return s.deleteRow(ctx, `DELETE FROM license_groups WHERE license_id = $1 AND id = $2`, licenseID, id)
}

// Groups returns a license's groups ordered by id.
func (s *Store) Groups(ctx context.Context, licenseID int) (gs []chat.Group, err error) {
	defer wrap(&err, "groups of license %d", licenseID)
	rows, err := s.pool.Query(ctx, `SELECT license_id, id, name, greeting FROM license_groups WHERE license_id = $1 ORDER BY id`, licenseID)
	if err != nil {
		return nil, err
	}
	gs, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.Group, error) {
		var g chat.Group
		err := row.Scan(&g.LicenseID, &g.ID, &g.Name, &g.Greeting)
		return g, err
	})
	if err != nil {
		return nil, err
	}
	return nonNil(gs), nil
}

const customerColumns = `license_id, id, name, email, avatar, fields, page, referrer, side_storage,
	group_id, banned, banned_until, created_at, last_visit, visits`

func scanCustomer(row pgx.Row) (chat.Customer, error) {
	var (
		c                               chat.Customer
		fields, side                    string
		page                            *string
		created, lastVisit, bannedUntil *int64
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
	p, err := codec.DecodePage(page)
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
func putCustomer(ctx context.Context, q querier, c chat.Customer, insert bool) error {
	fields, err := codec.JSON(c.Fields, "{}")
	if err != nil {
		return fmt.Errorf("encode fields: %w", err)
	}
	side, err := codec.JSON(c.SideStorage, "{}")
	if err != nil {
		return fmt.Errorf("encode side storage: %w", err)
	}
	page, err := codec.EncodePage(c.Page)
	if err != nil {
		return err
	}
	query := `UPDATE customers SET name = $1, email = $2, avatar = $3, fields = $4, page = $5, referrer = $6,
		side_storage = $7, group_id = $8, banned = $9, banned_until = $10, created_at = $11, last_visit = $12, visits = $13
		WHERE license_id = $14 AND id = $15`
	if insert {
		query = `INSERT INTO customers (name, email, avatar, fields, page, referrer, side_storage, group_id,
			banned, banned_until, created_at, last_visit, visits, license_id, id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`
	}
	_, err = q.Exec(ctx, query, c.Name, c.Email, c.Avatar, fields, page, c.Referrer, side, c.GroupID,
		c.Banned, ns(c.BannedUntil), ns(c.CreatedAt), ns(c.LastVisit), c.Visits, c.LicenseID, c.ID)
	return err
}

// getCustomer reads a customer; forUpdate locks its row until the end of
// the transaction.
func getCustomer(ctx context.Context, q querier, licenseID int, id string, forUpdate bool) (chat.Customer, error) {
	query := `SELECT ` + customerColumns + ` FROM customers WHERE license_id = $1 AND id = $2`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	c, err := scanCustomer(q.QueryRow(ctx, query, licenseID, id))
	if err != nil {
		return chat.Customer{}, notFound(err, "")
	}
	return c, nil
}

// CreateCustomer stores a new customer; ErrExists if the id is taken.
func (s *Store) CreateCustomer(ctx context.Context, c chat.Customer) (err error) {
	defer wrap(&err, "create customer %q of license %d", c.ID, c.LicenseID)
	return mapErr(putCustomer(ctx, s.pool, c, true))
}

// Customer returns a customer.
func (s *Store) Customer(ctx context.Context, licenseID int, id string) (c chat.Customer, err error) {
	defer wrap(&err, "customer %q of license %d", id, licenseID)
	return getCustomer(ctx, s.pool, licenseID, id, false)
}

// UpdateCustomer applies u and returns the customer as stored after it.
func (s *Store) UpdateCustomer(ctx context.Context, licenseID int, id string, u chat.CustomerUpdate) (c chat.Customer, err error) {
	defer wrap(&err, "update customer %q of license %d", id, licenseID)
	err = s.write(ctx, func(tx pgx.Tx) error {
		var err error
		if c, err = getCustomer(ctx, tx, licenseID, id, true); err != nil {
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
// banned, applies u. Concurrent logins of a new customer create it once:
// the insert does nothing when another one got there first, and the row
// lock orders the updates.
func (s *Store) LoginCustomer(ctx context.Context, licenseID int, id string, at time.Time, u chat.CustomerUpdate) (c chat.Customer, err error) {
	defer wrap(&err, "log customer %q of license %d in", id, licenseID)
	err = s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO customers (license_id, id, created_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, licenseID, id, ns(at)); err != nil {
			return err
		}
		var err error
		if c, err = getCustomer(ctx, tx, licenseID, id, true); err != nil {
			return err
		}
		if c.BannedAt(at) {
			return nil
		}
		u.Apply(&c)
		return putCustomer(ctx, tx, c, false)
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
	tag, err := s.pool.Exec(ctx, `UPDATE customers SET side_storage = $1 WHERE license_id = $2 AND id = $3`, text, licenseID, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return chat.ErrNotFound
	}
	return nil
}

// PutAgent creates or replaces an agent.
func (s *Store) PutAgent(ctx context.Context, a chat.Agent) (err error) {
	defer wrap(&err, "put agent %q of license %d", a.ID, a.LicenseID)
	_, err = s.pool.Exec(ctx, `INSERT INTO agents (license_id, id, name, avatar, job_title, role, groups, password_hash, max_chats, disabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (license_id, id) DO UPDATE SET name = excluded.name, avatar = excluded.avatar,
			job_title = excluded.job_title, role = excluded.role, groups = excluded.groups,
			password_hash = excluded.password_hash, max_chats = excluded.max_chats, disabled = excluded.disabled,
			created_at = excluded.created_at`,
		a.LicenseID, a.ID, a.Name, a.Avatar, a.JobTitle, a.Role, nonNil(a.Groups), a.PasswordHash, a.MaxChats, a.Disabled, ns(a.CreatedAt))
	return err
}

const agentColumns = `license_id, id, name, avatar, job_title, role, groups, password_hash, max_chats, disabled, created_at`

func scanAgent(row pgx.Row) (chat.Agent, error) {
	var (
		a       chat.Agent
		created *int64
	)
	if err := row.Scan(&a.LicenseID, &a.ID, &a.Name, &a.Avatar, &a.JobTitle, &a.Role, &a.Groups, &a.PasswordHash, &a.MaxChats, &a.Disabled, &created); err != nil {
		return chat.Agent{}, err
	}
	a.CreatedAt = fromNS(created)
	return a, nil
}

// Agent returns an agent.
func (s *Store) Agent(ctx context.Context, licenseID int, id string) (a chat.Agent, err error) {
	defer wrap(&err, "agent %q of license %d", id, licenseID)
	a, err = scanAgent(s.pool.QueryRow(ctx, `SELECT `+agentColumns+` FROM agents WHERE license_id = $1 AND id = $2`, licenseID, id))
	if err != nil {
		return chat.Agent{}, notFound(err, "")
	}
	return a, nil
}

// Agents returns a license's agents ordered by id.
func (s *Store) Agents(ctx context.Context, licenseID int) (as []chat.Agent, err error) {
	defer wrap(&err, "agents of license %d", licenseID)
	return licenseAgents(ctx, s.pool, licenseID)
}

// licenseAgents is Agents on q.
func licenseAgents(ctx context.Context, q querier, licenseID int) ([]chat.Agent, error) {
	rows, err := q.Query(ctx, `SELECT `+agentColumns+` FROM agents WHERE license_id = $1 ORDER BY id`, licenseID)
	if err != nil {
		return nil, err
	}
	as, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (chat.Agent, error) { return scanAgent(row) })
	if err != nil {
		return nil, err
	}
	return nonNil(as), nil
}

// DeleteAgent removes an agent.
func (s *Store) DeleteAgent(ctx context.Context, licenseID int, id string) (err error) {
	defer wrap(&err, "delete agent %q of license %d", id, licenseID)
	return s.deleteRow(ctx, `DELETE FROM agents WHERE license_id = $1 AND id = $2`, licenseID, id)
}
