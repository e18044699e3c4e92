package widget_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/web/widget"
)

// english reads the string table S of widget.js: one `key: 'text',` a
// line between `const S = {` and `};`.
func english(t *testing.T) map[string]string {
	t.Helper()
	js := string(widget.Files()["widget.js"])
	_, rest, ok := strings.Cut(js, "const S = {\n")
	table, _, ok2 := strings.Cut(rest, "\n  };")
	if !ok || !ok2 {
		t.Fatal("widget.js has no string table `const S = {` … `};`")
	}
	line := regexp.MustCompile(`^\s+(\w+): '([^'\\]*)',$`)
	out := map[string]string{}
	for _, l := range strings.Split(table, "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("string table line %q is not `key: 'text',`", l)
		}
		out[m[1]] = m[2]
	}
	return out
}

var placeholder = regexp.MustCompile(`\{\d\}`)

// TestTranslations checks that every language file has exactly the keys of
// the English table, each with the same placeholders, and that every key
// the script uses is in the table.
func TestTranslations(t *testing.T) {
	en := english(t)
	if len(en) < 40 {
		t.Fatalf("only %d strings in the table", len(en))
	}
	files := widget.Files()
	for _, lang := range []string{"de", "pl", "es"} {
		var tr map[string]string
		if err := json.Unmarshal(files["i18n/"+lang+".json"], &tr); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		for k, v := range en {
			got, ok := tr[k]
			switch {
			case !ok || got == "":
				t.Errorf("%s.json: no %q", lang, k)
			case !slices.Equal(sorted(placeholder.FindAllString(got, -1)), sorted(placeholder.FindAllString(v, -1))):
				t.Errorf("%s.json: %q = %q: placeholders differ from %q", lang, k, got, v)
			}
		}
		for k := range tr {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json: %q is not a key of the English table", lang, k)
			}
		}
	}
	js := string(files["widget.js"])
	for _, m := range regexp.MustCompile(`\b(?:tr|L)\('(\w+)'`).FindAllStringSubmatch(js, -1) {
		if _, ok := en[m[1]]; !ok {
			t.Errorf("widget.js uses %q, which is not in the table", m[1])
		}
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

// TestGreeting serves /widget/greeting.json from Config.Greeting.
func TestGreeting(t *testing.T) {
	h := widget.Handler(widget.Config{License: 7, Greeting: func(_ context.Context, license, group int) (string, error) {
		switch {
		case license == 7 && group == 0:
			return "Hello 👋", nil
		case license == 7 && group == 2:
			return "Sales: <b>deals</b>", nil
		case license == 9:
			return "", errors.New("store down")
		}
		return "", nil
	}})
	for target, want := range map[string]string{
		"/widget/greeting.json?license_id=7":            "Hello 👋",
		"/widget/greeting.json?license_id=7&group_id=2": "Sales: <b>deals</b>",
		"/widget/greeting.json?license_id=8&group_id=2": "",
	} {
		rec := serve(h, "GET", target)
		var got map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 || got["greeting"] != want ||
			rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("GET %s = %d %s (%v), want greeting %q", target, rec.Code, rec.Body, err, want)
		}
	}
	for _, target := range []string{"/widget/greeting.json", "/widget/greeting.json?license_id=x", "/widget/greeting.json?license_id=7&group_id=-1"} {
		if rec := serve(h, "GET", target); rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", target, rec.Code)
		}
	}
	if rec := serve(h, "GET", "/widget/greeting.json?license_id=9"); rec.Code != http.StatusInternalServerError {
		t.Errorf("a failing store: %d, want 500", rec.Code)
	}
	if rec := serve(widget.Handler(widget.Config{}), "GET", "/widget/greeting.json?license_id=7"); rec.Body.String() != `{"greeting":""}` {
		t.Errorf("no Greeting func: %s", rec.Body)
	}
}
