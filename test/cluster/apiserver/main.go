// Command plumbline-apiserver runs a real Kubernetes API server (the
// upstream kube-apiserver code, linked from Go modules) on 127.0.0.1, backed
// by an embedded etcd, for Plumbline's cluster-tier tests and for
// `npm run cluster`.
//
// It is a test fixture, not a cluster: there is no scheduler, no kubelet and
// no kube-controller-manager, so objects are stored, defaulted, validated,
// admitted, authorized and watched exactly like on a real control plane, but
// nothing reconciles them (Deployments get no ReplicaSets, deleted namespaces
// stay Terminating, new namespaces get no "default" ServiceAccount).
//
// Usage:
//
//	plumbline-apiserver --data-dir DIR [--secure-port N] [--etcd-client-port N]
//	    [--etcd-peer-port N] [--kubeconfig PATH] [--remove-data-dir]
//	    [--exit-on-stdin-eof=false] [--ready-timeout 2m] [-- extra kube-apiserver flags]
//
// Ports default to 0, meaning "pick a free one". When the server answers
// /readyz and the "default" namespace exists, one line is printed to stdout:
//
//	READY {"kubeconfig":"...","server":"https://127.0.0.1:N",...}
//
// The process exits when stdin reaches EOF (so it dies with the process that
// spawned it with a stdin pipe; disable with --exit-on-stdin-eof=false), and
// shuts down cleanly on SIGTERM/SIGINT (API server stopped, etcd closed).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// options are this program's own flags (the kube-apiserver flags it passes
// on are built in apiserver.go).
type cliOptions struct {
	dataDir        string
	securePort     int
	etcdClientPort int
	etcdPeerPort   int
	kubeconfig     string
	exitOnStdinEOF bool
	removeDataDir  bool
	readyTimeout   time.Duration
	extraArgs      []string
}

