package main

import (
	"encoding/json"
	"sort"

	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// objectJSON is the resource as the JSON kyaml's MarshalJSON gives: keys sorted at every level,
// scalars typed as YAML reads them. MarshalJSON prints the object as YAML and parses that text
// again before encoding it, a seventh of a build's CPU; this walks the node tree once. What it
// does not handle the same way for certain (aliases, anchors, merge keys, keys that are not
// strings, a key twice) it leaves to MarshalJSON, which then also gives kustomize's own error.
func objectJSON(r *resource.Resource) ([]byte, error) {
	if out, ok := appendNodeJSON(make([]byte, 0, 1024), r.YNode()); ok {
		return out, nil
	}
	return r.MarshalJSON()
}

func appendNodeJSON(out []byte, n *yaml.Node) ([]byte, bool) {
	if n == nil {
		return append(out, "null"...), true
	}
	if n.Anchor != "" {
		return out, false
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return out, false
		}
		return appendNodeJSON(out, n.Content[0])
	case yaml.MappingNode:
		if len(n.Content)%2 != 0 {
			return out, false
		}
		order := make([]int, 0, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			key := n.Content[i]
			if key.Kind != yaml.ScalarNode || key.Anchor != "" || key.ShortTag() != yaml.NodeTagString {
				return out, false
			}
			order = append(order, i)
		}
		sort.Slice(order, func(a, b int) bool { return n.Content[order[a]].Value < n.Content[order[b]].Value })
		out = append(out, '{')
		for j, i := range order {
			if j > 0 {
				if n.Content[order[j-1]].Value == n.Content[i].Value {
					return out, false
				}
				out = append(out, ',')
			}
			var ok bool
			if out, ok = appendString(out, n.Content[i].Value); !ok {
				return out, false
			}
			out = append(out, ':')
			if out, ok = appendNodeJSON(out, n.Content[i+1]); !ok {
				return out, false
			}
		}
		return append(out, '}'), true
	case yaml.SequenceNode:
		out = append(out, '[')
		for i, item := range n.Content {
			if i > 0 {
				out = append(out, ',')
			}
			var ok bool
			if out, ok = appendNodeJSON(out, item); !ok {
				return out, false
			}
		}
		return append(out, ']'), true
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case yaml.NodeTagString:
			return appendString(out, n.Value)
		case yaml.NodeTagNull:
			return append(out, "null"...), true
		}
		// Numbers, booleans and the rest: decoded as MarshalJSON's parse decodes them.
		var value interface{}
		if err := n.Decode(&value); err != nil {
			return out, false
		}
		encoded, err := json.Marshal(value)
		if err != nil {
			return out, false
		}
		return append(out, encoded...), true
	}
	return out, false
}

func appendString(out []byte, s string) ([]byte, bool) {
	encoded, err := json.Marshal(s)
	if err != nil {
		return out, false
	}
	return append(out, encoded...), true
}
