package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pkiFiles holds the paths (and, for the kubeconfig, the PEM bytes) of the
// credentials generated for one run. A single CA signs both the serving
// certificate and the client certificates, as kubeadm does.
type pkiFiles struct {
	caCert, caKey           string
	servingCert, servingKey string
	saKey, saPub            string

	caPEM                       []byte
	adminCertPEM, adminKeyPEM   []byte
	viewerCertPEM, viewerKeyPEM []byte
}

const (
	adminUser  = "plumbline-admin"
	viewerUser = "viewer"
)

// writePKI generates fresh credentials into dir (overwriting old ones),
// except the CA: a CA already in dir is kept, so a server restarted on the
// same data dir is the same cluster to its clients (as a real control plane
// restart is), and kubeconfigs written before the restart keep working.
// Keys are ECDSA P-256: quick to generate and accepted everywhere here.
func writePKI(dir string) (*pkiFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pkiFiles{
		caCert:      filepath.Join(dir, "ca.crt"),
		caKey:       filepath.Join(dir, "ca.key"),
		servingCert: filepath.Join(dir, "apiserver.crt"),
		servingKey:  filepath.Join(dir, "apiserver.key"),
		saKey:       filepath.Join(dir, "sa.key"),
		saPub:       filepath.Join(dir, "sa.pub"),
	}
	now := time.Now().Add(-time.Hour) // tolerate small clock skew
	notAfter := now.Add(10 * 365 * 24 * time.Hour)

	caKey, caCert, caDER, err := loadCA(p.caCert, p.caKey)
	if err != nil {
		return nil, err
	}
	if caCert == nil {
		if caKey, err = newKey(); err != nil {
			return nil, err
		}
		caTmpl := &x509.Certificate{
			Subject:               pkix.Name{CommonName: "plumbline-bench-ca"},
			NotBefore:             now,
			NotAfter:              notAfter,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		if caDER, caCert, err = sign(caTmpl, caTmpl, caKey.Public(), caKey); err != nil {
			return nil, fmt.Errorf("CA: %w", err)
		}
	}
	p.caPEM = certPEM(caDER)

	servingKey, err := newKey()
	if err != nil {
		return nil, err
	}
	servingDER, _, err := sign(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:   now,
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{
			"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local",
		},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback, net.ParseIP(firstServiceIP)},
	}, caCert, servingKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}

	client := func(cn string, groups []string) (certOut, keyOut []byte, err error) {
		key, err := newKey()
		if err != nil {
			return nil, nil, err
		}
		der, _, err := sign(&x509.Certificate{
			Subject:     pkix.Name{CommonName: cn, Organization: groups},
			NotBefore:   now,
			NotAfter:    notAfter,
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}, caCert, key.Public(), caKey)
		if err != nil {
			return nil, nil, fmt.Errorf("client certificate for %s: %w", cn, err)
		}
		keyPEM, err := keyPEM(key)
		return certPEM(der), keyPEM, err
	}
	if p.adminCertPEM, p.adminKeyPEM, err = client(adminUser, []string{"system:masters"}); err != nil {
		return nil, err
	}
	if p.viewerCertPEM, p.viewerKeyPEM, err = client(viewerUser, nil); err != nil {
		return nil, err
	}

	saKey, err := newKey()
	if err != nil {
		return nil, err
	}
	saPubDER, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return nil, err
	}

	caKeyPEM, err := keyPEM(caKey)
	if err != nil {
		return nil, err
	}
	servingKeyPEM, err := keyPEM(servingKey)
	if err != nil {
		return nil, err
	}
	saKeyPEM, err := keyPEM(saKey)
	if err != nil {
		return nil, err
	}
	for path, data := range map[string][]byte{
		p.caCert:      p.caPEM,
		p.caKey:       caKeyPEM,
		p.servingCert: append(certPEM(servingDER), p.caPEM...),
		p.servingKey:  servingKeyPEM,
		p.saKey:       saKeyPEM,
		p.saPub:       pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPubDER}),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// loadCA reads the CA a previous run left in the data dir; all nils when
// there is none.
func loadCA(certPath, keyPath string) (*ecdsa.PrivateKey, *x509.Certificate, []byte, error) {
	certData, certErr := os.ReadFile(certPath)
	keyData, keyErr := os.ReadFile(keyPath)
	if os.IsNotExist(certErr) || os.IsNotExist(keyErr) {
		return nil, nil, nil, nil
	}
	if certErr != nil {
		return nil, nil, nil, certErr
	}
	if keyErr != nil {
		return nil, nil, nil, keyErr
	}
	certBlock, _ := pem.Decode(certData)
	keyBlock, _ := pem.Decode(keyData)
	if certBlock == nil || keyBlock == nil {
		return nil, nil, nil, fmt.Errorf("unreadable CA in %s", filepath.Dir(certPath))
	}
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("CA certificate %s: %w", certPath, err)
	}
	key, err := x509.ParseECPrivateKey(keyBlock.Bytes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("CA key %s: %w", keyPath, err)
	}
	return key, cert, certBlock.Bytes, nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) ([]byte, *x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return der, cert, err
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func keyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}
