package configapi

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// agentJSON is an agent as get_agent and list_agents answer it.
type agentJSON struct {
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Role          string      `json:"role"`
	AvatarPath    string      `json:"avatar_path,omitempty"`
	JobTitle      string      `json:"job_title,omitempty"`
	MaxChatsCount int         `json:"max_chats_count"`
	Groups        []groupRole `json:"groups"`
	Suspended     bool        `json:"suspended"`
}

// groupRole is an agent's place in a group. Parley routes within a group
// without priorities: every member is "normal".
type groupRole struct {
	ID       int    `json:"id"`
	Priority string `json:"priority"`
}

func toAgentJSON(a chat.Agent) agentJSON {
	j := agentJSON{ID: a.ID, Name: a.Name, Role: a.Role, AvatarPath: a.Avatar, JobTitle: a.JobTitle,
		MaxChatsCount: a.ChatLimit(), Suspended: a.Disabled, Groups: []groupRole{}}
	if j.Role == "" {
		j.Role = chat.RoleNormal
	}
	for _, g := range a.GroupIDs() {
		j.Groups = append(j.Groups, groupRole{ID: g, Priority: "normal"})
	}
	return j
}

// agentFields are the fields create_agent and update_agent set; a field
// left out is not changed.
type agentFields struct {
	Name          *string      `json:"name"`
	Role          *string      `json:"role"`
	AvatarPath    *string      `json:"avatar_path"`
	JobTitle      *string      `json:"job_title"`
	MaxChatsCount *int         `json:"max_chats_count"`
	Groups        *[]groupRole `json:"groups"`
	// Password is Parley's: LiveChat invites agents by e-mail instead.
	Password *string `json:"password"`
}

// knownPriorities are the group priorities accepted; Parley treats them alike.
var knownPriorities = []string{"", "normal", "first", "last"}

// apply validates the fields given and sets them in ag. The caller checks
// the operator may set a manager's role.
func (a *API) apply(ctx context.Context, f agentFields, ag *chat.Agent) error {
	if f.Name != nil {
		if err := text("name", *f.Name, 1, 255); err != nil {
			return err
		}
		ag.Name = strings.TrimSpace(*f.Name)
	}
	if f.Role != nil {
		if !slices.Contains(chat.Roles, *f.Role) {
			return invalid("role %q: want owner, viceowner, administrator or normal", *f.Role)
		}
		ag.Role = *f.Role
	}
	if f.AvatarPath != nil {
		if err := text("avatar_path", *f.AvatarPath, 0, 2048); err != nil {
			return err
		}
		ag.Avatar = *f.AvatarPath
	}
	if f.JobTitle != nil {
		if err := text("job_title", *f.JobTitle, 0, 255); err != nil {
			return err
		}
		ag.JobTitle = *f.JobTitle
	}
	if f.MaxChatsCount != nil {
		if *f.MaxChatsCount < 1 || *f.MaxChatsCount > 1000 {
			return invalid("max_chats_count must be from 1 to 1000")
		}
		ag.MaxChats = *f.MaxChatsCount
	}
	if f.Groups != nil {
		groups, err := a.cfg.Store.Groups(ctx, ag.LicenseID)
		if err != nil {
			return err
		}
		ids := []int{}
		for _, g := range *f.Groups {
			if !slices.ContainsFunc(groups, func(x chat.Group) bool { return x.ID == g.ID }) {
				return invalid("groups: there is no group %d", g.ID)
			}
			if !slices.Contains(knownPriorities, g.Priority) {
				return invalid("groups: priority %q: want normal, first or last", g.Priority)
			}
			ids = append(ids, g.ID)
		}
		ag.Groups = slices.Compact(slices.Sorted(slices.Values(ids)))
	}
	if f.Password != nil {
		if err := password(*f.Password); err != nil {
			return err
		}
		h, err := auth.HashPassword(*f.Password)
		if err != nil {
			return err
		}
		ag.PasswordHash = h
	}
	return nil
}

