package main

import (
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// wrapperFS is the disk with one more folder that exists only in memory: the kustomization the
// language server composes around a unit (its resources, and Flux's patches, images and prefixes).
// Writing that wrapper to a temporary folder for every build, and removing it, cost the language
// server more than parsing the build's answer.
type wrapperFS struct {
	filesys.FileSystem
	dir     string
	file    string
	content []byte
}

func newWrapperFS(dir string, kustomization string) (*wrapperFS, error) {
	if !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("the wrapper folder %q is not absolute", dir)
	}
	dir = filepath.Clean(dir)
	return &wrapperFS{FileSystem: filesys.MakeFsOnDisk(), dir: dir, file: filepath.Join(dir, "kustomization.yaml"), content: []byte(kustomization)}, nil
}

func (w *wrapperFS) virtual(path string) (isDir bool, isFile bool, inside bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, false, false
	}
	return abs == w.dir, abs == w.file, abs == w.dir || filepath.Dir(abs) == w.dir
}

func (w *wrapperFS) IsDir(path string) bool {
	if isDir, _, inside := w.virtual(path); inside {
		return isDir
	}
	return w.FileSystem.IsDir(path)
}

func (w *wrapperFS) Exists(path string) bool {
	if isDir, isFile, inside := w.virtual(path); inside {
		return isDir || isFile
	}
	return w.FileSystem.Exists(path)
}

func (w *wrapperFS) ReadFile(path string) ([]byte, error) {
	if _, isFile, inside := w.virtual(path); inside {
		if isFile {
			return w.content, nil
		}
		return nil, &os.PathError{Op: "open", Path: path, Err: os.ErrNotExist}
	}
	return w.FileSystem.ReadFile(path)
}

func (w *wrapperFS) ReadDir(path string) ([]string, error) {
	if isDir, _, inside := w.virtual(path); inside {
		if isDir {
			return []string{"kustomization.yaml"}, nil
		}
		return nil, &os.PathError{Op: "readdir", Path: path, Err: os.ErrNotExist}
	}
	return w.FileSystem.ReadDir(path)
}

func (w *wrapperFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	if isDir, isFile, inside := w.virtual(path); inside {
		switch {
		case isDir:
			return filesys.ConfirmedDir(w.dir), "", nil
		case isFile:
			return filesys.ConfirmedDir(w.dir), "kustomization.yaml", nil
		default:
			return "", "", &os.PathError{Op: "stat", Path: path, Err: os.ErrNotExist}
		}
	}
	return w.FileSystem.CleanedAbs(path)
}

func (w *wrapperFS) Open(path string) (filesys.File, error) {
	if _, _, inside := w.virtual(path); inside {
		return nil, fmt.Errorf("%s is the in-memory wrapper: read it with ReadFile", path)
	}
	return w.FileSystem.Open(path)
}
