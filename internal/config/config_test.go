package config

import (
	"flag"
	"testing"

	"github.com/polex-org/polex/internal/errs"
)

func TestPrecedenceAndValidate(t *testing.T) {
	env := map[string]string{"POLEX_DATA": "/env/data", "POLEX_ADDR": "127.0.0.1:9000", "POLEX_LOG_LEVEL": "debug"}
	c := FromEnv(func(k string) string { return env[k] })
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.StorageFlags(fs)
	c.ServerFlags(fs)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:9100"}); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/env/data" || c.Addr != "127.0.0.1:9100" || c.LogLevel != "debug" {
		t.Fatalf("precedence: %+v", c)
	}
	if c.AuditKeyPath() != "/env/data/audit.key" {
		t.Fatalf("AuditKeyPath = %q", c.AuditKeyPath())
	}
	for name, tc := range map[string]struct {
		mod   func(*Config)
		field string
	}{
		"ok":               {func(*Config) {}, ""},
		"empty data":       {func(c *Config) { c.DataDir = " " }, "data"},
		"mysql":            {func(c *Config) { c.DatabaseURL = "mysql://x" }, "database"},
		"cert without key": {func(c *Config) { c.TLSCert = "x.pem" }, "tls-cert"},
		"ca without tls":   {func(c *Config) { c.ClientCA = "ca.pem" }, "client-ca"},
		"missing cert":     {func(c *Config) { c.TLSCert, c.TLSKey = "/nonexistent.pem", "/nonexistent.key" }, "tls-cert"},
		"log level":        {func(c *Config) { c.LogLevel = "loud" }, "log-level"},
		"log format":       {func(c *Config) { c.LogFormat = "xml" }, "log-format"},
		"tiny body":        {func(c *Config) { c.MaxBody = 10 }, "max-body"},
	} {
		t.Run(name, func(t *testing.T) {
			c := Default()
			tc.mod(&c)
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != tc.field {
				t.Fatalf("Validate = %v, want Invalid on %s", err, tc.field)
			}
		})
	}
}
