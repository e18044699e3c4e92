package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestForwarded sends X-Forwarded-* headers over a real connection from
// 127.0.0.1, once as an untrusted client and once as a trusted proxy, and
// looks at what the handler behind sees.
func TestForwarded(t *testing.T) {
	seen := func(trusted ...string) string {
		var prefixes []netip.Prefix
		for _, p := range trusted {
			prefixes = append(prefixes, netip.MustParsePrefix(p))
		}
		ts := httptest.NewServer(forwarded(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode([]string{r.RemoteAddr, r.Host, r.Header.Get("X-Forwarded-Proto"),
				r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Forwarded-Host")})
		}), prefixes))
		t.Cleanup(ts.Close)
		return ts.URL
	}
	untrusted, trusted := seen("10.0.0.0/8"), seen("127.0.0.0/8", "192.0.2.0/24")

	for _, tc := range []struct {
		name, base string
		header     http.Header
		want       [5]string // RemoteAddr host, Host, proto, XFF, XFH; "" = as sent / absent
	}{
		{"an untrusted client forges all three", untrusted,
			http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Host": {"evil.example"}, "X-Forwarded-Proto": {"https"}},
			[5]string{"127.0.0.1", "", "", "", ""}},
		{"a trusted proxy", trusted,
			http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Host": {"chat.example"}, "X-Forwarded-Proto": {"https"}},
			[5]string{"203.0.113.9:0", "chat.example", "https", "", ""}},
		{"a client's own X-Forwarded-For before the proxy's entry", trusted,
			http.Header{"X-Forwarded-For": {"198.51.100.1, 203.0.113.9"}},
			[5]string{"203.0.113.9:0", "", "", "", ""}},
		{"trusted hops are skipped", trusted,
			http.Header{"X-Forwarded-For": {"198.51.100.1", "203.0.113.9, 192.0.2.4"}},
			[5]string{"203.0.113.9:0", "", "", "", ""}},
		{"the last proto counts", trusted,
			http.Header{"X-Forwarded-Proto": {"https, http"}},
			[5]string{"127.0.0.1", "", "", "", ""}},
		{"a host with a path is ignored", trusted,
			http.Header{"X-Forwarded-Host": {"evil.example/x"}},
			[5]string{"127.0.0.1", "", "", "", ""}},
		{"garbage in X-Forwarded-For ends the chain", trusted,
			http.Header{"X-Forwarded-For": {"203.0.113.9, junk, 192.0.2.4"}},
			[5]string{"192.0.2.4:0", "", "", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, tc.base, nil)
			req.Header = tc.header
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got [5]string
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want[1] == "" {
				want[1] = req.URL.Host
			}
			// "127.0.0.1" stands for the peer's own address, with any port.
			if ap, err := netip.ParseAddrPort(got[0]); err == nil && want[0] == "127.0.0.1" && ap.Addr().String() == want[0] {
				got[0] = want[0]
			}
			if got != want {
				t.Errorf("handler saw %q, want %q", got, want)
			}
		})
	}
}
