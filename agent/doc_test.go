package agent_test

import (
	"go/doc/comment"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocHasNoCode: code in doc comments is not compiled, so it rots;
// code lives in the Example functions, which go vet compiles and go test
// runs.
func TestDocHasNoCode(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var p comment.Parser
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, cg := range f.Comments {
			for _, b := range p.Parse(cg.Text()).Content {
				if code, ok := b.(*comment.Code); ok {
					t.Errorf("%s: code in a doc comment; make it an Example:\n%s", fset.Position(cg.Pos()), code.Text)
				}
			}
		}
	}
}
