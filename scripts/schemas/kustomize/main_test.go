package main

import (
	"encoding/json"
	"reflect"
	"testing"
)

type flexible struct{ v any }

func (f *flexible) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &f.v) }

type inner struct {
	Shared string `json:"shared"`
	Deep   string `json:"deep"`
}

type Embedded struct {
	Name string `json:"name"`
}

type sample struct {
	Embedded `json:",inline"`
	inner
	Shared   int               `json:"shared"` // shallower: wins over inner.Shared
	Either   flexible          `json:"either"`
	EitherP  *flexible         `json:"eitherP,omitempty"`
	Skipped  string            `json:"-"`
	hidden   string            //nolint:unused // unexported: never decoded
	Untagged bool              // no tag: the Go name
	YAMLOnly string            `yaml:"yamlOnly"`
	Labels   map[string]string `json:"labels"`
	Raw      []byte            `json:"raw"`
	Self     *sample           `json:"self"`
	Anything any               `json:"anything"`
}

func TestSchemaForFollowsEncodingJSON(t *testing.T) {
	g := &generator{defs: map[string]schema{}, docs: map[string]*pkgDocs{}, custom: map[string]bool{}}
	typ := reflect.TypeFor[sample]()
	ref := g.schemaFor(typ)
	name := defName(typ)
	if ref["$ref"] != "#/components/schemas/"+name {
		t.Fatalf("named struct should be a $ref, got %v", ref)
	}
	props := g.defs[name]["properties"].(schema)
	want := map[string]string{
		"name": "string", "deep": "string", "shared": "integer", "Untagged": "boolean", "yamlOnly": "string",
		"labels": "object", "raw": "string", "either": "", "eitherP": "", "anything": "", "self": "",
	}
	if len(props) != len(want) {
		t.Errorf("properties %v, want the keys of %v", keys(props), want)
	}
	for k, typ := range want {
		p, ok := props[k].(schema)
		if !ok {
			t.Errorf("missing property %s", k)
			continue
		}
		if got, _ := p["type"].(string); got != typ {
			t.Errorf("%s: type %q, want %q (%v)", k, got, typ, p)
		}
	}
	if len(props["either"].(schema)) != 0 {
		t.Errorf("a type with UnmarshalJSON must accept anything, got %v", props["either"])
	}
	if !g.custom[reflect.TypeFor[flexible]().PkgPath()+".flexible"] {
		t.Errorf("custom unmarshaler not reported: %v", g.custom)
	}
	if props["self"].(schema)["$ref"] != "#/components/schemas/"+name {
		t.Errorf("recursive field should refer to the definition, got %v", props["self"])
	}
}

func keys(m schema) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}
