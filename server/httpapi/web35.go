package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// This file serves the Customer Web API v3.5: POST
// /v3.5/customer/action/<action>?organization_id=<uuid>, with a customer's
// Bearer token. The body is the action's payload (JSON; multipart for
// upload_file) and the answer its response payload, unwrapped; an error is
// {"error":{"type","message"}} with the HTTP status of its type
// (statusOf).

// Paths of the Customer Web API v3.5.
const (
	customer35Prefix     = "/v3.5/customer/action/"
	customer35UploadFile = customer35Prefix + "upload_file"
)

// CustomerWebActions are the actions of the Customer Chat API v3.5 that
// the Customer Web API serves (LiveChat's list), besides upload_file;
// every other path is 404 not_found.
var CustomerWebActions = []string{
	"start_chat", "resume_chat", "deactivate_chat", "send_event", "list_chats", "get_chat", "list_threads",
	"update_chat_properties", "delete_chat_properties", "update_thread_properties", "delete_thread_properties",
	"update_event_properties", "delete_event_properties", "update_customer", "set_customer_session_fields",
	"list_group_statuses", "get_form", "get_predicted_agent", "get_url_info", "mark_events_as_seen",
	"check_goals", "get_customer", "send_rich_message_postback", "send_sneak_peek", "update_customer_page",
}

// CustomerCall is one Customer Web API v3.5 call, for Config.CustomerAction.
type CustomerCall struct {
	// Authorization is the request's Authorization header: "Bearer
	// <customer token>", not yet verified.
	Authorization string
	// LicenseID is the license of the call's organization_id.
	LicenseID int
	// Action is the action's name, one of CustomerWebActions.
	Action string
	// Payload is the request body: a JSON object of at most
	// protocol.MaxFrameBytes, nested at most protocol.MaxDepth deep.
	Payload json.RawMessage
}

func (a *API) registerCustomer35(mux *http.ServeMux) {
	mux.HandleFunc("POST "+customer35UploadFile, a.uploadFile)
	mux.HandleFunc("POST "+customer35Prefix+"check_goals", a.checkGoals35)
	mux.HandleFunc("OPTIONS "+customer35Prefix+"{action}", preflight)
	mux.HandleFunc("POST "+customer35Prefix+"{action}", a.customerAction)
}

// organization returns the license of the call's organization_id. When
// there is none it answers (400 without the parameter, 404
// license_not_found for an unknown one) and returns false.
func (a *API) organization(w http.ResponseWriter, r *http.Request) (chat.License, bool) {
	org := r.URL.Query().Get("organization_id")
	if org == "" {
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, "organization_id is required")
		return chat.License{}, false
	}
	l, err := a.cfg.Service.LicenseByOrganization(r.Context(), org)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		writeError(w, http.StatusNotFound, protocol.ErrLicenseNotFound, "no license has organization_id "+strconv.Quote(org))
		return chat.License{}, false
	case err != nil:
		a.cfg.Logger.Error("organization", "organization_id", org, "err", err)
		writeError(w, http.StatusInternalServerError, protocol.ErrInternal, "Internal server error")
		return chat.License{}, false
	}
	return l, true
}

// customer35 authenticates a v3.5 call: the organization's license, then
// the Bearer customer token, which must be of that license.
func (a *API) customer35(w http.ResponseWriter, r *http.Request) (chat.Actor, bool) {
	l, ok := a.organization(w, r)
	if !ok {
		return chat.Actor{}, false
	}
	actor, ok := a.customer(r)
	if !ok || actor.LicenseID != l.ID {
		writeError(w, http.StatusUnauthorized, protocol.ErrAuthentication, "invalid or missing access token for this organization")
		return chat.Actor{}, false
	}
	return actor, true
}

// uploadFile stores a customer's file and answers its URL, {"url":…},
// unwrapped, as the JS SDK 4 resolves it. Unlike send_file it sends no
// event: the client sends a file event with the URL, and the chat service
// takes the file's details from the upload the URL names
// (Uploads.File), refusing URLs of no upload of the license.
func (a *API) uploadFile(w http.ResponseWriter, r *http.Request) {
	cors(w)
	actor, ok := a.customer35(w, r)
	if !ok {
		return
	}
	if !a.quotas.allow(w, actor, r.ContentLength, a.cfg.Now()) {
		return
	}
	stored, ok := a.readUpload(w, r, actor.LicenseID, "file", nil)
	if !ok {
		return
	}
	defer stored.cleanup()
	if stored.f == nil {
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, "file is required")
		return
	}
	stored.f.keep = true
	writeJSON(w, http.StatusOK, map[string]string{"url": a.uploads.fileURL(actor.LicenseID, stored.f.id, stored.f.name)})
}

