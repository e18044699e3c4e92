package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// MaxFileBytes is the largest file a customer may upload: 10 MiB, the
// limit of the Customer Chat API and of the JS SDK.
const MaxFileBytes = 10 << 20

// Config configures the Web API.
type Config struct {
	Service *chat.Service
	// Signer verifies customer tokens.
	Signer *auth.Signer
	// AgentTokens verifies agent tokens.
	AgentTokens *auth.AgentTokens
	// FilesDir is where uploads are stored. Required.
	FilesDir string
	// PublicURL is the base of file URLs ("https://chat.example.com"). Empty:
	// file URLs are relative ("/files/…"). A request's Host never makes a
	// link: a client could make it point anywhere.
	PublicURL string
	Logger    *slog.Logger
	Now       func() time.Time
	// UploadsPerHour is how many files one customer may upload in an
	// hour (a sliding hour: the allowance comes back evenly). Default 60;
	// negative: no limit. Agents are not limited.
	UploadsPerHour int
	// UploadBytesPerHour is how many bytes one customer may upload in an
	// hour, counted by request length. Default 100 MiB; negative: no
	// limit.
	UploadBytesPerHour int64
	// MaxKeys is how many customers' quotas are tracked at most (about 300
	// bytes each, twice). Zero: 16,384.
	MaxKeys int
	// CustomerAction runs one action of the Customer Web API v3.5 (see
	// CustomerWebActions) and returns its response payload, encoded. An
	// error that is a *protocol.Error is answered with its type; any other
	// is logged and answered as internal. Nil: those actions are 404
	// not_found (upload_file and check_goals are served here).
	CustomerAction func(ctx context.Context, call CustomerCall) (json.RawMessage, error)
}

// API is the Web API handler set.
type API struct {
	cfg     Config
	quotas  uploadQuota
	uploads Uploads
}

// New returns the API, creating FilesDir if needed.
func New(cfg Config) (*API, error) {
	if cfg.FilesDir == "" {
		return nil, errors.New("httpapi: Config.FilesDir is required")
	}
	if err := os.MkdirAll(cfg.FilesDir, 0o750); err != nil {
		return nil, fmt.Errorf("httpapi: create files dir: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &API{cfg: cfg, quotas: newUploadQuota(cfg), uploads: Uploads{Dir: cfg.FilesDir, PublicURL: cfg.PublicURL}}, nil
}

// Paths of the uploads.
const (
	customerSendFile = "/v3.0/customer/action/send_file"
	agentSendFile    = "/v3.0/agent/action/send_file"
)

// MaxUploadBytes is the largest request body of an upload: MaxFileBytes
// and a little room for the multipart envelope around the file.
const MaxUploadBytes = MaxFileBytes + 64<<10

// IsUpload reports whether r is an upload, whose body may be up to
// MaxUploadBytes long.
func IsUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	switch r.URL.Path {
	case customerSendFile, agentSendFile, customer35UploadFile:
		return true
	}
	return false
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+customerSendFile, a.sendFile)
	mux.HandleFunc("POST /v3.0/customer/action/check_goals", a.checkGoals)
	mux.HandleFunc("OPTIONS /v3.0/customer/action/{action}", preflight)
	mux.HandleFunc("POST /v3.0/customer/action/{action}", a.unknownAction)
	mux.HandleFunc("POST "+agentSendFile, a.agentSendFile)
	mux.HandleFunc("OPTIONS /v3.0/agent/action/{action}", preflight)
	mux.HandleFunc("POST /v3.0/agent/action/{action}", a.unknownAction)
	a.registerCustomer35(mux)
	mux.HandleFunc("GET /files/{license}/{id}/{name}", a.serveFile)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
}

// The Web API is called with an Authorization header and without
// credentials (cookies), so any origin may call it.
func cors(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "600")
}

