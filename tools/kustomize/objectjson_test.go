package main

import (
	"bytes"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Every scalar form a manifest may hold: the walk must give MarshalJSON's bytes, or step aside.
const tricky = `apiVersion: v1
kind: ConfigMap
metadata:
  name: values
  labels: {b: "2", a: "1"}
  annotations:
    html: "<a href='x'>&</a>"
    multi: |
      line one
      line two
    folded: >-
      folded
      text
data:
  int: 42
  negative: -7
  big: 123456789012345678901234567890
  float: 1.50
  exp: 1e3
  hex: 0x1F
  octal: 0o17
  leadingZero: 010
  yes: yes
  bool: true
  upperBool: TRUE
  null1: null
  null2: ~
  empty:
  quotedInt: "42"
  quotedBool: 'true'
  timestamp: 2001-12-14t21:59:43.10-05:00
  date: 2002-12-14
  unicode: "héllo \u2603 \U0001F600"
  tab: "a\tb"
  emptyMap: {}
  emptyList: []
  nested:
    - name: z
      value: 1
    - [1, "two", 3.0, false, null]
  binary: !!binary aGVsbG8=
  customTag: !thing value
  "quoted key": 1
`

func TestNodeJSONMatchesMarshalJSON(t *testing.T) {
	node, err := yaml.Parse(tricky)
	if err != nil {
		t.Fatal(err)
	}
	want, err := node.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, ok := appendNodeJSON(nil, node.YNode())
	if !ok {
		t.Fatal("the walk stepped aside for a document of plain scalars")
	}
	if !bytes.Equal(got, want) {
		t.Errorf("walk: %s\nwant: %s", got, want)
	}
}

func TestNodeJSONStepsAsideOrAgrees(t *testing.T) {
	for _, text := range []string{
		"apiVersion: v1\nkind: A\nvalue: .nan\n",
		"apiVersion: v1\nkind: A\n8080: port\n",
		"apiVersion: v1\nkind: A\nbase: &b {x: 1}\nuse: *b\n",
		"apiVersion: v1\nkind: A\nbase: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",
		"apiVersion: v1\nkind: A\nkey: 1\nkey: 2\n",
		"apiVersion: v1\nkind: A\n1: one\ntrue: yes\n",
		"apiVersion: v1\nkind: A\nvalue: .inf\n",
	} {
		node, err := yaml.Parse(text)
		if err != nil {
			// A document kyaml refuses never reaches the encoder.
			continue
		}
		want, wantErr := node.MarshalJSON()
		got, ok := appendNodeJSON(nil, node.YNode())
		if !ok {
			continue
		}
		if wantErr != nil {
			t.Errorf("MarshalJSON refuses %q (%v) but the walk gave %s", text, wantErr, got)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("for %q\n walk: %s\n want: %s", text, got, want)
		}
	}
}

func TestNodeJSONHandlesThePlainManifest(t *testing.T) {
	node, err := yaml.Parse("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1.0\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := appendNodeJSON(nil, node.YNode()); !ok {
		t.Fatal("a plain Deployment was left to MarshalJSON")
	}
}
