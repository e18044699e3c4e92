package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// TokenAnswer is what a token endpoint answers: the token fields both
// clients read, and its HTTP response (for its status and cookies).
type TokenAnswer struct {
	AccessToken string         `json:"access_token"`
	TokenType   string         `json:"token_type"`
	ExpiresIn   int64          `json:"expires_in"`
	EntityID    string         `json:"entity_id"`
	Resp        *http.Response `json:"-"`
}

// Lifetime is ExpiresIn as a duration.
func (a TokenAnswer) Lifetime() time.Duration { return time.Duration(a.ExpiresIn) * time.Second }

// Type is TokenType, "Bearer" when the answer has none.
func (a TokenAnswer) Type() string {
	if a.TokenType == "" {
		return "Bearer"
	}
	return a.TokenType
}

// PostToken posts body (JSON) to a token endpoint and decodes the answer
// into the TokenAnswer and into extra (when not nil: the fields a client
// reads besides). what names the request in errors ("customer: token
// request"); an answer that is not JSON is an error naming its status.
func PostToken(ctx context.Context, hc *http.Client, url, contentType string, body any, cookies map[string]string, what string, extra any) (TokenAnswer, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return TokenAnswer{}, fmt.Errorf("%s: %w", what, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return TokenAnswer{}, fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := hc.Do(req)
	if err != nil {
		return TokenAnswer{}, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return TokenAnswer{}, fmt.Errorf("%s: %w", what, err)
	}
	a := TokenAnswer{Resp: resp}
	err = json.Unmarshal(raw, &a)
	if err == nil && extra != nil {
		err = json.Unmarshal(raw, extra)
	}
	if err != nil {
		return TokenAnswer{}, fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	return a, nil
}
