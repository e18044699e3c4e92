package layout_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// A rule says what a set of packages may not depend on. Paths in forbid
// and allow are import paths; each stands for itself and everything under
// it.
type rule struct {
	why    string
	pkgs   []string // relative to the module; "x/..." is x and everything under it
	except []string // packages of pkgs the rule leaves out
	direct bool     // only what the packages import themselves; else all they link
	forbid []string
	allow  []string // exceptions to forbid
	need   []string // what each package must import directly
}

const (
	server    = modulePath + "/server"
	protocol  = modulePath + "/protocol"
	chat      = modulePath + "/server/chat"
	sqlDB     = "database/sql"
	pgx       = "github.com/jackc/pgx"
	nats      = "github.com/nats-io/nats.go"
	sqlite    = "modernc.org/sqlite"
	websocket = "github.com/coder/websocket"
)

var rules = []rule{{
	why: "a program that chats as a customer or an agent links neither the server, " +
		"nor its SQL drivers, nor its broker",
	pkgs: []string{"protocol", "customer", "agent", "internal/..."},
	// internal/clustertest makes PostgreSQL databases for the server's
	// tests; no program links it.
	except: []string{"internal/chatui", "internal/layout", "internal/clustertest"},
	forbid: []string{server, sqlDB, pgx, nats, sqlite},
}, {
	why:    "the terminal chat is built on the public customer SDK, not on the server",
	pkgs:   []string{"internal/chatui"},
	forbid: []string{server, pgx, nats, sqlite},
}, {
	why: "the chat domain knows no wire format, no SQL and no sockets: " +
		"session speaks protocol, drivers speak SQL, transports speak HTTP",
	pkgs: []string{"server/chat"},
	forbid: []string{protocol, sqlDB, pgx, sqlite, nats, server + "/store",
		server + "/internal/transport", server + "/internal/session", server + "/httpapi", server + "/configapi",
		websocket, "net"},
	allow: []string{"net/netip", "net/url"}, // values, no I/O
}, {
	why:    "a session gets frames and values from its transport, never the HTTP request",
	pkgs:   []string{"server/internal/session"},
	direct: true,
	forbid: []string{"net/http"},
}, {
	why:  "a store driver implements chat.Store beside the domain, which never imports a driver",
	pkgs: []string{"server/store/..."},
	// Reading migration files is no part of the domain.
	except: []string{"server/store/internal/migrations"},
	need:   []string{chat},
}, {
	why: "a broker driver implements broker.Broker beside the interface and moves opaque bytes: " +
		"it knows no chats, no wire format and no store",
	pkgs:   []string{"server/broker/..."},
	except: []string{"server/broker"},
	forbid: []string{chat, protocol, server + "/store", server + "/internal"},
	need:   []string{server + "/broker"},
}}

// TestDeps checks every rule against what the packages link (or import),
// tests aside.
func TestDeps(t *testing.T) {
	pkgs := listModule(t, moduleRoot(t))
	paths := slices.Sorted(maps.Keys(pkgs))
	for _, r := range rules {
		matched := 0
		for _, path := range paths {
			p := pkgs[path]
			if !p.inModule() || !matchAny(p.rel(), r.pkgs) || matchAny(p.rel(), r.except) {
				continue
			}
			matched++
			if len(p.Deps) == 0 {
				t.Errorf("%s: go list gives no dependencies; is the listing right?", p.rel())
			}
			deps := p.Deps
			if r.direct {
				deps = p.Imports
			}
			forbidden := func(d string) bool { return under(d, r.forbid) && !under(d, r.allow) }
			for _, d := range deps {
				if !forbidden(d) {
					continue
				}
				via := chain(pkgs, p.ImportPath, d)
				if slices.ContainsFunc(via[:len(via)-1], forbidden) {
					continue // reported as what brings it in
				}
				for i := range via {
					via[i] = short(via[i])
				}
				t.Errorf("%s depends on %s (%s): %s", p.rel(), short(d), strings.Join(via, " → "), r.why)
			}
			for _, n := range r.need {
				if !slices.Contains(p.Imports, n) {
					t.Errorf("%s does not import %s; required because %s", p.rel(), n, r.why)
				}
			}
		}
		for _, name := range r.pkgs {
			if !strings.HasSuffix(name, "/...") && pkgs[modulePath+"/"+name] == nil {
				t.Errorf("rule %q names %s, which go list does not know", r.why, name)
			}
		}
		if matched == 0 {
			t.Errorf("rule %q matches no package", r.why)
		}
	}
}

// matchAny reports whether rel matches one of the patterns, where "x/..."
// is x and everything under it.
func matchAny(rel string, patterns []string) bool {
	for _, pat := range patterns {
		if base, ok := strings.CutSuffix(pat, "/..."); ok {
			if rel == base || strings.HasPrefix(rel, base+"/") {
				return true
			}
		} else if rel == pat {
			return true
		}
	}
	return false
}

// short is path relative to the module when it is in it.
func short(path string) string { return strings.TrimPrefix(path, modulePath+"/") }

// under reports whether path is one of roots or below one of them.
func under(path string, roots []string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r+"/") {
			return true
		}
	}
	return false
}

// chain is one import path from from to to, found through the listing's
// direct imports.
func chain(pkgs map[string]*pkg, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var path []string
			for p := to; p != ""; p = prev[p] {
				path = append(path, p)
			}
			slices.Reverse(path)
			return path
		}
		if p := pkgs[cur]; p != nil {
			for _, next := range p.Imports {
				if _, seen := prev[next]; !seen {
					prev[next] = cur
					queue = append(queue, next)
				}
			}
		}
	}
	return []string{from, to}
}
