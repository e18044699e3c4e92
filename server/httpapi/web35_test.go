package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/chat"
)

// otherOrganization is the organization of a second license the tests add.
const otherOrganization = "0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4"

// addLicense stores a second license, 456, of otherOrganization.
func addLicense(t *testing.T, srv *parleytest.Server) {
	t.Helper()
	err := srv.Store().PutLicense(context.Background(), chat.License{ID: 456, Name: "Other", OrganizationID: otherOrganization, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

// post35 calls the Customer Web API v3.5 with body as it is.
func post35(t *testing.T, srv *parleytest.Server, action, organization, token, contentType string, body io.Reader) *http.Response {
	t.Helper()
	u := srv.URL + "/v3.5/customer/action/" + action
	if organization != "" {
		u += "?organization_id=" + url.QueryEscape(organization)
	}
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// uploadFile35 uploads content as the SDK 4 does: one multipart field
// "file".
func uploadFile35(t *testing.T, srv *parleytest.Server, organization, token, name string, content []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	return post35(t, srv, "upload_file", organization, token, mw.FormDataContentType(), &body)
}

// wantError fails unless resp is status with an error of type typ.
func wantError(t *testing.T, resp *http.Response, status int, typ string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status %d, want %d", resp.StatusCode, status)
	}
	m := decode(t, resp.Body)
	e, _ := m["error"].(map[string]any)
	if e == nil || e["type"] != typ || e["message"] == "" || len(m) != 1 {
		t.Errorf("body %v, want {\"error\":{\"type\":%q,\"message\":…}}", m, typ)
	}
}

func TestUploadFile(t *testing.T) {
	srv := parleytest.NewServer(t)
	addLicense(t, srv)
	tok := srv.CustomerToken(t, "uploader35")
	org := srv.OrganizationID

	t.Run("answers {url} and serves the bytes", func(t *testing.T) {
		resp := uploadFile35(t, srv, org, tok, "notes.txt", []byte("hello v3.5"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if cors := resp.Header.Get("Access-Control-Allow-Origin"); cors != "*" {
			t.Errorf("Access-Control-Allow-Origin %q", cors)
		}
		m := decode(t, resp.Body)
		u, _ := m["url"].(string)
		if len(m) != 1 || !strings.HasPrefix(u, srv.URL+"/files/") || !strings.HasSuffix(u, "/notes.txt") {
			t.Fatalf("answer %v, want only {\"url\": …/notes.txt}", m)
		}
		got, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Body.Close()
		if b, _ := io.ReadAll(got.Body); string(b) != "hello v3.5" {
			t.Fatalf("served %q", b)
		}
	})
	t.Run("over 10 MiB is entity_too_large", func(t *testing.T) {
		wantError(t, uploadFile35(t, srv, org, tok, "big.bin", make([]byte, 10<<20+1)), http.StatusRequestEntityTooLarge, "entity_too_large")
	})
	t.Run("another organization", func(t *testing.T) {
		wantError(t, uploadFile35(t, srv, otherOrganization, tok, "a.txt", []byte("x")), http.StatusUnauthorized, "authentication")
	})
	t.Run("an unknown organization", func(t *testing.T) {
		wantError(t, uploadFile35(t, srv, "11111111-2222-4333-8444-555555555555", tok, "a.txt", []byte("x")), http.StatusNotFound, "license_not_found")
	})
	t.Run("without organization_id", func(t *testing.T) {
		wantError(t, uploadFile35(t, srv, "", tok, "a.txt", []byte("x")), http.StatusBadRequest, "validation")
	})
	t.Run("without a token", func(t *testing.T) {
		wantError(t, uploadFile35(t, srv, org, "", "a.txt", []byte("x")), http.StatusUnauthorized, "authentication")
	})
	t.Run("without the file field", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("payload.file", "a.txt")
		_, _ = fw.Write([]byte("x"))
		_ = mw.Close()
		wantError(t, post35(t, srv, "upload_file", org, tok, mw.FormDataContentType(), &body), http.StatusBadRequest, "validation")
	})
	t.Run("not multipart", func(t *testing.T) {
		wantError(t, post35(t, srv, "upload_file", org, tok, "application/json", strings.NewReader(`{}`)), http.StatusBadRequest, "validation")
	})
}

func TestCheckGoals35(t *testing.T) {
	srv := parleytest.NewServer(t)
	tok := srv.CustomerToken(t, "goals")
	// The body the SDK 4 sends, unwrapped.
	resp := post35(t, srv, "check_goals", srv.OrganizationID, tok, "application/json",
		strings.NewReader(`{"session_fields":[{"plan":"pro"}],"group_id":0,"page_url":"https://shop.example/"}`))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if m := decode(t, resp.Body); len(m) != 0 {
		t.Fatalf("answer %v, want {}", m)
	}
	wantError(t, post35(t, srv, "check_goals", srv.OrganizationID, "", "application/json", strings.NewReader(`{}`)), http.StatusUnauthorized, "authentication")
	wantError(t, post35(t, srv, "check_goals", srv.OrganizationID, tok, "application/json", strings.NewReader(`[1]`)), http.StatusBadRequest, "validation")
}

// TestCustomerWebAPIPreflight: browsers may call the v3.5 actions from any
// origin, with the Authorization header.
func TestCustomerWebAPIPreflight(t *testing.T) {
	srv := parleytest.NewServer(t)
	for _, action := range []string{"upload_file", "check_goals", "list_chats", "send_event"} {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/v3.5/customer/action/"+action+"?organization_id="+srv.OrganizationID, nil)
		req.Header.Set("Origin", "https://shop.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode/100 != 2 || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") {
			t.Errorf("%s: preflight %d %v", action, resp.StatusCode, h)
		}
	}
}