// text checks the length in characters of a text field.
func text(field, s string, min, max int) error {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if !utf8.ValidString(s) || n < min || utf8.RuneCountInString(s) > max {
		if min > 0 {
			return invalid("%s must have from %d to %d characters", field, min, max)
		}
		return invalid("%s must have at most %d characters", field, max)
	}
	return nil
}

// password checks a password: bcrypt reads at most 72 bytes.
func password(pw string) error {
	if pw == "" || len(pw) > 72 {
		return invalid("password must have from 1 to 72 bytes")
	}
	return nil
}

// mayChange is mayManage for the agent ag, except that an agent may
// change its own fields (not its role: see updateAgent).
func mayChange(op, ag chat.Agent) error {
	if ag.ID == op.ID {
		return nil
	}
	return mayManage(op, ag.Role)
}

// mayManage refuses an operator that is not an owner acting on a manager
// (owner, vice owner, administrator), or giving that role.
func mayManage(op chat.Agent, role string) error {
	if op.Role != chat.RoleOwner && (chat.Agent{Role: role}).Manager() {
		return forbidden("only an owner may act on an owner, a vice owner or an administrator")
	}
	return nil
}

// agentOf loads an agent of the operator's license.
func (a *API) agentOf(ctx context.Context, op chat.Agent, id string) (chat.Agent, error) {
	if id == "" {
		return chat.Agent{}, invalid("id is required")
	}
	ag, err := a.cfg.Store.Agent(ctx, op.LicenseID, id)
	if errors.Is(err, chat.ErrNotFound) {
		return chat.Agent{}, notFound("there is no agent %s", id)
	}
	return ag, err
}

type idRequest struct {
	ID string `json:"id"`
}

type createAgentRequest struct {
	ID string `json:"id"`
	agentFields
}

// createAgent: {id (e-mail), name, role?, avatar_path?, job_title?,
// max_chats_count?, groups?: [{id, priority}], password?} → {id}. A new
// agent is normal, in group 0, with 6 chats; without a password it cannot
// log in until set_agent_password.
func (a *API) createAgent(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req createAgentRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if !strings.Contains(req.ID, "@") || len(req.ID) > 254 || strings.TrimSpace(req.ID) != req.ID {
		return nil, invalid("id must be the agent's e-mail address")
	}
	if req.Name == nil {
		return nil, invalid("name is required")
	}
	ag := chat.Agent{ID: req.ID, LicenseID: op.LicenseID, Role: chat.RoleNormal, Groups: []int{0},
		MaxChats: chat.DefaultMaxChats, CreatedAt: time.Now()}
	if err := a.apply(ctx, req.agentFields, &ag); err != nil {
		return nil, err
	}
	if err := mayManage(op, ag.Role); err != nil {
		return nil, err
	}
	if _, err := a.cfg.Store.Agent(ctx, op.LicenseID, req.ID); err == nil {
		return nil, invalid("agent %s exists (update_agent)", req.ID)
	} else if !errors.Is(err, chat.ErrNotFound) {
		return nil, err
	}
	if err := a.cfg.Store.PutAgent(ctx, ag); err != nil {
		return nil, err
	}
	return map[string]string{"id": ag.ID}, nil
}

// getAgent: {id} → the agent.
func (a *API) getAgent(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req idRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	ag, err := a.agentOf(ctx, op, req.ID)
	if err != nil {
		return nil, err
	}
	return toAgentJSON(ag), nil
}

