package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/identity"
)

type pki struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	dir    string
}

func newPKI(t *testing.T) *pki {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Polex test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p := &pki{caCert: cert, caKey: key, dir: t.TempDir()}
	p.write(t, "ca.pem", "CERTIFICATE", der)
	return p
}

func (p *pki) write(t *testing.T, name, typ string, der []byte) string {
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// issue returns the PEM paths of a certificate and key signed by the CA.
func (p *pki) issue(t *testing.T, name string, subj pkix.Name, server bool) (string, string, tls.Certificate) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: subj,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	cp, kp := p.write(t, name+".pem", "CERTIFICATE", der), p.write(t, name+".key", "EC PRIVATE KEY", kder)
	pair, err := tls.LoadX509KeyPair(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	return cp, kp, pair
}

// TestServeMutualTLS serves HTTPS on loopback with client certificates: a
// border system's certificate maps to its user and organisation, a
// certificate naming the wrong organisation is refused, and the server shuts
// down cleanly when its context ends.
func TestServeMutualTLS(t *testing.T) {
	p := newPKI(t)
	certPath, keyPath, _ := p.issue(t, "server", pkix.Name{CommonName: "127.0.0.1"}, true)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.TLSCert, cfg.TLSKey, cfg.ClientCA = certPath, keyPath, filepath.Join(p.dir, "ca.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	if _, err := a.Admin.CreateAgency(ctx, app.System("test"), memberOrg("fr-paf", "FR")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Admin.CreateUser(ctx, app.System("test"), admin.NewUser{Username: "calais.gate1", DisplayName: "Calais gate 1",
		Org: "fr-paf", Roles: []identity.Role{identity.BorderSystem}, Clearance: identity.Official, Password: "a-long-enough-password"}); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(addr string) { addrc <- addr }) }()
	addr := <-addrc

	pool := x509.NewCertPool()
	pool.AddCert(p.caCert)
	call := func(cert *tls.Certificate) (int, map[string]any) {
		tc := &tls.Config{RootCAs: pool}
		if cert != nil {
			tc.Certificates = []tls.Certificate{*cert}
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
		resp, err := c.Get("https://" + addr + "/api/v1/me")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	_, _, good := p.issue(t, "gate1", pkix.Name{CommonName: "calais.gate1", Organization: []string{"fr-paf"}}, false)
	st, m := call(&good)
	if u, _ := m["user"].(map[string]any); st != 200 || m["via"] != "mtls" || u["username"] != "calais.gate1" {
		t.Fatalf("mTLS me = %d %v", st, m)
	}
	_, _, wrongOrg := p.issue(t, "gate1b", pkix.Name{CommonName: "calais.gate1", Organization: []string{"ncb-fr"}}, false)
	if st, m := call(&wrongOrg); st != 401 || m["code"] != "unauthenticated" {
		t.Fatalf("certificate of the wrong org = %d %v", st, m)
	}
	if st, _ := call(nil); st != 401 {
		t.Fatalf("no certificate, no token = %d", st)
	}
	// A request in flight when shutdown starts is finished, not cut: its
	// body is still arriving when the server is told to stop.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "https://"+addr+"/api/v1/users", pr)
	req.Header.Set("Content-Type", "application/json")
	tc := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{good}}
	respc := make(chan *http.Response, 1)
	go func() {
		resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: tc}}).Do(req)
		if err != nil {
			t.Error(err)
			respc <- nil
			return
		}
		respc <- resp
	}()
	if _, err := pw.Write([]byte(`{"username": "late.user", `)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	if _, err := pw.Write([]byte(`"org": "fr-paf"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	resp := <-respc
	if resp == nil {
		t.Fatal("the request in flight was cut at shutdown")
	}
	resp.Body.Close()
	if resp.StatusCode != 403 && resp.StatusCode != 422 {
		t.Fatalf("request in flight answered %d", resp.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}
