package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
)

// startChat logs a customer in over the RTM and starts a chat; it returns
// the chat id and the connection, which keeps receiving pushes.
func startChat(t *testing.T, srv *parleytest.Server, token string) (string, *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/v3.0/customer/rtm/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	send := func(id, action string, payload any) map[string]any {
		b, _ := json.Marshal(map[string]any{"request_id": id, "action": action, "payload": payload})
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
		for {
			_, msg, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var f map[string]any
			_ = json.Unmarshal(msg, &f)
			if f["request_id"] == id && f["type"] == "response" {
				if f["success"] != true {
					t.Fatalf("%s failed: %s", action, msg)
				}
				return f["payload"].(map[string]any)
			}
		}
	}
	send("1", "login", map[string]any{"token": "Bearer " + token})
	p := send("2", "start_chat", map[string]any{"chat": map[string]any{}})
	return p["chat"].(map[string]any)["id"].(string), c
}

func upload(t *testing.T, srv *parleytest.Server, token, chatID, name string, content []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("payload.chat_id", chatID)
	fw, _ := mw.CreateFormFile("payload.file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3.0/customer/action/send_file?license_id="+strconv.Itoa(srv.License), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
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

func decode(t *testing.T, r io.Reader) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func errorType(t *testing.T, resp *http.Response) string {
	t.Helper()
	m := decode(t, resp.Body)
	e, _ := m["error"].(map[string]any)
	if e == nil {
		t.Fatalf("no error object in %v", m)
	}
	return e["type"].(string)
}

func TestSendFile(t *testing.T) {
	srv := parleytest.NewServer(t)
	tok := srv.CustomerToken(t, "uploader")
	chatID, conn := startChat(t, srv, tok)

	t.Run("text file becomes a file event and a download", func(t *testing.T) {
		resp := upload(t, srv, tok, chatID, "notes.txt", []byte("hello file"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		url := decode(t, resp.Body)["payload"].(map[string]any)["url"].(string)
		// The uploader's own connection gets the file event, untagged.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			_, msg, err := conn.Read(ctx)
			if err != nil {
				t.Fatal("no incoming_event for the file:", err)
			}
			var f struct {
				RequestID string `json:"request_id"`
				Action    string `json:"action"`
				Payload   struct {
					Event struct {
						Type, URL, Name string
						ContentType     string `json:"content_type"`
						Size            int
					} `json:"event"`
				} `json:"payload"`
			}
			_ = json.Unmarshal(msg, &f)
			if f.Action != "incoming_event" {
				continue
			}
			e := f.Payload.Event
			if f.RequestID != "" || e.Type != "file" || e.URL != url || e.Name != "notes.txt" || e.Size != 10 || !strings.HasPrefix(e.ContentType, "text/plain") {
				t.Fatalf("file event %s", msg)
			}
			break
		}
		got, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Body.Close()
		b, _ := io.ReadAll(got.Body)
		if string(b) != "hello file" {
			t.Fatalf("served %q", b)
		}
		h := got.Header
		if h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
			h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("headers %v", h)
		}
	})

	t.Run("html is never served as a page", func(t *testing.T) {
		resp := upload(t, srv, tok, chatID, "x.html", []byte("<html><script>alert(1)</script></html>"))
		url := decode(t, resp.Body)["payload"].(map[string]any)["url"].(string)
		got, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		got.Body.Close()
		if ct := got.Header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Fatalf("html served as %q", ct)
		}
	})

	t.Run("png is shown inline", func(t *testing.T) {
		img := image.NewRGBA(image.Rect(0, 0, 4, 4))
		img.Set(1, 1, color.RGBA{255, 0, 0, 255})
		var buf bytes.Buffer
		_ = png.Encode(&buf, img)
		resp := upload(t, srv, tok, chatID, "../../dot.png", buf.Bytes())
		url := decode(t, resp.Body)["payload"].(map[string]any)["url"].(string)
		if !strings.HasSuffix(url, "/dot.png") {
			t.Fatalf("file name not cleaned: %s", url)
		}
		got, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		got.Body.Close()
		if got.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(got.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("headers %v", got.Header)
		}
	})

	t.Run("over 10 MiB is entity_too_large", func(t *testing.T) {
		resp := upload(t, srv, tok, chatID, "big.bin", make([]byte, 10<<20+1))
		if resp.StatusCode != http.StatusRequestEntityTooLarge || errorType(t, resp) != "entity_too_large" {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})

	t.Run("chunked, without Content-Length", func(t *testing.T) {
		for _, tc := range []struct {
			size   int
			status int
		}{{11, http.StatusOK}, {10<<20 + 1, http.StatusRequestEntityTooLarge}} {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			_ = mw.WriteField("payload.chat_id", chatID)
			fw, _ := mw.CreateFormFile("payload.file", "stream.bin")
			_, _ = fw.Write(make([]byte, tc.size))
			_ = mw.Close()
			// A reader of unknown length (ContentLength 0, Body not nil):
			// net/http sends it chunked.
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3.0/customer/action/send_file?license_id="+strconv.Itoa(srv.License),
				io.MultiReader(&body))
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("%d bytes chunked: status %d, want %d", tc.size, resp.StatusCode, tc.status)
			}
			if tc.status != http.StatusOK && errorType(t, resp) != "entity_too_large" {
				t.Errorf("%d bytes chunked: not entity_too_large", tc.size)
			}
			resp.Body.Close()
		}
	})

	t.Run("exactly 10 MiB is accepted", func(t *testing.T) {
		resp := upload(t, srv, tok, chatID, "max.bin", make([]byte, 10<<20))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})

	t.Run("without a token", func(t *testing.T) {
		resp := upload(t, srv, "", chatID, "a.txt", []byte("x"))
		if resp.StatusCode != http.StatusUnauthorized || errorType(t, resp) != "authentication" {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})

	t.Run("another customer's chat is answered like a missing one", func(t *testing.T) {
		other := srv.CustomerToken(t, "someone-else")
		a := upload(t, srv, other, chatID, "a.txt", []byte("x"))
		b := upload(t, srv, other, "NOSUCHCHAT", "a.txt", []byte("x"))
		ba, _ := io.ReadAll(a.Body)
		bb, _ := io.ReadAll(b.Body)
		if a.StatusCode != http.StatusNotFound || a.StatusCode != b.StatusCode || string(ba) != string(bb) {
			t.Fatalf("foreign chat %d %s, missing chat %d %s", a.StatusCode, ba, b.StatusCode, bb)
		}
	})

	t.Run("preflight and check_goals", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/v3.0/customer/action/send_file", nil)
		req.Header.Set("Origin", "https://shop.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("Access-Control-Allow-Origin") == "" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Fatalf("preflight headers %v", resp.Header)
		}
		req, _ = http.NewRequest(http.MethodPost, srv.URL+"/v3.0/customer/action/check_goals?license_id=123", strings.NewReader(`{"payload":{}}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("check_goals status %d", resp.StatusCode)
		}
	})
}
