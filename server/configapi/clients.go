package configapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// clientJSON is a client: who may get the license's customer tokens
// (client_id of the customer token flow).
type clientJSON struct {
	ID           string   `json:"id"`
	Origins      []string `json:"origins"`
	RedirectURIs []string `json:"redirect_uris"`
}

func toClientJSON(c chat.Client) clientJSON {
	j := clientJSON{ID: c.ID, Origins: c.RedirectOrigins, RedirectURIs: c.RedirectURIs}
	if j.Origins == nil {
		j.Origins = []string{}
	}
	if j.RedirectURIs == nil {
		j.RedirectURIs = []string{}
	}
	return j
}

type clientRequest struct {
	ID           string   `json:"id"`
	Origins      []string `json:"origins"`
	RedirectURIs []string `json:"redirect_uris"`
}

// apply sets the lists given in c (chat.Client.SetLists).
func (r clientRequest) apply(c *chat.Client) error {
	if len(r.Origins) > 100 || len(r.RedirectURIs) > 100 {
		return invalid("origins and redirect_uris may have 100 entries each")
	}
	if err := c.SetLists(r.Origins, r.RedirectURIs); err != nil {
		return invalid("%s", err.Error())
	}
	return nil
}

// clientOf loads a client of the operator's license.
func (a *API) clientOf(ctx context.Context, op chat.Agent, id string) (chat.Client, error) {
	if id == "" {
		return chat.Client{}, invalid("id is required")
	}
	c, err := a.cfg.Store.Client(ctx, id)
	if errors.Is(err, chat.ErrNotFound) || (err == nil && c.LicenseID != op.LicenseID) {
		return chat.Client{}, notFound("there is no client %s", id)
	}
	return c, err
}

// createClient: {origins?, redirect_uris?} → {id}. The id is made by the
// server: 32 random hex digits.
func (a *API) createClient(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req clientRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if req.ID != "" {
		return nil, invalid("id is made by the server")
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	c := chat.Client{ID: hex.EncodeToString(b), LicenseID: op.LicenseID}
	if err := req.apply(&c); err != nil {
		return nil, err
	}
	if err := a.cfg.Store.PutClient(ctx, c); err != nil {
		return nil, err
	}
	return map[string]string{"id": c.ID}, nil
}

// listClients: {} → [client], ordered by id.
func (a *API) listClients(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	cs, err := a.cfg.Store.Clients(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	out := []clientJSON{}
	for _, c := range cs {
		out = append(out, toClientJSON(c))
	}
	return out, nil
}

// updateClient: {id, origins?, redirect_uris?} → {}. A list given
// replaces the client's.
func (a *API) updateClient(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req clientRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	c, err := a.clientOf(ctx, op, req.ID)
	if err != nil {
		return nil, err
	}
	if err := req.apply(&c); err != nil {
		return nil, err
	}
	return empty{}, a.cfg.Store.PutClient(ctx, c)
}

// deleteClient: {id} → {}. Its customers get no more tokens.
func (a *API) deleteClient(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req clientRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if _, err := a.clientOf(ctx, op, req.ID); err != nil {
		return nil, err
	}
	if err := a.cfg.Store.DeleteClient(ctx, req.ID); errors.Is(err, chat.ErrNotFound) {
		return nil, notFound("there is no client %s", req.ID)
	} else if err != nil {
		return nil, err
	}
	return empty{}, nil
}

// licenseJSON is the operator's license.
type licenseJSON struct {
	ID             int       `json:"id"`
	Name           string    `json:"name"`
	OrganizationID string    `json:"organization_id"`
	CreatedAt      time.Time `json:"created_at"`
}

// getLicense: {} → the operator's license.
func (a *API) getLicense(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	l, err := a.cfg.Store.License(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	return licenseJSON{ID: l.ID, Name: l.Name, OrganizationID: l.OrganizationID, CreatedAt: l.CreatedAt.UTC()}, nil
}

// updateLicense: {name} → {}. Owners only.
func (a *API) updateLicense(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req struct {
		Name *string `json:"name"`
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if op.Role != chat.RoleOwner {
		return nil, forbidden("only an owner may rename the license")
	}
	if req.Name == nil {
		return nil, invalid("name is required")
	}
	if err := text("name", *req.Name, 1, 255); err != nil {
		return nil, err
	}
	l, err := a.cfg.Store.License(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	l.Name = strings.TrimSpace(*req.Name)
	return empty{}, a.cfg.Store.PutLicense(ctx, l)
}