// listAgents: {filters?: {group_ids?: [int]}} → [agent], ordered by id.
func (a *API) listAgents(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req struct {
		Filters struct {
			GroupIDs []int `json:"group_ids"`
		} `json:"filters"`
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	agents, err := a.cfg.Store.Agents(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	out := []agentJSON{}
	for _, ag := range agents {
		if req.Filters.GroupIDs != nil && !slices.ContainsFunc(ag.GroupIDs(), func(g int) bool { return slices.Contains(req.Filters.GroupIDs, g) }) {
			continue
		}
		out = append(out, toAgentJSON(ag))
	}
	return out, nil
}

// updateAgent: {id, and the fields of create_agent to change} → {}.
func (a *API) updateAgent(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req createAgentRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	ag, err := a.agentOf(ctx, op, req.ID)
	if err != nil {
		return nil, err
	}
	self := ag.ID == op.ID
	if req.Role != nil && *req.Role != ag.Role && self {
		return nil, invalid("an agent cannot change its own role")
	}
	if err := mayChange(op, ag); err != nil {
		return nil, err
	}
	if err := a.apply(ctx, req.agentFields, &ag); err != nil {
		return nil, err
	}
	if err := mayChange(op, ag); err != nil {
		return nil, err
	}
	return empty{}, a.cfg.Store.PutAgent(ctx, ag)
}

// setAgentPassword: {id, password} → {}. The agent's sessions go on.
func (a *API) setAgentPassword(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req struct {
		ID       string `json:"id"`
		Password string `json:"password"`
	}
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	ag, err := a.agentOf(ctx, op, req.ID)
	if err != nil {
		return nil, err
	}
	if err := mayChange(op, ag); err != nil {
		return nil, err
	}
	if err := a.apply(ctx, agentFields{Password: &req.Password}, &ag); err != nil {
		return nil, err
	}
	return empty{}, a.cfg.Store.PutAgent(ctx, ag)
}

// target loads the agent a suspend or delete acts on.
func (a *API) target(ctx context.Context, op chat.Agent, in []byte, verb string) (chat.Agent, error) {
	var req idRequest
	if err := decode(in, &req); err != nil {
		return chat.Agent{}, err
	}
	ag, err := a.agentOf(ctx, op, req.ID)
	if err != nil {
		return chat.Agent{}, err
	}
	if err := mayManage(op, ag.Role); err != nil {
		return chat.Agent{}, err
	}
	if ag.ID == op.ID {
		return chat.Agent{}, invalid("an agent cannot %s itself", verb)
	}
	return ag, nil
}

// revoke revokes every token of the agent and closes its connections, as
// parley agent revoke does, and at once on this server's nodes.
func (a *API) revoke(ctx context.Context, ag chat.Agent) error {
	if err := a.cfg.Store.RevokeAgentTokens(ctx, ag.LicenseID, ag.ID, time.Now()); err != nil {
		return err
	}
	if a.cfg.RevokeAgent != nil {
		a.cfg.RevokeAgent(ctx, ag.LicenseID, ag.ID)
	}
	return nil
}

// suspendAgent: {id} → {}. The agent cannot log in, its tokens are
// revoked and its connections close (agent_disconnected,
// access_token_revoked). It is stored disabled first, so no token is
// issued after the revocation.
func (a *API) suspendAgent(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	ag, err := a.target(ctx, op, in, "suspend")
	if err != nil {
		return nil, err
	}
	ag.Disabled = true
	if err := a.cfg.Store.PutAgent(ctx, ag); err != nil {
		return nil, err
	}
	return empty{}, a.revoke(ctx, ag)
}

// unsuspendAgent: {id} → {}. The agent may log in again.
func (a *API) unsuspendAgent(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	ag, err := a.target(ctx, op, in, "unsuspend")
	if err != nil {
		return nil, err
	}
	ag.Disabled = false
	return empty{}, a.cfg.Store.PutAgent(ctx, ag)
}

// deleteAgent: {id} → {}. Its tokens are revoked first, so that its
// connections close although it is gone; its chats keep it in their
// history.
func (a *API) deleteAgent(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	ag, err := a.target(ctx, op, in, "delete")
	if err != nil {
		return nil, err
	}
	if err := a.revoke(ctx, ag); err != nil {
		return nil, err
	}
	if err := a.cfg.Store.DeleteAgent(ctx, ag.LicenseID, ag.ID); errors.Is(err, chat.ErrNotFound) {
		return nil, notFound("there is no agent %s", ag.ID)
	} else if err != nil {
		return nil, err
	}
	return empty{}, nil
}
