package widget_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/parleychat/parley/web/widget"
)

// sizeBudget is the most the widget (widget.js and widget.css, each
// gzipped as the server sends them) may weigh.
const sizeBudget = 16 << 10

// readmeSize is the README line that states the size.
var readmeSize = regexp.MustCompile(`\*\*(\d+) bytes\*\* gzipped`)

// TestSize computes what an embedding page downloads: widget.js and
// widget.css, each gzipped at the best compression, as the server sends
// them. The total must stay within the budget and match the README (to
// 1 %, so that another Go release's compressor does not fail the test);
// PARLEY_UPDATE_WIDGET_SIZE=1 rewrites the README's number.
func TestSize(t *testing.T) {
	files := widget.Files()
	total := 0
	for _, name := range []string{"widget.js", "widget.css"} {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(files[name])
		zw.Close()
		t.Logf("%s: %d bytes, %d gzipped", name, len(files[name]), buf.Len())
		total += buf.Len()
	}
	t.Logf("widget: %d bytes gzipped", total)
	if total > sizeBudget {
		t.Errorf("the widget is %d bytes gzipped, over its budget of %d", total, sizeBudget)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := readmeSize.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no line with **N bytes** gzipped")
	}
	if os.Getenv("PARLEY_UPDATE_WIDGET_SIZE") == "1" {
		readme = readmeSize.ReplaceAll(readme, []byte(fmt.Sprintf("**%d bytes** gzipped", total)))
		if err := os.WriteFile("README.md", readme, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	stated, _ := strconv.Atoi(string(m[1]))
	if d := stated - total; d*100 > total || -d*100 > total {
		t.Errorf("README.md says %d bytes gzipped, the widget is %d: run PARLEY_UPDATE_WIDGET_SIZE=1 go test ./web/widget -run TestSize", stated, total)
	}
}