func preflight(w http.ResponseWriter, r *http.Request) {
	cors(w)
	w.WriteHeader(http.StatusNoContent)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]any{"error": protocol.Error{Type: typ, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// customer authenticates a Web API call by its Bearer customer token.
func (a *API) customer(r *http.Request) (chat.Actor, bool) {
	cl, err := a.cfg.Signer.VerifyBearer(r.Header.Get("Authorization"), auth.KindCustomer, a.cfg.Now())
	if err != nil || !sameLicense(r, cl) {
		return chat.Actor{}, false
	}
	return chat.Actor{LicenseID: cl.LicenseID, UserID: cl.Subject, Type: chat.UserCustomer}, true
}

// agent authenticates a Web API call by its Bearer agent token (see
// auth.AgentTokens.Verify).
func (a *API) agent(r *http.Request) (chat.Actor, bool) {
	cl, _, err := a.cfg.AgentTokens.Verify(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		if !auth.IsTokenError(err) {
			a.cfg.Logger.Error("verify agent token", "err", err)
		}
		return chat.Actor{}, false
	}
	if !sameLicense(r, cl) {
		return chat.Actor{}, false
	}
	return chat.Actor{LicenseID: cl.LicenseID, UserID: cl.Subject, Type: chat.UserAgent}, true
}

// sameLicense reports whether the call's license_id, if given, is the
// token's.
func sameLicense(r *http.Request, cl auth.Claims) bool {
	q := r.URL.Query().Get("license_id")
	return q == "" || q == strconv.Itoa(cl.LicenseID)
}

func (a *API) unknownAction(w http.ResponseWriter, r *http.Request) {
	cors(w)
	writeError(w, http.StatusNotFound, protocol.ErrValidation, "unknown action "+strconv.Quote(r.PathValue("action")))
}

// checkGoals accepts the call the JS SDK makes when it starts without
// connecting. Parley has no goals; the call has no response payload.
func (a *API) checkGoals(w http.ResponseWriter, r *http.Request) {
	cors(w)
	if _, ok := a.customer(r); !ok {
		writeError(w, http.StatusUnauthorized, protocol.ErrAuthentication, "invalid or missing access token")
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
	writeJSON(w, http.StatusOK, map[string]any{})
}

// sendFile stores a customer's upload; see upload.
func (a *API) sendFile(w http.ResponseWriter, r *http.Request) {
	cors(w)
	actor, ok := a.customer(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, protocol.ErrAuthentication, "invalid or missing access token")
		return
	}
	if !a.quotas.allow(w, actor, r.ContentLength, a.cfg.Now()) {
		return
	}
	a.upload(w, r, actor)
}

// agentSendFile stores an agent's upload; see upload. The agent must be in
// the chat.
func (a *API) agentSendFile(w http.ResponseWriter, r *http.Request) {
	cors(w)
	actor, ok := a.agent(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, protocol.ErrAuthentication, "invalid, revoked or missing access token")
		return
	}
	a.upload(w, r, actor)
}

// upload stores an upload and adds a file event to the chat, which is
// pushed to the chat's members like any event. The answer is
// {"payload":{"url":…}} (the JS SDK resolves with body.payload).
func (a *API) upload(w http.ResponseWriter, r *http.Request, actor chat.Actor) {
	var chatID, customID, visibility string
	stored, ok := a.readUpload(w, r, actor.LicenseID, "payload.file", map[string]*string{
		"payload.chat_id": &chatID, "payload.custom_id": &customID, "payload.visibility": &visibility,
	})
	if !ok {
		return
	}
	defer stored.cleanup()
	if chatID == "" || stored.f == nil {
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, "payload.chat_id and payload.file are required")
		return
	}
	// The service takes the file's details from the upload its URL names.
	fileURL := a.uploads.fileURL(actor.LicenseID, stored.f.id, stored.f.name)
	if visibility == "all" {
		visibility = chat.VisibilityAll
	}
	// An agent's file with payload.visibility "agents" is a private note;
	// the service refuses that visibility from a customer.
	e := chat.Event{Type: chat.EventFile, CustomID: customID, Visibility: visibility, File: &chat.File{URL: fileURL}}
	res, err := a.cfg.Service.SendEvent(r.Context(), actor, chatID, e, false)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		writeError(w, http.StatusNotFound, protocol.ErrNotFound, "The requested chat, thread or event does not exist")
		return
	case errors.Is(err, chat.ErrInvalid):
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, err.Error())
		return
	case errors.Is(err, chat.ErrNotChatMember):
		writeError(w, http.StatusForbidden, protocol.ErrAuthorization, "join the chat first")
		return
	case err != nil:
		a.cfg.Logger.Error("send_file", "chat_id", chatID, "err", err)
		writeError(w, http.StatusInternalServerError, protocol.ErrInternal, "Internal server error")
		return
	}
	if res.Duplicate && res.Event.File != nil {
		fileURL = res.Event.File.URL
	} else {
		stored.f.keep = true
	}
	writeJSON(w, http.StatusOK, map[string]any{"payload": map[string]string{"url": fileURL}, "url": fileURL})
}

// upload is a multipart upload being read: its file, once stored, and
// whether to keep it.
type upload struct{ f *storedFile }

// cleanup removes the stored file unless it was kept.
func (u upload) cleanup() {
	if u.f != nil && !u.f.keep {
		_ = os.RemoveAll(filepath.Dir(u.f.path))
	}
}

