// Package configapi serves the Configuration API: the account operations
// of a license over HTTP, as POST /v3.0/configuration/action/<name> with
// a JSON body, in the shapes of LiveChat's Configuration API v3 where it
// has the action (create_agent, list_agents, suspend_agent, create_group,
// …) and with Parley's own names where it has none (set_agent_password,
// the clients, get_license, the saved replies: create, update, delete and
// list_canned_responses) or fields (a group's greeting, shown by the web
// widget before a chat starts).
//
// A call is made with an agent's access token ("Authorization: Bearer …",
// from POST /v3.0/agent/login) and works on that token's license only:
// another license's agents, groups and clients are answered as missing.
// Owners, vice owners and administrators may call it; a normal agent is
// refused (authorization, 403). Only an owner may give an agent a
// manager's role or act on another agent that has one. No agent may
// suspend, delete or change the role of itself.
//
// Errors are the Web API's envelope, {"error":{"type":…,"message":…}}:
// authentication (401), authorization (403), validation (400), not_found
// (404), internal (500). The actions are listed in docs/agent-api.md
// ("Configuration API").
package configapi
