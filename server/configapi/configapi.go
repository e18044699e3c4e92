package configapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// Config configures the API.
type Config struct {
	// Store holds the accounts. Required.
	Store chat.Store
	// AgentTokens verifies the callers' tokens. Required.
	AgentTokens *auth.AgentTokens
	// RevokeAgent, when not nil, closes the connections of an agent whose
	// tokens were just revoked (suspend_agent, delete_agent), at once
	// rather than at their next revocation check.
	RevokeAgent func(ctx context.Context, licenseID int, agentID string)
	// Logger logs failures of the server. Nil: slog.Default().
	Logger *slog.Logger
}

// API is the Configuration API handler.
type API struct {
	cfg     Config
	actions map[string]action
	// mu runs the actions that change something one at a time, so that
	// two of this server's calls never read the same state to write it
	// (two create_group taking the same number, an agent created twice).
	mu sync.Mutex
}

// An action answers one call of an operator; in is the request body.
type action func(ctx context.Context, op chat.Agent, in []byte) (any, error)

// New returns the API.
func New(cfg Config) (*API, error) {
	if cfg.Store == nil || cfg.AgentTokens == nil {
		return nil, errors.New("configapi: Config.Store and AgentTokens are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a := &API{cfg: cfg}
	a.actions = map[string]action{
		"create_agent":           a.createAgent,
		"get_agent":              a.getAgent,
		"list_agents":            a.listAgents,
		"update_agent":           a.updateAgent,
		"delete_agent":           a.deleteAgent,
		"suspend_agent":          a.suspendAgent,
		"unsuspend_agent":        a.unsuspendAgent,
		"set_agent_password":     a.setAgentPassword,
		"create_group":           a.createGroup,
		"get_group":              a.getGroup,
		"list_groups":            a.listGroups,
		"update_group":           a.updateGroup,
		"delete_group":           a.deleteGroup,
		"create_client":          a.createClient,
		"list_clients":           a.listClients,
		"update_client":          a.updateClient,
		"delete_client":          a.deleteClient,
		"get_license":            a.getLicense,
		"create_canned_response": a.createCannedResponse,
		"update_canned_response": a.updateCannedResponse,
		"delete_canned_response": a.deleteCannedResponse,
		"list_canned_responses":  a.listCannedResponses,
		"update_license":         a.updateLicense,
	}
	return a, nil
}

// Prefix is the path of the actions, followed by an action's name.
const Prefix = "/v3.0/configuration/action/"

// MaxBodyBytes is the largest request body.
const MaxBodyBytes = 64 << 10

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("OPTIONS "+Prefix+"{action}", func(w http.ResponseWriter, r *http.Request) {
		cors(w)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+Prefix+"{action}", a.serve)
}

// The API is called with an Authorization header and without credentials
// (cookies), so any origin may call it.
func cors(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "600")
}

// apiError is an error answered as it is.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func invalid(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, protocol.ErrValidation, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiError{http.StatusNotFound, protocol.ErrNotFound, fmt.Sprintf(format, args...)}
}

func forbidden(format string, args ...any) error {
	return &apiError{http.StatusForbidden, protocol.ErrAuthorization, fmt.Sprintf(format, args...)}
}

func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	cors(w)
	op, err := a.operator(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	act, ok := a.actions[r.PathValue("action")]
	if !ok {
		writeError(w, http.StatusNotFound, protocol.ErrNotFound, "unknown action "+strconv.Quote(r.PathValue("action")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, protocol.ErrEntityTooLarge, fmt.Sprintf("the body is over %d bytes", MaxBodyBytes))
			return
		}
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, "reading the body: "+err.Error())
		return
	}
	name := r.PathValue("action")
	changes := !strings.HasPrefix(name, "get_") && !strings.HasPrefix(name, "list_")
	if changes {
		a.mu.Lock()
		defer a.mu.Unlock()
	}
	out, err := act(r.Context(), op, body)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if changes {
		// Who changed what, for the operators' records; passwords
		// are never logged.
		a.cfg.Logger.Info("configuration", "action", name, "license_id", op.LicenseID, "by", op.ID, "id", idOf(body))
	}
	writeJSON(w, http.StatusOK, out)
}

// operator authenticates the call (auth.AgentTokens.Verify) and checks
// that its agent manages the license.
func (a *API) operator(r *http.Request) (chat.Agent, error) {
	cl, ag, err := a.cfg.AgentTokens.Verify(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		if auth.IsTokenError(err) {
			return chat.Agent{}, &apiError{http.StatusUnauthorized, protocol.ErrAuthentication, "invalid, revoked or missing access token"}
		}
		return chat.Agent{}, err
	}
	if q := r.URL.Query().Get("license_id"); q != "" && q != strconv.Itoa(cl.LicenseID) {
		return chat.Agent{}, &apiError{http.StatusUnauthorized, protocol.ErrAuthentication, "the access token is not of license " + q}
	}
	if !ag.Manager() {
		return chat.Agent{}, forbidden("the Configuration API needs an owner or an administrator")
	}
	return ag, nil
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, ae.status, ae.typ, ae.msg)
		return
	}
	a.cfg.Logger.Error("configuration api", "action", r.PathValue("action"), "err", err)
	writeError(w, http.StatusInternalServerError, protocol.ErrInternal, "Internal server error")
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"error": protocol.Error{Type: typ, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a request body into v; an empty body is an empty object.
func decode(in []byte, v any) error {
	if len(in) == 0 {
		return nil
	}
	if err := json.Unmarshal(in, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid("%s: expected %s, got %s", te.Field, te.Type, te.Value)
		}
		return invalid("the body is not a JSON object: %v", err)
	}
	return nil
}

// idOf returns the id a request names, for the log.
func idOf(body []byte) string {
	var req struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(body, &req) != nil || req.ID == nil {
		return ""
	}
	return fmt.Sprint(req.ID)
}

// empty is the answer of an action that returns nothing.
type empty struct{}
