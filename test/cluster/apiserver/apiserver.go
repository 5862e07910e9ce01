package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/cli/globalflag"
	basecompatibility "k8s.io/component-base/compatibility"
	"k8s.io/component-base/featuregate"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/component-base/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"

	"github.com/spf13/pflag"
)

const (
	clusterName   = "plumbline-bench"
	adminContext  = "plumbline-bench"
	viewerContext = "plumbline-bench-viewer"

	serviceCIDR    = "10.0.0.0/24"
	firstServiceIP = "10.0.0.1"
)

type apiserverConfig struct {
	listener     net.Listener
	port         int
	etcdEndpoint string
	pki          *pkiFiles
	certDir      string
	extraArgs    []string
}

// apiserverArgs are the kube-apiserver flags for a loopback-only control
// plane. Anything in extra is appended, so it wins over these.
func apiserverArgs(c apiserverConfig) []string {
	args := []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.port),
		"--advertise-address=127.0.0.1",
		"--etcd-servers=" + c.etcdEndpoint,
		"--cert-dir=" + c.certDir,
		"--tls-cert-file=" + c.pki.servingCert,
		"--tls-private-key-file=" + c.pki.servingKey,
		"--client-ca-file=" + c.pki.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.pki.saPub,
		"--service-account-signing-key-file=" + c.pki.saKey,
		"--service-cluster-ip-range=" + serviceCIDR,
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		// The "kubernetes" Service keeps its ClusterIP but gets no
		// endpoints: 127.0.0.1 is not a valid endpoint address, and
		// nothing in the test cluster could route to it anyway.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
	}
	return append(args, c.extraArgs...)
}

// runAPIServer does what kube-apiserver's cobra command does, but with our
// context, so that stdin EOF as well as signals stop it, and with our
// pre-bound listener. It returns when the server has shut down.
func runAPIServer(ctx context.Context, c apiserverConfig) error {
	s := options.NewServerRunOptions()
	featureGate := s.GenericServerRunOptions.ComponentGlobalsRegistry.FeatureGateFor(basecompatibility.DefaultKubeComponent)

	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	namedFlagSets := s.Flags()
	globalflag.AddGlobalFlags(namedFlagSets.FlagSet("global"), "kube-apiserver", logs.SkipLoggingConfigurationFlags())
	for _, f := range namedFlagSets.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(apiserverArgs(c)); err != nil {
		return fmt.Errorf("kube-apiserver flags: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("kube-apiserver takes no arguments, got %q", fs.Args())
	}
	s.SecureServing.Listener = c.listener

	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	if err := logsapi.ValidateAndApply(s.Logs, featureGate); err != nil {
		return err
	}
	cliflag.PrintFlags(fs)

	completed, err := s.Complete(ctx)
	if err != nil {
		return err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return utilerrors.NewAggregate(errs)
	}
	featureGate.(featuregate.MutableFeatureGate).AddMetrics()
	s.GenericServerRunOptions.ComponentGlobalsRegistry.AddMetrics()
	return app.Run(ctx, completed)
}

func serverVersion() string { return version.Get().GitVersion }

// waitReady polls /readyz with the admin identity, then waits until the
// "default" namespace exists (it is created by a bootstrap controller
// shortly after the server starts serving).
func waitReady(ctx context.Context, server string, p *pkiFiles, apiDone <-chan error) error {
	cert, err := tls.X509KeyPair(p.adminCertPEM, p.adminKeyPEM)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(p.caPEM) {
		return errors.New("bad CA PEM")
	}
	client := &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}},
		},
	}
	defer client.CloseIdleConnections()

	lastStatus := "no answer yet"
	get := func(path string) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+path, nil)
		if err != nil {
			lastStatus = err.Error()
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			lastStatus = err.Error()
			return false
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		lastStatus = fmt.Sprintf("GET %s: %s %s", path, resp.Status, body)
		return resp.StatusCode == http.StatusOK
	}

	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for _, path := range []string{"/readyz", "/api/v1/namespaces/default"} {
		for !get(path) {
			select {
			case err := <-apiDone:
				if err == nil {
					err = errors.New("exited")
				}
				return fmt.Errorf("kube-apiserver stopped before it was ready: %w", err)
			case <-ctx.Done():
				return fmt.Errorf("not ready (%v); last check: %s", context.Cause(ctx), lastStatus)
			case <-tick.C:
			}
		}
	}
	return nil
}

// writeKubeconfig writes a kubeconfig with two contexts: the admin one
// (current; client certificate in group system:masters) and a viewer one
// (user "viewer", no groups, so RBAC forbids nearly everything).
func writeKubeconfig(path, server string, p *pkiFiles) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[clusterName] = &clientcmdapi.Cluster{
		Server:                   server,
		CertificateAuthorityData: p.caPEM,
	}
	cfg.AuthInfos[adminUser] = &clientcmdapi.AuthInfo{
		ClientCertificateData: p.adminCertPEM,
		ClientKeyData:         p.adminKeyPEM,
	}
	cfg.AuthInfos[viewerUser] = &clientcmdapi.AuthInfo{
		ClientCertificateData: p.viewerCertPEM,
		ClientKeyData:         p.viewerKeyPEM,
	}
	cfg.Contexts[adminContext] = &clientcmdapi.Context{Cluster: clusterName, AuthInfo: adminUser, Namespace: "default"}
	cfg.Contexts[viewerContext] = &clientcmdapi.Context{Cluster: clusterName, AuthInfo: viewerUser, Namespace: "default"}
	cfg.CurrentContext = adminContext
	return clientcmd.WriteToFile(*cfg, path)
}
