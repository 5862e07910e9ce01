// Command kustomize-schema prints OpenAPI v3 definitions for kustomization.yaml files
// (kind Kustomization and kind Component) as JSON on stdout.
//
// The definitions are derived by reflection from kustomize's own Go types
// (sigs.k8s.io/kustomize/api/types), following the rules kustomize itself decodes with:
// it converts the YAML to JSON and decodes it with encoding/json and DisallowUnknownFields.
// So json tags name the fields, anonymous struct fields without a tag name are inlined,
// unknown fields are errors, and presence is never enforced (no `required`).
// Field and type descriptions come from the Go doc comments of the package sources.
package main

import (
	"encoding"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
)

const kustomizeAPIModule = "sigs.k8s.io/kustomize/api"

// schema is one OpenAPI v3 schema object; encoding/json sorts map keys, so output is stable.
type schema = map[string]any

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

type output struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	// Named types that decode themselves; their schema is {} (anything) so valid shapes are never flagged.
	CustomUnmarshalers []string          `json:"customUnmarshalers"`
	Definitions        map[string]schema `json:"definitions"`
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-check" {
		check(os.Args[2:])
		return
	}
	g := &generator{defs: map[string]schema{}, docs: map[string]*pkgDocs{}, custom: map[string]bool{}}
	kustomization := reflect.TypeFor[types.Kustomization]()
	g.schemaFor(kustomization)
	name := defName(kustomization)
	def := g.defs[name]
	def["x-kubernetes-group-version-kind"] = []map[string]string{gvk(types.KustomizationVersion, types.KustomizationKind)}

	// A Component is the same Go type read from a file with another apiVersion and kind.
	component := schema{}
	for k, v := range def {
		component[k] = v
	}
	component["description"] = "Component is a reusable piece of kustomization (apiVersion " + types.ComponentVersion +
		", kind " + types.ComponentKind + ") that other kustomizations pull in through `components`. It accepts the same fields as a Kustomization."
	component["x-kubernetes-group-version-kind"] = []map[string]string{gvk(types.ComponentVersion, types.ComponentKind)}
	g.defs[strings.TrimSuffix(name, kustomization.Name())+types.ComponentKind] = component

	custom := make([]string, 0, len(g.custom))
	for k := range g.custom {
		custom = append(custom, k)
	}
	sort.Strings(custom)
	out := output{Module: kustomizeAPIModule, Version: moduleVersion(kustomizeAPIModule), CustomUnmarshalers: custom, Definitions: g.defs}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

// check decodes each file the way kustomize reads a kustomization file and prints, as JSON,
// file → error message ("" when kustomize accepts it): the reference our schema is compared with.
func check(files []string) {
	result := map[string]string{}
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			fail(err)
		}
		var k types.Kustomization
		result[file] = ""
		if err := k.Unmarshal(content); err != nil {
			result[file] = err.Error()
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kustomize-schema:", err)
	os.Exit(1)
}

func gvk(apiVersion, kind string) map[string]string {
	group, version, _ := strings.Cut(apiVersion, "/")
	return map[string]string{"group": group, "version": version, "kind": kind}
}

// moduleVersion is the version of a dependency this program was built with (go.mod pins it).
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fail(fmt.Errorf("no build info"))
	}
	for _, dep := range info.Deps {
		if dep.Path == path {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	fail(fmt.Errorf("module %s is not a dependency", path))
	return ""
}

// defName names a Go type the way Kubernetes names OpenAPI definitions: the import path with
// its domain reversed, then the type name (sigs.k8s.io/kustomize/api/types.Patch →
// io.k8s.sigs.kustomize.api.types.Patch).
func defName(t reflect.Type) string {
	parts := strings.Split(t.PkgPath(), "/")
	domain := strings.Split(parts[0], ".")
	for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
		domain[i], domain[j] = domain[j], domain[i]
	}
	name := append(domain, parts[1:]...)
	return strings.Join(append(name, t.Name()), ".")
}

type generator struct {
	defs   map[string]schema
	docs   map[string]*pkgDocs
	custom map[string]bool
}

// decodesItself reports whether encoding/json (or a YAML decoder) would hand the value to the
// type's own method, in which case the Go structure says nothing reliable about accepted input.
func decodesItself(t reflect.Type) bool {
	for _, c := range []reflect.Type{t, reflect.PointerTo(t)} {
		if c.Implements(jsonUnmarshaler) || c.Implements(textUnmarshaler) {
			return true
		}
		if _, ok := c.MethodByName("UnmarshalYAML"); ok {
			return true
		}
	}
	return false
}

