package customer_test

import (
	"go/ast"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPkgDoc keeps `go doc` a complete reference: the package comment is
// in doc.go and nowhere else, and every exported name (functions, types,
// methods of exported types, constants and variables) has a doc comment,
// its own or its group's. Struct fields are not checked.
func TestPkgDoc(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		switch hasDoc := f.Doc != nil; {
		case name == "doc.go" && !hasDoc:
			t.Errorf("doc.go has no package comment")
		case name != "doc.go" && hasDoc:
			t.Errorf("%s has a package comment; it belongs in doc.go only", name)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv != nil && (!exportedRecv(d.Recv) || interfaceMethods[d.Name.Name])) {
					continue
				}
				if d.Doc == nil {
					t.Errorf("%s: %s has no doc comment", fset.Position(d.Pos()), funcName(d))
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					var names []*ast.Ident
					var doc *ast.CommentGroup
					switch s := s.(type) {
					case *ast.TypeSpec:
						names, doc = []*ast.Ident{s.Name}, s.Doc
					case *ast.ValueSpec:
						names, doc = s.Names, s.Doc
						if doc == nil {
							doc = s.Comment // a trailing comment documents it too
						}
					}
					if doc == nil {
						doc = d.Doc
					}
					for _, n := range names {
						if n.IsExported() && doc == nil {
							t.Errorf("%s: %s has no doc comment", fset.Position(n.Pos()), n.Name)
						}
					}
				}
			}
		}
	}
}

// interfaceMethods are documented by their interface: error's Error,
// fmt.Stringer's String, Notification's Name.
var interfaceMethods = map[string]bool{"Error": true, "String": true, "Name": true}

func exportedRecv(fl *ast.FieldList) bool {
	typ := fl.List[0].Type
	if st, ok := typ.(*ast.StarExpr); ok {
		typ = st.X
	}
	if ix, ok := typ.(*ast.IndexExpr); ok {
		typ = ix.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}

func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil {
		return d.Name.Name
	}
	typ := d.Recv.List[0].Type
	if st, ok := typ.(*ast.StarExpr); ok {
		typ = st.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + d.Name.Name
	}
	return d.Name.Name
}

// TestDocHasNoCode: code in doc comments is not compiled, so it rots (a
// quick start once used an undeclared ctx). Code lives in the Example
// functions, which go vet compiles and go test runs; doc comments point
// to them.
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