// readyLine is the JSON printed after "READY " on stdout.
type readyLine struct {
	Kubeconfig     string  `json:"kubeconfig"`
	Server         string  `json:"server"`
	Version        string  `json:"version"`
	PID            int     `json:"pid"`
	SecurePort     int     `json:"securePort"`
	EtcdEndpoint   string  `json:"etcdEndpoint"`
	DataDir        string  `json:"dataDir"`
	AdminContext   string  `json:"adminContext"`
	ViewerContext  string  `json:"viewerContext"`
	StartupSeconds float64 `json:"startupSeconds"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "plumbline-apiserver: %v\n", err)
		os.Exit(1)
	}
}

func parseFlags() (cliOptions, error) {
	var o cliOptions
	fs := flag.NewFlagSet("plumbline-apiserver", flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data-dir", "", "directory for etcd data, certificates and the kubeconfig (required)")
	fs.IntVar(&o.securePort, "secure-port", 0, "HTTPS port of the API server on 127.0.0.1 (0: pick a free one)")
	fs.IntVar(&o.etcdClientPort, "etcd-client-port", 0, "etcd client port on 127.0.0.1 (0: pick a free one)")
	fs.IntVar(&o.etcdPeerPort, "etcd-peer-port", 0, "etcd peer port on 127.0.0.1 (0: pick a free one)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "where to write the kubeconfig (default DATA-DIR/kubeconfig)")
	fs.BoolVar(&o.exitOnStdinEOF, "exit-on-stdin-eof", true, "shut down when stdin reaches EOF")
	fs.BoolVar(&o.removeDataDir, "remove-data-dir", false, "delete --data-dir on exit (for throwaway temp dirs; covers a parent that was SIGKILLed)")
	fs.DurationVar(&o.readyTimeout, "ready-timeout", 2*time.Minute, "give up if not ready within this time")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return o, err
	}
	// Everything after "--" goes to kube-apiserver unchanged.
	o.extraArgs = fs.Args()
	if o.dataDir == "" {
		return o, errors.New("--data-dir is required")
	}
	abs, err := filepath.Abs(o.dataDir)
	if err != nil {
		return o, err
	}
	o.dataDir = abs
	if o.kubeconfig == "" {
		o.kubeconfig = filepath.Join(o.dataDir, "kubeconfig")
	}
	if o.kubeconfig, err = filepath.Abs(o.kubeconfig); err != nil {
		return o, err
	}
	return o, nil
}

func run() error {
	started := time.Now()
	o, err := parseFlags()
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	watchForShutdown(cancel, o.exitOnStdinEOF)

	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return err
	}
	if o.removeDataDir {
		// Runs after the deferred etcd close below (defers run LIFO).
		defer os.RemoveAll(o.dataDir)
	}
	pki, err := writePKI(filepath.Join(o.dataDir, "pki"))
	if err != nil {
		return fmt.Errorf("generating certificates: %w", err)
	}

	etcd, etcdEndpoint, err := startEtcd(ctx, filepath.Join(o.dataDir, "etcd"), o.etcdClientPort, o.etcdPeerPort)
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	var closeEtcd sync.Once
	stopEtcd := func() { closeEtcd.Do(etcd.Close) }
	defer stopEtcd()

	listener, port, err := listenSecure(o.securePort)
	if err != nil {
		return fmt.Errorf("listening for the API server: %w", err)
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	if err := writeKubeconfig(o.kubeconfig, server, pki); err != nil {
		return fmt.Errorf("writing kubeconfig: %w", err)
	}

	apiDone := make(chan error, 1)
	go func() {
		apiDone <- runAPIServer(ctx, apiserverConfig{
			listener:     listener,
			port:         port,
			etcdEndpoint: etcdEndpoint,
			pki:          pki,
			certDir:      filepath.Join(o.dataDir, "apiserver-certs"),
			extraArgs:    o.extraArgs,
		})
	}()

	readyCtx, readyCancel := context.WithTimeout(ctx, o.readyTimeout)
	err = waitReady(readyCtx, server, pki, apiDone)
	readyCancel()
	if err != nil {
		cancel(err)
		shutdown(apiDone, stopEtcd)
		return err
	}

	line, err := json.Marshal(readyLine{
		Kubeconfig:     o.kubeconfig,
		Server:         server,
		Version:        serverVersion(),
		PID:            os.Getpid(),
		SecurePort:     port,
		EtcdEndpoint:   etcdEndpoint,
		DataDir:        o.dataDir,
		AdminContext:   adminContext,
		ViewerContext:  viewerContext,
		StartupSeconds: time.Since(started).Seconds(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "READY %s\n", line)

	select {
	case <-ctx.Done():
		fmt.Fprintf(os.Stderr, "plumbline-apiserver: shutting down: %v\n", context.Cause(ctx))
		return shutdown(apiDone, stopEtcd)
	case err := <-apiDone:
		stopEtcd()
		if err == nil {
			err = errors.New("kube-apiserver stopped unexpectedly")
		}
		return err
	case err := <-etcd.Err():
		cancel(err)
		shutdown(apiDone, stopEtcd)
		return fmt.Errorf("etcd failed: %w", err)
	}
}

// Causes of a shutdown requested by the parent going away.
var (
	errStdinEOF   = errors.New("stdin closed (parent went away)")
	errParentDied = errors.New("parent process died")
)

// parentDeathSignal is what the kernel sends us when our parent dies. Not
// SIGTERM: it can arrive several times (once per exiting thread of a
// multi-threaded parent such as node), and a repeated SIGTERM means "exit
// now" here; a repeated SIGHUP is harmless.
const parentDeathSignal = syscall.SIGHUP

// watchForShutdown cancels the run on SIGTERM/SIGINT, on SIGHUP (also sent
// when the parent dies), or at EOF on stdin. A second SIGTERM/SIGINT exits
// at once, skipping the clean shutdown.
func watchForShutdown(cancel context.CancelCauseFunc, stdinEOF bool) {
	// Once the parent is gone our stderr pipe has no reader; by default Go
	// dies of SIGPIPE at the next log line, skipping the clean shutdown.
	// Ignored, writes just fail with EPIPE.
	signal.Ignore(syscall.SIGPIPE)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, parentDeathSignal)
	// Belt and braces next to the stdin pipe: ask the kernel to signal us
	// when the process that started us dies.
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(parentDeathSignal), 0, 0, 0)
	go func() {
		<-hup
		cancel(errParentDied)
	}()

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		s := <-sigs
		cancel(fmt.Errorf("received %v", s))
		s = <-sigs
		fmt.Fprintf(os.Stderr, "plumbline-apiserver: received %v again, exiting now\n", s)
		os.Exit(1)
	}()
	if stdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel(errStdinEOF)
		}()
	}
}

// shutdown waits for the API server to stop (its context must already be
// cancelled), then closes etcd. It gives up after a deadline so a wedged
// shutdown cannot keep the process (and its ports) alive.
func shutdown(apiDone <-chan error, stopEtcd func()) error {
	var err error
	select {
	case err = <-apiDone:
	case <-time.After(30 * time.Second):
		err = errors.New("kube-apiserver did not stop within 30s")
	}
	stopEtcd()
	if err != nil && !isShutdownNoise(err) {
		return err
	}
	return nil
}

func isShutdownNoise(err error) bool {
	return errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "context canceled")
}

// listenSecure binds the API server's port on 127.0.0.1. With port 0 the
// kernel picks a free one, and since we keep the listener open there is no
// window in which another process could take it.
func listenSecure(port int) (net.Listener, int, error) {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, 0, err
	}
	return l, l.Addr().(*net.TCPAddr).Port, nil
}

// freePort asks the kernel for a currently free port on 127.0.0.1. The port
// is released before etcd binds it, so callers retry on "address in use".
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