func (g *generator) schemaFor(t reflect.Type) schema {
	if t.Kind() != reflect.Pointer && decodesItself(t) {
		g.custom[t.PkgPath()+"."+t.Name()] = true
		return schema{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schemaFor(t.Elem())
	case reflect.Interface:
		return schema{}
	case reflect.String:
		return schema{"type": "string"}
	case reflect.Bool:
		return schema{"type": "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return schema{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return schema{"type": "integer", "format": "int64"}
	case reflect.Float32:
		return schema{"type": "number", "format": "float"}
	case reflect.Float64:
		return schema{"type": "number", "format": "double"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return schema{"type": "string", "format": "byte"} // encoding/json: base64 text
		}
		return schema{"type": "array", "items": g.schemaFor(t.Elem())}
	case reflect.Map:
		return schema{"type": "object", "additionalProperties": g.schemaFor(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name := defName(t)
		if _, seen := g.defs[name]; !seen {
			g.defs[name] = schema{} // placeholder: recursive types refer to it while it is built
			def := g.object(t)
			if doc := g.typeDoc(t); doc != "" {
				def["description"] = doc
			}
			g.defs[name] = def
		}
		return schema{"$ref": "#/components/schemas/" + name}
	default:
		// Channels and functions are never decoded by encoding/json; accept anything rather than guess.
		return schema{}
	}
}

// object builds the schema of a struct from the fields encoding/json would decode into.
func (g *generator) object(t reflect.Type) schema {
	props := schema{}
	for _, f := range jsonFields(t) {
		s := g.schemaFor(f.typ)
		if doc := g.fieldDoc(f.owner, f.goName); doc != "" {
			if _, isRef := s["$ref"]; isRef {
				s = schema{"allOf": []schema{s}} // like Kubernetes: a field's own description next to a shared type
			}
			s["description"] = doc
		}
		props[f.name] = s
	}
	return schema{"type": "object", "properties": props}
}

type field struct {
	name   string       // JSON name
	goName string       // Go field name, for docs
	owner  reflect.Type // struct type that declares the field, for docs
	typ    reflect.Type
	depth  int
	tagged bool
}

// jsonFields lists the fields encoding/json decodes into, with its rules: exported fields, `-`
// skipped, anonymous structs without a tag name inlined, and a name used at several embedding
// depths resolved to the shallowest (then the tagged) one or dropped when still ambiguous.
func jsonFields(t reflect.Type) []field {
	var all []field
	type level struct {
		typ   reflect.Type
		depth int
	}
	current := []level{{t, 0}}
	visited := map[reflect.Type]bool{}
	for len(current) > 0 {
		var next []level
		for _, lv := range current {
			if visited[lv.typ] {
				continue
			}
			visited[lv.typ] = true
			for i := 0; i < lv.typ.NumField(); i++ {
				sf := lv.typ.Field(i)
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				ft := sf.Type
				if sf.Anonymous {
					base := ft
					if base.Kind() == reflect.Pointer {
						base = base.Elem()
					}
					if !sf.IsExported() && base.Kind() != reflect.Struct {
						continue
					}
					if name == "" && base.Kind() == reflect.Struct && !decodesItself(base) {
						next = append(next, level{base, lv.depth + 1})
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tagged := name != ""
				if !tagged {
					name = sf.Name
					// encoding/json matches keys case-insensitively, so a yaml-only tag that differs from the
					// Go name only in case is the spelling users write.
					if yamlName, _, _ := strings.Cut(sf.Tag.Get("yaml"), ","); strings.EqualFold(yamlName, sf.Name) {
						name = yamlName
					}
				}
				all = append(all, field{name: name, goName: sf.Name, owner: lv.typ, typ: ft, depth: lv.depth, tagged: tagged})
			}
		}
		current = next
	}
	byName := map[string][]field{}
	var order []string
	for _, f := range all {
		if _, ok := byName[f.name]; !ok {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []field
	for _, name := range order {
		if f, ok := dominant(byName[name]); ok {
			out = append(out, f)
		}
	}
	return out
}

func dominant(fields []field) (field, bool) {
	minDepth := fields[0].depth
	for _, f := range fields {
		minDepth = min(minDepth, f.depth)
	}
	var shallow, tagged []field
	for _, f := range fields {
		if f.depth == minDepth {
			shallow = append(shallow, f)
			if f.tagged {
				tagged = append(tagged, f)
			}
		}
	}
	if len(shallow) == 1 {
		return shallow[0], true
	}
	if len(tagged) == 1 {
		return tagged[0], true
	}
	return field{}, false
}

// pkgDocs holds the doc comments of one Go package: types, and fields per type.
type pkgDocs struct {
	types  map[string]string
	fields map[string]map[string]string
}

func (g *generator) typeDoc(t reflect.Type) string {
	return g.pkg(t.PkgPath()).types[t.Name()]
}

func (g *generator) fieldDoc(owner reflect.Type, goName string) string {
	if owner.Name() == "" {
		return ""
	}
	return g.pkg(owner.PkgPath()).fields[owner.Name()][goName]
}

func (g *generator) pkg(path string) *pkgDocs {
	if d, ok := g.docs[path]; ok {
		return d
	}
	d := &pkgDocs{types: map[string]string{}, fields: map[string]map[string]string{}}
	g.docs[path] = d
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		fail(fmt.Errorf("go list %s: %w", path, err))
	}
	dir := strings.TrimSpace(string(out))
	entries, err := os.ReadDir(dir)
	if err != nil {
		fail(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
		if err != nil {
			fail(err)
		}
		for _, decl := range file.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gen.Specs) == 1 {
					doc = gen.Doc
				}
				if text := docText(doc); text != "" {
					d.types[ts.Name.Name] = text
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				fields := map[string]string{}
				for _, f := range st.Fields.List {
					text := docText(f.Doc)
					if text == "" {
						text = docText(f.Comment)
					}
					if text == "" {
						continue
					}
					for _, n := range f.Names {
						fields[n.Name] = text
					}
					if len(f.Names) == 0 { // embedded: named after its type
						fields[embeddedName(f.Type)] = text
					}
				}
				d.fields[ts.Name.Name] = fields
			}
		}
	}
	return d
}

func embeddedName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return embeddedName(x.X)
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// docText turns a doc comment into a description: paragraphs separated by a blank line,
// the lines inside a paragraph joined with spaces (as Kubernetes' generated descriptions read).
func docText(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	var paragraphs []string
	var current []string
	flush := func() {
		if len(current) > 0 {
			paragraphs = append(paragraphs, strings.Join(current, " "))
			current = nil
		}
	}
	for _, line := range strings.Split(cg.Text(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			flush()
			continue
		}
		current = append(current, line)
	}
	flush()
	return strings.Join(paragraphs, "\n\n")
}
