package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// ns is the stored form of a time: Unix nanoseconds, NULL for the zero time.
func ns(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNS is the inverse of ns.
func fromNS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(0, v.Int64).UTC()
}

// laterNS returns the later of a stored time and t, in stored form.
func laterNS(stored sql.NullInt64, t time.Time) any {
	if t.IsZero() || (stored.Valid && stored.Int64 >= t.UnixNano()) {
		if !stored.Valid {
			return nil
		}
		return stored.Int64
	}
	return t.UnixNano()
}

// jsonText encodes v for a JSON column; empty is what a nil v becomes.
func jsonText(v any, empty string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return empty, nil
	}
	return string(b), nil
}

func decodeJSON(s string, v any, what string) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}

// encodeProps stores properties without empty namespaces.
func encodeProps(p chat.Properties) (string, error) {
	clean := make(chat.Properties, len(p))
	for ns, vals := range p {
		if len(vals) > 0 {
			clean[ns] = vals
		}
	}
	if len(clean) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return "", fmt.Errorf("encode properties: %w", err)
	}
	return string(b), nil
}

func decodeProps(s string) (chat.Properties, error) {
	p := chat.Properties{}
	if s == "{}" || s == "" {
		return p, nil
	}
	if err := decodeJSON(s, &p, "properties"); err != nil {
		return nil, err
	}
	return p, nil
}

// mergeProps merges p into dst.
func mergeProps(dst, p chat.Properties) {
	for ns, vals := range p {
		m := dst[ns]
		if m == nil {
			m = make(map[string]any, len(vals))
			dst[ns] = m
		}
		for k, v := range vals {
			m[k] = v
		}
	}
}

// deleteProps removes the names from dst and namespaces left empty.
func deleteProps(dst chat.Properties, names chat.PropertyNames) {
	for ns, list := range names {
		m, ok := dst[ns]
		if !ok {
			continue
		}
		for _, k := range list {
			delete(m, k)
		}
		if len(m) == 0 {
			delete(dst, ns)
		}
	}
}

// eventBody is the JSON body column of an event: its type-specific fields.
type eventBody struct {
	Text              string                `json:"text,omitempty"`
	Postback          *chat.MessagePostback `json:"postback,omitempty"`
	SystemMessageType string                `json:"system_message_type,omitempty"`
	TextVars          map[string]string     `json:"text_vars,omitempty"`
	File              *chat.File            `json:"file,omitempty"`
	TemplateID        string                `json:"template_id,omitempty"`
	Elements          json.RawMessage       `json:"elements,omitempty"`
	FormID            string                `json:"form_id,omitempty"`
	Fields            json.RawMessage       `json:"fields,omitempty"`
	AnnotationType    string                `json:"annotation_type,omitempty"`
	Content           json.RawMessage       `json:"content,omitempty"`
}

func encodeBody(e *chat.Event) (string, error) {
	b := eventBody{
		Text:              e.Text,
		Postback:          e.Postback,
		SystemMessageType: e.SystemMessageType,
		TextVars:          e.TextVars,
		File:              e.File,
		TemplateID:        e.TemplateID,
		Elements:          e.Elements,
		FormID:            e.FormID,
		Fields:            e.Fields,
		AnnotationType:    e.AnnotationType,
		Content:           e.Content,
	}
	out, err := json.Marshal(b)
	if err != nil {
		return "", fmt.Errorf("encode event %s body: %w", e.ID, err)
	}
	return string(out), nil
}

func decodeBody(s string, e *chat.Event) error {
	if s == "{}" || s == "" {
		return nil
	}
	var b eventBody
	if err := decodeJSON(s, &b, "event body"); err != nil {
		return err
	}
	e.Text = b.Text
	e.Postback = b.Postback
	e.SystemMessageType = b.SystemMessageType
	e.TextVars = b.TextVars
	e.File = b.File
	e.TemplateID = b.TemplateID
	e.Elements = b.Elements
	e.FormID = b.FormID
	e.Fields = b.Fields
	e.AnnotationType = b.AnnotationType
	e.Content = b.Content
	return nil
}

// pageJSON is the stored form of a customer's page.
type pageJSON struct {
	URL       string `json:"url"`
	Title     string `json:"title"`
	Timestamp int64  `json:"ts,omitempty"`
}

func encodePage(p *chat.Page) (any, error) {
	if p == nil {
		return nil, nil
	}
	pj := pageJSON{URL: p.URL, Title: p.Title}
	if !p.Timestamp.IsZero() {
		pj.Timestamp = p.Timestamp.UnixNano()
	}
	b, err := json.Marshal(pj)
	if err != nil {
		return nil, fmt.Errorf("encode page: %w", err)
	}
	return string(b), nil
}

func decodePage(s sql.NullString) (*chat.Page, error) {
	if !s.Valid {
		return nil, nil
	}
	var pj pageJSON
	if err := decodeJSON(s.String, &pj, "page"); err != nil {
		return nil, err
	}
	p := &chat.Page{URL: pj.URL, Title: pj.Title}
	if pj.Timestamp != 0 {
		p.Timestamp = time.Unix(0, pj.Timestamp).UTC()
	}
	return p, nil
}