// checkGoals35 accepts the call the JS SDK 4 makes when it starts without
// connecting, {session_fields, group_id, page_url}. Parley has no goals:
// the body is checked as any action's and the answer is {}.
func (a *API) checkGoals35(w http.ResponseWriter, r *http.Request) {
	cors(w)
	if _, ok := a.customer35(w, r); !ok {
		return
	}
	if _, ok := readPayload(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// customerAction runs one action through Config.CustomerAction.
func (a *API) customerAction(w http.ResponseWriter, r *http.Request) {
	cors(w)
	action := r.PathValue("action")
	if !slices.Contains(CustomerWebActions, action) || a.cfg.CustomerAction == nil {
		writeError(w, http.StatusNotFound, protocol.ErrNotFound, "unknown action "+strconv.Quote(action))
		return
	}
	l, ok := a.organization(w, r)
	if !ok {
		return
	}
	payload, ok := readPayload(w, r)
	if !ok {
		return
	}
	resp, err := a.cfg.CustomerAction(r.Context(), CustomerCall{
		Authorization: r.Header.Get("Authorization"), LicenseID: l.ID, Action: action, Payload: payload,
	})
	if err != nil {
		var pe *protocol.Error
		if !errors.As(err, &pe) {
			if !errors.Is(err, context.Canceled) {
				a.cfg.Logger.Error("customer web action", "action", action, "err", err)
			}
			pe = &protocol.Error{Type: protocol.ErrInternal, Message: "Internal server error"}
		}
		if pe.Type == protocol.ErrTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		writeError(w, statusOf(pe.Type), pe.Type, pe.Message)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
}

// readPayload reads a JSON body with the limits of an RTM request: at most
// protocol.MaxFrameBytes, nested at most protocol.MaxDepth, an object. An
// empty body is {}. Otherwise it answers and returns false.
func readPayload(w http.ResponseWriter, r *http.Request) (json.RawMessage, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, protocol.MaxFrameBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, protocol.ErrEntityTooLarge, "the body is larger than "+strconv.Itoa(protocol.MaxFrameBytes)+" bytes")
		return nil, false
	case err != nil:
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, "reading the body: "+err.Error())
		return nil, false
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return json.RawMessage("{}"), true
	}
	if err := protocol.CheckDepth(b); err != nil {
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, "the body nests deeper than "+strconv.Itoa(protocol.MaxDepth)+" levels")
		return nil, false
	}
	if b[0] != '{' || !json.Valid(b) {
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, "the body must be a JSON object")
		return nil, false
	}
	return b, true
}

// statusOf is the HTTP status of an error type of the Customer Chat API.
// Types of a state that may pass (no agent, a full license) are 422.
func statusOf(typ string) int {
	switch typ {
	case protocol.ErrValidation, protocol.ErrUnsupportedVersion, protocol.ErrWrongProductVersion:
		return http.StatusBadRequest
	case protocol.ErrAuthentication:
		return http.StatusUnauthorized
	case protocol.ErrLicenseExpired:
		return http.StatusPaymentRequired
	case protocol.ErrAuthorization, protocol.ErrCustomerBanned:
		return http.StatusForbidden
	case protocol.ErrNotFound, protocol.ErrLicenseNotFound, protocol.ErrGroupNotFound:
		return http.StatusNotFound
	case protocol.ErrEntityTooLarge:
		return http.StatusRequestEntityTooLarge
	case protocol.ErrMisdirectedRequest:
		return http.StatusMisdirectedRequest
	case protocol.ErrGroupOffline, protocol.ErrGroupsOffline, protocol.ErrGroupUnavailable, protocol.ErrUsersLimitReached:
		return http.StatusUnprocessableEntity
	case protocol.ErrTooManyRequests:
		return http.StatusTooManyRequests
	case protocol.ErrRequestTimeout:
		return http.StatusGatewayTimeout
	case protocol.ErrInternal:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}
