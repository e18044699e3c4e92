package chat

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// CannedResponse is a saved reply of a license: text an agent inserts by
// typing "#" and its shortcut in the console (LiveChat's canned
// responses). A shortcut is unique in its license.
type CannedResponse struct {
	LicenseID int
	// ID is given by the store when the response is created.
	ID int
	// Shortcut is what follows "#": 1 to 32 of a-z, 0-9, "_" and "-".
	Shortcut string
	// Text is the reply, 1 to MaxCannedTextRunes characters.
	Text string
	// CreatedBy is the id of the agent that created it.
	CreatedBy string
	// UpdatedAt is when it was created or last changed.
	UpdatedAt time.Time
}

// MaxCannedTextRunes bounds CannedResponse.Text, in characters.
const MaxCannedTextRunes = 2000

// MaxCannedResponses bounds the canned responses of a license: the
// console loads them all at once.
const MaxCannedResponses = 1000

var shortcutRE = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// CheckCannedResponse returns an error when shortcut or text cannot be a
// canned response's: a shortcut not of 1 to 32 of a-z, 0-9, "_" and "-"; a
// text empty (spaces only), over MaxCannedTextRunes characters, not UTF-8
// or holding U+0000.
func CheckCannedResponse(shortcut, text string) error {
	if !shortcutRE.MatchString(shortcut) {
		return fmt.Errorf("shortcut %q: want 1 to 32 of a-z, 0-9, _ and -", shortcut)
	}
	if !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		return fmt.Errorf("text: must be UTF-8 without U+0000")
	}
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("text: must not be empty")
	}
	if n := utf8.RuneCountInString(text); n > MaxCannedTextRunes {
		return fmt.Errorf("text: %d characters, at most %d", n, MaxCannedTextRunes)
	}
	return nil
}

// CannedResponses returns the canned responses of the actor's license,
// ordered by shortcut; every agent of the license may read them.
func (s *Service) CannedResponses(ctx context.Context, a Actor) ([]CannedResponse, error) {
	return s.store.CannedResponses(ctx, a.LicenseID)
}
