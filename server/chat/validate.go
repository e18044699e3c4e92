package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// This file holds the checks of what users send about themselves and of
// postbacks, shared by every action that takes the same data: a
// customer's data is checked alike at login, update_customer,
// set_customer_fields and update_customer_page. It also holds the rule
// every action keeps: no U+0000 (checkNoNUL).

// checkNoNUL refuses, as ErrInvalid, a value a user sends that holds
// U+0000 (NUL) anywhere: in a string, a map key, or a JSON text (a rich
// message's elements, a form's fields, a custom event's content), as a
// byte or as the escape \u0000. what names the value in the error.
//
// No chat needs the character, and it is a classic way to cut or confuse
// what later reads the text as a C string (logs, webhooks, other
// systems). PostgreSQL stores it nowhere (text refuses the byte, jsonb
// the escape) while SQLite keeps it, so refusing it here, before any
// store, makes every store answer alike. A refusal changes nothing
// silently, unlike stripping the character, which could make two custom
// ids or property names one.
func checkNoNUL(what string, v any) error {
	var has bool
	if s, ok := v.(string); ok {
		has = strings.IndexByte(s, 0) >= 0
	} else {
		b, err := json.Marshal(v)
		if err != nil {
			return invalid("%s: %v", what, err)
		}
		has = jsonHasNUL(b)
	}
	if has {
		return invalid("%s must not contain U+0000 (NUL)", what)
	}
	return nil
}

// jsonHasNUL reports whether the JSON text b holds U+0000: a NUL byte, or
// \u0000 whose backslash is not itself escaped.
func jsonHasNUL(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("u0000"))
		if j < 0 {
			return false
		}
		u := i + j
		backslashes := 0
		for k := u - 1; k >= 0 && b[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 1 {
			return true
		}
		i = u + 1
	}
}

// Limits of a customer's data.
const (
	// MaxCustomerNameBytes bounds a customer's name and e-mail address.
	MaxCustomerNameBytes = 512
	// MaxCustomerFields is the most fields a customer has, all updates
	// together.
	MaxCustomerFields = 100
	// MaxFieldNameBytes and MaxFieldValueBytes bound one field.
	MaxFieldNameBytes  = 256
	MaxFieldValueBytes = 4 << 10
	// MaxURLBytes bounds a page URL, a referrer and an avatar URL.
	MaxURLBytes = 4 << 10
	// MaxPageTitleBytes bounds a page title.
	MaxPageTitleBytes = 1 << 10
)

// checkCustomerUpdate checks the parts of u a customer sets about itself:
// name and e-mail of at most MaxCustomerNameBytes; at most
// MaxCustomerFields fields, each within MaxFieldNameBytes and
// MaxFieldValueBytes; an avatar that is an https URL; a page and a
// referrer that are http or https URLs; every URL within MaxURLBytes.
// Empty strings clear a value and pass.
func checkCustomerUpdate(u CustomerUpdate) error {
	if err := checkNoNUL("customer data", u); err != nil {
		return err
	}
	if u.Name != nil && len(*u.Name) > MaxCustomerNameBytes || u.Email != nil && len(*u.Email) > MaxCustomerNameBytes {
		return invalid("name and email must be at most %d bytes", MaxCustomerNameBytes)
	}
	if len(u.Fields) > MaxCustomerFields {
		return invalid("at most %d fields", MaxCustomerFields)
	}
	for k, v := range u.Fields {
		if k == "" || len(k) > MaxFieldNameBytes {
			return invalid("field names must be 1 to %d bytes", MaxFieldNameBytes)
		}
		if len(v) > MaxFieldValueBytes {
			return invalid("field %q is longer than %d bytes", k, MaxFieldValueBytes)
		}
	}
	if u.Avatar != nil {
		if err := checkURL("avatar", *u.Avatar, "https"); err != nil {
			return err
		}
	}
	if u.Referrer != nil {
		if err := checkURL("referrer", *u.Referrer, "http", "https"); err != nil {
			return err
		}
	}
	if p := u.Page; p != nil {
		if err := checkURL("page url", p.URL, "http", "https"); err != nil {
			return err
		}
		if len(p.Title) > MaxPageTitleBytes {
			return invalid("page title is longer than %d bytes", MaxPageTitleBytes)
		}
	}
	return nil
}

// checkURL refuses a non-empty s that is not an absolute URL of one of
// the schemes, with a host, within MaxURLBytes.
func checkURL(what, s string, schemes ...string) error {
	if s == "" {
		return nil
	}
	want := strings.Join(schemes, " or ")
	if len(s) > MaxURLBytes {
		return invalid("%s is longer than %d bytes", what, MaxURLBytes)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return invalid("%s must be an %s URL", what, want)
	}
	for _, sc := range schemes {
		if strings.EqualFold(u.Scheme, sc) {
			return nil
		}
	}
	return invalid("%s must be an %s URL", what, want)
}

// checkFieldsRoom refuses fields that would give the customer more than
// MaxCustomerFields fields once merged into those it has. Only new names
// count: updating the fields it has always fits.
func (s *Service) checkFieldsRoom(ctx context.Context, licenseID int, id string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	cu, err := s.store.Customer(ctx, licenseID, id)
	if errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	n := len(cu.Fields)
	for k := range fields {
		if _, ok := cu.Fields[k]; !ok {
			n++
		}
	}
	if n > MaxCustomerFields {
		return invalid("a customer has at most %d fields", MaxCustomerFields)
	}
	return nil
}

// StripBidi removes the Unicode bidirectional controls (U+061C, U+200E,
// U+200F, U+202A–U+202E, U+2066–U+2069) from s: in a file name they would
// make "invoice\u202Efdp.exe" read as "invoiceexe.pdf".
func StripBidi(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
}

// checkPostback refuses a postback whose event is not a rich message or
// none of whose buttons has the postback's id.
func checkPostback(e Event, postbackID string) error {
	if e.Type != EventRichMessage {
		return invalid("event %s is not a rich_message", e.ID)
	}
	var elements []struct {
		Buttons []struct {
			PostbackID string `json:"postback_id"`
		} `json:"buttons"`
	}
	if err := json.Unmarshal(e.Elements, &elements); err != nil {
		return fmt.Errorf("rich message %s: %w", e.ID, err)
	}
	for _, el := range elements {
		for _, b := range el.Buttons {
			if b.PostbackID == postbackID {
				return nil
			}
		}
	}
	return invalid("rich message %s has no button with postback_id %q", e.ID, postbackID)
}