// readUpload reads a multipart/form-data body of at most MaxUploadBytes:
// the part named fileField is stored (see store) and the small fields
// named in fields are read into them; other parts are skipped. On an
// error it answers and returns false, having removed what it stored. The
// caller defers cleanup.
func (a *API) readUpload(w http.ResponseWriter, r *http.Request, license int, fileField string, fields map[string]*string) (upload, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, http.StatusBadRequest, protocol.ErrValidation, "body must be multipart/form-data")
		return upload{}, false
	}
	var u upload
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return u, true
		}
		if err != nil {
			u.cleanup()
			a.uploadError(w, err)
			return upload{}, false
		}
		name := p.FormName()
		switch {
		case name == fileField:
			if u.f != nil {
				err = errors.New("more than one file")
				break
			}
			u.f, err = a.store(license, p)
		case fields[name] != nil:
			*fields[name], err = readSmall(p)
		}
		p.Close()
		if err != nil {
			u.cleanup()
			a.uploadError(w, err)
			return upload{}, false
		}
	}
}

func (a *API) uploadError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, protocol.ErrEntityTooLarge,
			fmt.Sprintf("The file is too big (max size is %d bytes).", MaxFileBytes))
		return
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The server's read deadline for the body passed (too slow, or
		// the server is shutting down).
		writeError(w, http.StatusRequestTimeout, protocol.ErrRequestTimeout, "The upload was too slow.")
		return
	}
	writeError(w, http.StatusBadRequest, protocol.ErrValidation, "malformed upload: "+err.Error())
}

func readSmall(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1025))
	if err != nil {
		return "", err
	}
	if len(b) > 1024 {
		return "", errors.New("form field too long")
	}
	return string(b), nil
}

type storedFile struct {
	id, name, path string
	size           int64
	keep           bool
}

// store writes one uploaded file under FilesDir/<license>/<id>/file and
// syncs it and its directories to disk.
func (a *API) store(license int, p io.Reader) (*storedFile, error) {
	part, _ := p.(interface{ FileName() string })
	name := "file"
	if part != nil {
		name = cleanName(part.FileName())
	}
	idb := make([]byte, 16)
	_, _ = rand.Read(idb)
	f := &storedFile{id: hex.EncodeToString(idb), name: name}
	dir := filepath.Join(a.cfg.FilesDir, strconv.Itoa(license), f.id)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	f.path = filepath.Join(dir, "file")
	out, err := os.OpenFile(f.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	f.size, err = io.Copy(out, io.LimitReader(p, MaxFileBytes+1))
	if err == nil && f.size > MaxFileBytes {
		err = &http.MaxBytesError{Limit: MaxFileBytes}
	}
	if err == nil {
		err = syncFile(out)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// The file event is acknowledged only after the file and every
		// directory entry leading to it are on disk, as events are.
		licenseDir := filepath.Dir(dir)
		err = syncDirs(dir, licenseDir, filepath.Dir(licenseDir))
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return f, nil
}

// detectType sniffs the content: the type a client declares is not trusted.
func detectType(head []byte, name string) string {
	t := http.DetectContentType(head)
	if t == "application/octet-stream" {
		if byExt := mime.TypeByExtension(path.Ext(name)); byExt != "" && !activeType(byExt) {
			return byExt
		}
	}
	return t
}

// inlineTypes are served as themselves; every other file is served as a
// download so that no upload runs as a page on the server's origin.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

func activeType(t string) bool {
	t, _, _ = mime.ParseMediaType(t)
	return strings.Contains(t, "html") || strings.Contains(t, "xml") || strings.Contains(t, "javascript") || t == "image/svg+xml"
}

func cleanName(n string) string {
	n = filepath.Base(strings.ReplaceAll(n, "\\", "/"))
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' {
			return -1
		}
		return r
	}, chat.StripBidi(n))
	if n == "" || n == "." || n == ".." {
		return "file"
	}
	if len(n) > 255 {
		n = n[:255]
	}
	return n
}

// serveFile serves an upload. Images of known types are shown inline;
// anything else is a download, typed application/octet-stream. Every answer
// forbids sniffing and runs in a sandbox, so an upload never acts as active
// content of this origin.
func (a *API) serveFile(w http.ResponseWriter, r *http.Request) {
	license, id := r.PathValue("license"), r.PathValue("id")
	if _, err := strconv.Atoi(license); err != nil || !isUploadID(id) {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(a.cfg.FilesDir, license, id, "file"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		http.Error(w, "read error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("Access-Control-Allow-Origin", "*")
	ct := http.DetectContentType(head[:n])
	name := r.PathValue("name")
	if inlineTypes[ct] {
		h.Set("Content-Type", ct)
		h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}
