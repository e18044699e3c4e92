package chat

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of SearchChats (docs/security.md).
const (
	// SearchMaxQuery is the longest query, in characters.
	SearchMaxQuery = 200
	// SearchMaxTerms is the most words a query may hold.
	SearchMaxTerms = 10
	// SearchDefaultLimit and SearchMaxLimit are the chats of one page.
	SearchDefaultLimit = 20
	SearchMaxLimit     = 100
	// SearchMaxEventIDs is the most matching event ids a hit lists.
	SearchMaxEventIDs = 20
	// SearchMinPrefix is the shortest last word matched as a prefix: a
	// shorter one (as the first letter typed) is a whole word, so that a
	// search never reads every event of a letter.
	SearchMinPrefix = 2
	// searchSnippetBefore and searchSnippetLen shape a snippet: the
	// characters kept before the first match and in all.
	searchSnippetBefore = 30
	searchSnippetLen    = 120
)

// SearchQuery is the input of Store.SearchChats. Terms are lowercase
// words of letters, digits and marks (SearchTerms): drivers quote them
// and never read them as query syntax. An event matches when it holds
// every term, the last one as a prefix of a word when Prefix is set; a
// customer matches likewise when its name and e-mail address together
// hold every term (punctuation separates words, so an address's parts
// are words), and then so does each of its chats.
type SearchQuery struct {
	LicenseID int
	Terms     []string
	Prefix    bool
	// Access keeps the chats a normal agent may see; nil does not filter.
	Access        *ChatAccess
	Offset, Limit int
}

// SearchHit is a chat that matches a search: by its events, by its
// customer, or both. Store.SearchChats fills every field but Snippet.
type SearchHit struct {
	ChatID string
	// CustomerID is the chat's customer; CustomerName its name ("" when
	// it has none).
	CustomerID, CustomerName string
	// ByCustomer is true when the customer's name and e-mail address
	// together hold every term.
	ByCustomer bool
	// ThreadID, EventID, Text and At are of the chat's newest matching
	// event; Text is a message's text or a file's name. A chat found by
	// its customer only has no ThreadID and EventID; its Text is then the
	// customer's name and e-mail address (CustomerText) and At the chat's
	// last activity.
	ThreadID, EventID string
	Text              string
	At                time.Time
	// EventIDs are the chat's matching events, newest first, at most
	// SearchMaxEventIDs (none for a chat found by its customer only).
	EventIDs []string
	// Snippet is a part of Text around its first match.
	Snippet string
}

// CustomerText is the text a search shows of a customer found by name or
// e-mail address: both, when it has both.
func CustomerText(name, email string) string {
	switch {
	case name == "":
		return email
	case email == "":
		return name
	}
	return name + " · " + email
}

// SearchTerms splits a query into the words a search looks for:
// lowercase runs of letters, digits and marks; anything else (spaces,
// punctuation, quotes, operators) separates them.
func SearchTerms(q string) []string {
	f := strings.FieldsFunc(q, func(r rune) bool { return !isWordRune(r) })
	for i := range f {
		f[i] = strings.ToLower(f[i])
	}
	return f
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// SearchChats is the input of Service.SearchChats.
type SearchChats struct {
	Query         string
	Offset, Limit int
}

// SearchChats finds the chats of the license the agent may see (all of
// them for a manager, those of its groups or that it is in for a normal
// agent) whose messages or file names hold every word of the query, or
// whose customer's name and e-mail address do, the last word as a prefix
// (of SearchMinPrefix characters or more); the chat with the newest match
// first (for a chat found by its customer only, its last activity). more
// says whether another page follows. A query without words finds nothing.
func (s *Service) SearchChats(ctx context.Context, a Actor, in SearchChats) (hits []SearchHit, more bool, err error) {
	if utf8.RuneCountInString(in.Query) > SearchMaxQuery {
		return nil, false, invalid("query must be at most %d characters", SearchMaxQuery)
	}
	if in.Limit, err = pageLimit(in.Offset, in.Limit, SearchDefaultLimit, SearchMaxLimit); err != nil {
		return nil, false, err
	}
	terms := SearchTerms(in.Query)
	if len(terms) > SearchMaxTerms {
		return nil, false, invalid("query must hold at most %d words", SearchMaxTerms)
	}
	access, err := s.chatAccess(ctx, a)
	if err != nil {
		return nil, false, err
	}
	if len(terms) == 0 {
		return []SearchHit{}, false, nil
	}
	prefix := utf8.RuneCountInString(terms[len(terms)-1]) >= SearchMinPrefix
	hits, err = s.store.SearchChats(ctx, SearchQuery{LicenseID: a.LicenseID, Terms: terms, Prefix: prefix, Access: access,
		Offset: in.Offset, Limit: in.Limit + 1})
	if err != nil {
		return nil, false, err
	}
	if len(hits) > in.Limit {
		hits, more = hits[:in.Limit], true
	}
	for i := range hits {
		hits[i].Snippet = Snippet(hits[i].Text, terms)
	}
	return hits, more, nil
}

// Snippet returns the part of text around the first word that starts
// with one of terms (compared case-insensitively): up to
// searchSnippetLen characters, searchSnippetBefore of them before the
// match, with "…" where text is cut. Without a match it is text's start.
func Snippet(text string, terms []string) string {
	rs := []rune(text)
	lower := []rune(strings.Map(unicode.ToLower, text))
	if len(lower) != len(rs) {
		lower = rs
	}
	at := -1
	for i := 0; i < len(lower) && at < 0; i++ {
		if i > 0 && isWordRune(lower[i-1]) {
			continue
		}
		for _, t := range terms {
			if hasRunePrefix(lower[i:], []rune(t)) {
				at = i
				break
			}
		}
	}
	start := 0
	if at > searchSnippetBefore {
		// Start at a word of the text rather than inside one.
		start = at - searchSnippetBefore
		for n := 0; n < 10 && start < at && isWordRune(rs[start-1]); n++ {
			start++
		}
	}
	end := min(len(rs), start+searchSnippetLen)
	out := strings.TrimSpace(string(rs[start:end]))
	if start > 0 {
		out = "…" + out
	}
	if end < len(rs) {
		out += "…"
	}
	return out
}

func hasRunePrefix(s, p []rune) bool {
	if len(p) > len(s) {
		return false
	}
	for i := range p {
		if s[i] != p[i] {
			return false
		}
	}
	return true
}
