package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// forwarded makes the X-Forwarded-* headers mean what they say, or
// nothing. A request whose peer is in trusted (a reverse proxy) has its
// RemoteAddr replaced by the client address of X-Forwarded-For, its Host
// by X-Forwarded-Host and keeps X-Forwarded-Proto: https; any other
// request loses the three headers, so that no handler after this one
// believes a client about its own address, the server's host or TLS.
//
// Of a list (a header repeated, or values separated by commas) the last
// entry counts: it is the one the nearest proxy added; the earlier ones
// came from whoever spoke to that proxy. X-Forwarded-For is read from the
// right, skipping trusted proxies, so a client cannot pose as another by
// sending the header itself.
func forwarded(next http.Handler, trusted []netip.Prefix) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header
		peer, ok := addrOf(r.RemoteAddr)
		if !ok || !inPrefixes(peer, trusted) {
			h.Del("X-Forwarded-For")
			h.Del("X-Forwarded-Host")
			h.Del("X-Forwarded-Proto")
			next.ServeHTTP(w, r)
			return
		}
		r = r.Clone(r.Context())
		h = r.Header
		if client, ok := forwardedFor(h.Values("X-Forwarded-For"), trusted); ok {
			r.RemoteAddr = net.JoinHostPort(client.String(), "0")
		}
		if host := lastValue(h.Values("X-Forwarded-Host")); validHost(host) {
			r.Host = host
		}
		if strings.EqualFold(lastValue(h.Values("X-Forwarded-Proto")), "https") {
			h.Set("X-Forwarded-Proto", "https")
		} else {
			h.Del("X-Forwarded-Proto")
		}
		h.Del("X-Forwarded-For")
		h.Del("X-Forwarded-Host")
		next.ServeHTTP(w, r)
	})
}

// forwardedFor returns the client of an X-Forwarded-For chain: the last
// address that is not a trusted proxy, or the first one when all are.
func forwardedFor(values []string, trusted []netip.Prefix) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	var client netip.Addr
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := addrOf(strings.TrimSpace(hops[i]))
		if !ok {
			// An address we cannot read ends what we can believe.
			break
		}
		client = a
		if !inPrefixes(a, trusted) {
			break
		}
	}
	return client, client.IsValid()
}

// addrOf reads an IP address, with or without a port.
func addrOf(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func inPrefixes(a netip.Addr, list []netip.Prefix) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// validHost accepts a host with an optional port, made of the characters
// of a DNS name or an IP literal, and nothing that could carry a path or
// credentials into a URL built from it.
func validHost(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._:[]", c) >= 0) {
			return false
		}
	}
	return true
}
