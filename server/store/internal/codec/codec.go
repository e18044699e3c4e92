package codec

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/server/chat"
)

// JSON encodes v for a JSON column; empty is what a nil v becomes.
func JSON(v any, empty string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return empty, nil
	}
	return string(b), nil
}

// Decode decodes the JSON text s into v; what names it in errors.
func Decode(s string, v any, what string) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode %s: %w", what, err)
	}
	return nil
}

// EncodeProps encodes properties without empty namespaces; none is "{}".
func EncodeProps(p chat.Properties) (string, error) {
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

// DecodeProps is the inverse of EncodeProps. The result is never nil.
func DecodeProps(s string) (chat.Properties, error) {
	p := chat.Properties{}
	if s == "{}" || s == "" {
		return p, nil
	}
	if err := Decode(s, &p, "properties"); err != nil {
		return nil, err
	}
	return p, nil
}

// MergeProps merges p into dst, name by name.
func MergeProps(dst, p chat.Properties) {
	for ns, vals := range p {
		m := dst[ns]
		if m == nil {
			m = make(map[string]any, len(vals))
			dst[ns] = m
		}
		maps.Copy(m, vals)
	}
}

// DeleteProps removes the names from dst and the namespaces left empty.
func DeleteProps(dst chat.Properties, names chat.PropertyNames) {
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

// CloneProps copies the namespace maps of p; values are shared.
func CloneProps(p chat.Properties) chat.Properties {
	if p == nil {
		return nil
	}
	out := make(chat.Properties, len(p))
	for ns, m := range p {
		out[ns] = maps.Clone(m)
	}
	return out
}

// eventBody is the body of an event: its type-specific fields.
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

// EncodeBody encodes the type-specific fields of e as one JSON object.
func EncodeBody(e *chat.Event) (string, error) {
	if e.Text != "" && onlyText(e) && plainJSON(e.Text) {
		// Most events are messages: the bytes json.Marshal would write.
		return textBodyPrefix + e.Text + textBodySuffix, nil
	}
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

// DecodeBody sets the type-specific fields of e from a body EncodeBody made.
func DecodeBody(s string, e *chat.Event) error {
	if s == "{}" || s == "" {
		return nil
	}
	if text, ok := strings.CutPrefix(s, textBodyPrefix); ok {
		if text, ok := strings.CutSuffix(text, textBodySuffix); ok && plainJSON(text) {
			e.Text = text
			return nil
		}
	}
	var b eventBody
	if err := Decode(s, &b, "event body"); err != nil {
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

// The body of an event that has only a text which JSON writes as it is.
const (
	textBodyPrefix = `{"text":"`
	textBodySuffix = `"}`
)

// onlyText reports whether e's body holds nothing but its text.
func onlyText(e *chat.Event) bool {
	return e.Postback == nil && e.SystemMessageType == "" && e.TextVars == nil && e.File == nil &&
		e.TemplateID == "" && e.Elements == nil && e.FormID == "" && e.Fields == nil &&
		e.AnnotationType == "" && e.Content == nil
}

// plainJSON reports whether s is valid UTF-8 that encoding/json writes
// inside a string unchanged: no control characters, quotes, backslashes,
// HTML characters (<, >, &) or line and paragraph separators (U+2028,
// U+2029), which it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			return false
		}
	}
	return utf8.ValidString(s)
}

// page is the stored form of a customer's page; Timestamp is in Unix
// nanoseconds.
type page struct {
	URL       string `json:"url"`
	Title     string `json:"title"`
	Timestamp int64  `json:"ts,omitempty"`
}

// EncodePage encodes p; a nil p is nil (SQL NULL).
func EncodePage(p *chat.Page) (*string, error) {
	if p == nil {
		return nil, nil
	}
	pj := page{URL: p.URL, Title: p.Title}
	if !p.Timestamp.IsZero() {
		pj.Timestamp = p.Timestamp.UnixNano()
	}
	b, err := json.Marshal(pj)
	if err != nil {
		return nil, fmt.Errorf("encode page: %w", err)
	}
	s := string(b)
	return &s, nil
}

// DecodePage is the inverse of EncodePage.
func DecodePage(s *string) (*chat.Page, error) {
	if s == nil {
		return nil, nil
	}
	var pj page
	if err := Decode(*s, &pj, "page"); err != nil {
		return nil, err
	}
	p := &chat.Page{URL: pj.URL, Title: pj.Title}
	if pj.Timestamp != 0 {
		p.Timestamp = time.Unix(0, pj.Timestamp).UTC()
	}
	return p, nil
}

// OrganizationID returns the organization id PutLicense stores for a new
// license l, and whether it keeps the stored one when l replaces a
// license: an empty l.OrganizationID keeps it (and gives a new license a
// random one); a set one must be canonical (chat.ErrInvalid otherwise).
func OrganizationID(l chat.License) (id string, keep bool, err error) {
	if l.OrganizationID == "" {
		return chat.NewOrganizationID(), true, nil
	}
	id, err = chat.ParseOrganizationID(l.OrganizationID)
	if err == nil && id != l.OrganizationID {
		err = fmt.Errorf("%w: organization id %q is not in canonical form", chat.ErrInvalid, l.OrganizationID)
	}
	return id, false, err
}
