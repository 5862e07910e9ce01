// plumbline-kustomize builds kustomizations with the kustomize Go API, as
// kustomize-controller does in-process, so that rendering eighty Flux units
// costs eighty builds and not eighty process starts.
//
//	plumbline-kustomize build [--load-restrictor=LoadRestrictionsNone] DIR
//	    prints the build as YAML, like `kustomize build` (usable as plumbline.kustomize.command)
//	plumbline-kustomize serve
//	    reads one JSON request per line on stdin, {"id":1,"dir":"/abs/dir","json":true}, and
//	    answers each with one line on stdout, {"id":1,"objects":[…]} (or "yaml":"…" without
//	    "json") or {"id":1,"error":"…"}; with "kustomization":"…" the request's dir is a folder
//	    that exists only in memory and holds that text as its kustomization.yaml;
//	    its first line is {"id":0,"version":"…"}; it exits when stdin closes (the language server
//	    that started it is gone)
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kustomize keeps process-wide caches (the OpenAPI schema among them) that are not safe
// for concurrent builds, which is why kustomize-controller serialises its builds too.
var buildLock sync.Mutex

func build(dir string, restrictions types.LoadRestrictions) (string, error) {
	resources, err := run(filesys.MakeFsOnDisk(), dir, restrictions)
	if err != nil {
		return "", err
	}
	out, err := resources.AsYaml()
	return string(out), err
}

// buildJSON answers with the objects as one JSON array, which the language server reads
// many times faster than the same objects as YAML.
func buildJSON(fs filesys.FileSystem, dir string) (json.RawMessage, error) {
	resources, err := run(fs, dir, types.LoadRestrictionsNone)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteByte('[')
	for i, r := range resources.Resources() {
		object, err := objectJSON(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.CurId(), err)
		}
		if i > 0 {
			out.WriteByte(',')
		}
		out.Write(object)
	}
	out.WriteByte(']')
	return out.Bytes(), nil
}

func run(fs filesys.FileSystem, dir string, restrictions types.LoadRestrictions) (resmap.ResMap, error) {
	buildLock.Lock()
	defer buildLock.Unlock()
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = restrictions
	// The order `kubectl kustomize` prints, so the two commands render alike.
	opts.Reorder = krusty.ReorderOptionLegacy
	return krusty.MakeKustomizer(opts).Run(fs, dir)
}

type request struct {
	ID  int    `json:"id"`
	Dir string `json:"dir"`
	// JSON asks for the objects as a JSON array instead of YAML text.
	JSON bool `json:"json,omitempty"`
	// Kustomization, when set, is the text of Dir's kustomization.yaml, and Dir exists only in memory.
	Kustomization *string `json:"kustomization,omitempty"`
}

type response struct {
	ID      int             `json:"id"`
	YAML    string          `json:"yaml,omitempty"`
	Objects json.RawMessage `json:"objects,omitempty"`
	Error   string          `json:"error,omitempty"`
	Version string          `json:"version,omitempty"`
}

// serve answers build requests until stdin closes; the files a request reads are the
// caller's to check (the language server refuses kustomizations that leave the repository).
func serve() error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	// Said first, so the language server knows which requests this build understands.
	if err := out.Encode(response{ID: 0, Version: version}); err != nil {
		return err
	}
	var writeLock sync.Mutex
	var pending sync.WaitGroup
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			return fmt.Errorf("bad request %q: %w", in.Text(), err)
		}
		pending.Add(1)
		go func() {
			defer pending.Done()
			var answer response
			var err error
			var fs filesys.FileSystem = filesys.MakeFsOnDisk()
			if req.Kustomization != nil {
				fs, err = newWrapperFS(req.Dir, *req.Kustomization)
			}
			switch {
			case err != nil:
			case req.JSON:
				answer.Objects, err = buildJSON(fs, req.Dir)
			case req.Kustomization != nil:
				err = fmt.Errorf("a kustomization in memory is answered only as JSON")
			default:
				answer.YAML, err = build(req.Dir, types.LoadRestrictionsNone)
			}
			answer.ID = req.ID
			if err != nil {
				answer = response{ID: req.ID, Error: err.Error()}
			}
			writeLock.Lock()
			defer writeLock.Unlock()
			if err := out.Encode(answer); err != nil {
				fmt.Fprintln(os.Stderr, "plumbline-kustomize:", err)
				os.Exit(1)
			}
		}()
	}
	pending.Wait()
	return in.Err()
}

func buildCommand(args []string) error {
	restrictions := types.LoadRestrictionsRootOnly
	dir := "."
	for _, arg := range args {
		switch {
		case strings.HasPrefix(arg, "--load-restrictor="):
			value := strings.TrimPrefix(arg, "--load-restrictor=")
			switch value {
			case "LoadRestrictionsNone":
				restrictions = types.LoadRestrictionsNone
			case "LoadRestrictionsRootOnly":
				restrictions = types.LoadRestrictionsRootOnly
			default:
				return fmt.Errorf("unknown --load-restrictor %q (LoadRestrictionsRootOnly or LoadRestrictionsNone)", value)
			}
		case strings.HasPrefix(arg, "-"):
			return fmt.Errorf("unknown flag %s", arg)
		default:
			dir = arg
		}
	}
	yaml, err := build(dir, restrictions)
	if err != nil {
		return err
	}
	_, err = os.Stdout.WriteString(yaml)
	return err
}

func main() {
	var err error
	switch {
	case len(os.Args) >= 2 && os.Args[1] == "build":
		err = buildCommand(os.Args[2:])
	case len(os.Args) == 2 && os.Args[1] == "serve":
		// A build allocates much and keeps little: collecting only near a memory ceiling
		// makes builds about twice as fast as Go's default pacing, at a bounded cost.
		if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
			debug.SetGCPercent(-1)
			debug.SetMemoryLimit(192 << 20)
		}
		err = serve()
	case len(os.Args) == 2 && os.Args[1] == "version":
		fmt.Println(version)
	default:
		err = fmt.Errorf("usage: plumbline-kustomize build [--load-restrictor=LoadRestrictionsNone] DIR | serve | version")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}
