package layout_test

import (
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPackageDoc checks that every package of the module, and of the e2e
// module beside it, says what it is for in exactly one package doc
// comment, kept in doc.go when the package has more than one file. A main
// package may go without one.
func TestPackageDoc(t *testing.T) {
	root := moduleRoot(t)
	dirs := []string{root}
	if _, err := os.Stat(filepath.Join(root, "e2e", "go.mod")); err == nil {
		dirs = append(dirs, filepath.Join(root, "e2e"))
	}
	for _, dir := range dirs {
		pkgs := listModule(t, dir)
		for _, path := range slices.Sorted(maps.Keys(pkgs)) {
			if p := pkgs[path]; p.inModule() {
				checkDoc(t, p)
			}
		}
	}
}

func checkDoc(t *testing.T, p *pkg) {
	t.Helper()
	files := slices.Concat(p.GoFiles, p.CgoFiles)
	if len(files) == 0 {
		t.Errorf("%s: no package doc: a package of tests only needs a doc.go", p.rel())
		return
	}
	var docs []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Errorf("%s: %v", p.rel(), err)
			continue
		}
		if f.Doc != nil {
			docs = append(docs, name)
		}
	}
	switch {
	case len(docs) > 1:
		t.Errorf("%s: %d package doc comments (%s); keep one, in doc.go", p.rel(), len(docs), strings.Join(docs, ", "))
	case len(docs) == 0 && p.Name != "main":
		t.Errorf("%s: no package doc; say what the package is for in %s", p.rel(), docFile(files))
	case len(docs) == 1 && len(files) > 1 && docs[0] != "doc.go":
		t.Errorf("%s: package doc in %s; the package has %d files, so keep it in doc.go", p.rel(), docs[0], len(files))
	}
}

// docFile is where a package of files should keep its doc.
func docFile(files []string) string {
	if len(files) == 1 {
		return files[0]
	}
	return "doc.go"
}
