package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// startEtcd starts a single-member etcd on 127.0.0.1 with its data in dir.
// A port of 0 means "pick a free one"; since a picked port is released
// before etcd binds it, a lost race ("address already in use") is retried
// with new ports.
func startEtcd(ctx context.Context, dir string, clientPort, peerPort int) (*embed.Etcd, string, error) {
	const attempts = 5
	var lastErr error
	for i := 0; i < attempts; i++ {
		cp, pp := clientPort, peerPort
		var err error
		if cp == 0 {
			if cp, err = freePort(); err != nil {
				return nil, "", err
			}
		}
		if pp == 0 {
			if pp, err = freePort(); err != nil {
				return nil, "", err
			}
		}
		e, endpoint, err := startEtcdOnce(ctx, dir, cp, pp)
		if err == nil {
			return e, endpoint, nil
		}
		lastErr = err
		portsPicked := clientPort == 0 || peerPort == 0
		if !portsPicked || !isAddrInUse(err) {
			return nil, "", err
		}
	}
	return nil, "", lastErr
}

func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use")
}

func startEtcdOnce(ctx context.Context, dir string, clientPort, peerPort int) (*embed.Etcd, string, error) {
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}

	cfg := embed.NewConfig()
	cfg.Name = "plumbline"
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// etcd's own metrics endpoint is not needed; keep it off the network.
	cfg.ListenMetricsUrls = nil
	// Throwaway test data: skip fsync (much faster on slow disks), keep
	// etcd's logging to errors.
	cfg.UnsafeNoFsync = true
	cfg.Logger = "zap"
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}
	// A single member elects itself at once; short ticks make that quick.
	cfg.TickMs = 10
	cfg.ElectionMs = 100
	// Test clusters are small; a modest quota and snapshot count keep
	// memory down.
	cfg.QuotaBackendBytes = 512 * 1024 * 1024
	cfg.SnapshotCount = 5000

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, clientURL.String(), nil
	case err := <-e.Err():
		e.Close()
		return nil, "", fmt.Errorf("etcd failed while starting: %w", err)
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		e.Close()
		return nil, "", errors.New("etcd was not ready within 60s")
	case <-ctx.Done():
		e.Close()
		return nil, "", context.Cause(ctx)
	}
}
