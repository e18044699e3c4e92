package chat

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ParseOrigin checks an origin ("https://shop.example[:port]") and returns
// it lower-cased, without a trailing slash.
func ParseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an origin (scheme://host[:port], such as https://shop.example)", s)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// SetLists validates the lists given and sets them in c: origins become
// RedirectOrigins (normalized by ParseOrigin, without duplicates),
// redirectURIs RedirectURIs (absolute http(s) URLs). A nil list leaves
// the client's as it is; blank entries are skipped. Every redirect URI must
// be of one of the client's origins, or it could never be accepted. The
// error names the list at fault, "origins" or "redirect_uris"; c is
// changed only when there is none.
func (c *Client) SetLists(origins, redirectURIs []string) error {
	next := Client{RedirectOrigins: c.RedirectOrigins, RedirectURIs: c.RedirectURIs}
	if origins != nil {
		next.RedirectOrigins = []string{}
		for _, s := range origins {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			o, err := ParseOrigin(s)
			if err != nil {
				return fmt.Errorf("origins: %w", err)
			}
			if !slices.Contains(next.RedirectOrigins, o) {
				next.RedirectOrigins = append(next.RedirectOrigins, o)
			}
		}
	}
	if redirectURIs != nil {
		next.RedirectURIs = []string{}
		for _, s := range redirectURIs {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("redirect_uris: %q is not an absolute http(s) URL", s)
			}
			next.RedirectURIs = append(next.RedirectURIs, s)
		}
	}
	for _, s := range next.RedirectURIs {
		u, _ := url.Parse(s)
		if o, _ := ParseOrigin(u.Scheme + "://" + u.Host); !slices.Contains(next.RedirectOrigins, o) {
			return fmt.Errorf("redirect_uris: the origin of %q is not among the client's origins (add %s to them)", s, o)
		}
	}
	c.RedirectOrigins, c.RedirectURIs = next.RedirectOrigins, next.RedirectURIs
	return nil
}
