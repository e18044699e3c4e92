package configapi

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/parleychat/parley/server/chat"
)

// groupJSON is a group as get_group and list_groups answer it.
type groupJSON struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// Greeting is Parley's: what the widget shows before a chat starts.
	Greeting string `json:"greeting"`
	// AgentPriorities maps the group's agents to their priority, always
	// "normal" (Parley routes without priorities).
	AgentPriorities map[string]string `json:"agent_priorities"`
}

func toGroupJSON(g chat.Group, agents []chat.Agent) groupJSON {
	j := groupJSON{ID: g.ID, Name: g.Name, Greeting: g.Greeting, AgentPriorities: map[string]string{}}
	for _, id := range chat.AgentsInGroup(agents, g.ID) {
		j.AgentPriorities[id] = "normal"
	}
	return j
}

// groupRequest is the body of create_group and update_group.
type groupRequest struct {
	ID              *int              `json:"id"`
	Name            *string           `json:"name"`
	Greeting        *string           `json:"greeting"`
	AgentPriorities map[string]string `json:"agent_priorities"`
}

// greeting checks the greeting of a request, "" when it has none.
func (r groupRequest) greeting() (string, error) {
	if r.Greeting == nil {
		return "", nil
	}
	if err := chat.CheckGreeting(*r.Greeting); err != nil {
		return "", invalid("greeting: %v", err)
	}
	return strings.TrimSpace(*r.Greeting), nil
}

// groupOf loads a group of the operator's license, and the license's
// groups and agents.
func (a *API) groupOf(ctx context.Context, op chat.Agent, id *int) (chat.Group, []chat.Agent, error) {
	if id == nil {
		return chat.Group{}, nil, invalid("id is required")
	}
	groups, err := a.cfg.Store.Groups(ctx, op.LicenseID)
	if err != nil {
		return chat.Group{}, nil, err
	}
	i := slices.IndexFunc(groups, func(g chat.Group) bool { return g.ID == *id })
	if i < 0 {
		return chat.Group{}, nil, notFound("there is no group %d", *id)
	}
	agents, err := a.cfg.Store.Agents(ctx, op.LicenseID)
	if err != nil {
		return chat.Group{}, nil, err
	}
	return groups[i], agents, nil
}

// members validates agent_priorities and returns the agents to store so
// that the agents it names, and only them, are the members of group g. An
// agent left in no group is in group 0. Nothing is stored.
func members(op chat.Agent, agents []chat.Agent, g int, priorities map[string]string) ([]chat.Agent, error) {
	for id, p := range priorities {
		if !slices.ContainsFunc(agents, func(x chat.Agent) bool { return x.ID == id }) {
			return nil, invalid("agent_priorities: there is no agent %s", id)
		}
		if !slices.Contains(knownPriorities, p) {
			return nil, invalid("agent_priorities: priority %q: want normal, first or last", p)
		}
	}
	var changed []chat.Agent
	for _, ag := range agents {
		_, want := priorities[ag.ID]
		if want == slices.Contains(ag.GroupIDs(), g) {
			continue
		}
		if err := mayManage(op, ag.Role); err != nil {
			return nil, err
		}
		groups := slices.Clone(ag.GroupIDs())
		if want {
			groups = append(groups, g)
			sort.Ints(groups)
		} else {
			groups = slices.DeleteFunc(groups, func(x int) bool { return x == g })
		}
		ag.Groups = groups
		changed = append(changed, ag)
	}
	return changed, nil
}

// putAgents stores agents.
func (a *API) putAgents(ctx context.Context, agents []chat.Agent) error {
	for _, ag := range agents {
		if err := a.cfg.Store.PutAgent(ctx, ag); err != nil {
			return err
		}
	}
	return nil
}

// createGroup: {name, greeting?, agent_priorities?: {agent id: priority}} → {id}.
// The group gets the number after the license's highest.
func (a *API) createGroup(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req groupRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if req.Name == nil {
		return nil, invalid("name is required")
	}
	if err := text("name", *req.Name, 1, 255); err != nil {
		return nil, err
	}
	greeting, err := req.greeting()
	if err != nil {
		return nil, err
	}
	groups, err := a.cfg.Store.Groups(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	agents, err := a.cfg.Store.Agents(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	id := 0
	for _, g := range groups {
		id = max(id, g.ID+1)
	}
	changed, err := members(op, agents, id, req.AgentPriorities)
	if err != nil {
		return nil, err
	}
	if err := a.cfg.Store.PutGroup(ctx, chat.Group{LicenseID: op.LicenseID, ID: id, Name: strings.TrimSpace(*req.Name), Greeting: greeting}); err != nil {
		return nil, err
	}
	return map[string]int{"id": id}, a.putAgents(ctx, changed)
}

// getGroup: {id} → the group.
func (a *API) getGroup(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req groupRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	g, agents, err := a.groupOf(ctx, op, req.ID)
	if err != nil {
		return nil, err
	}
	return toGroupJSON(g, agents), nil
}

// listGroups: {} → [group], ordered by id.
func (a *API) listGroups(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	groups, err := a.cfg.Store.Groups(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	agents, err := a.cfg.Store.Agents(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	out := []groupJSON{}
	for _, g := range groups {
		out = append(out, toGroupJSON(g, agents))
	}
	return out, nil
}

// updateGroup: {id, name?, greeting?, agent_priorities?} → {}. agent_priorities,
// when given, are the group's agents from then on.
func (a *API) updateGroup(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req groupRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	g, agents, err := a.groupOf(ctx, op, req.ID)
	if err != nil {
		return nil, err
	}
	var changed []chat.Agent
	if req.AgentPriorities != nil {
		if changed, err = members(op, agents, g.ID, req.AgentPriorities); err != nil {
			return nil, err
		}
	}
	if req.Name != nil {
		if err := text("name", *req.Name, 1, 255); err != nil {
			return nil, err
		}
		g.Name = strings.TrimSpace(*req.Name)
	}
	if req.Greeting != nil {
		if g.Greeting, err = req.greeting(); err != nil {
			return nil, err
		}
	}
	if req.Name != nil || req.Greeting != nil {
		if err := a.cfg.Store.PutGroup(ctx, g); err != nil {
			return nil, err
		}
	}
	return empty{}, a.putAgents(ctx, changed)
}

// deleteGroup: {id} → {}. Group 0 and a group agents are still in are
// refused, as parley group remove does.
func (a *API) deleteGroup(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req groupRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	g, agents, err := a.groupOf(ctx, op, req.ID)
	if err != nil {
		return nil, err
	}
	if g.ID == 0 {
		return nil, invalid("group 0 is the license's default group: it cannot be deleted")
	}
	if in := chat.AgentsInGroup(agents, g.ID); len(in) > 0 {
		return nil, invalid("group %d still has agents (%s): update_group with other agent_priorities first", g.ID, strings.Join(in, ", "))
	}
	if err := a.cfg.Store.DeleteGroup(ctx, op.LicenseID, g.ID); errors.Is(err, chat.ErrNotFound) {
		return nil, notFound("there is no group %d", g.ID)
	} else if err != nil {
		return nil, err
	}
	return empty{}, nil
}
