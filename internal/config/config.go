// Package config holds Polex's configuration: one Config value built from
// defaults, POLEX_* environment variables and command-line flags, in that
// order of precedence (flags win). There is no global configuration.
package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
)

// Config is the configuration of one polex process.
type Config struct {
	DataDir     string        // data directory: the SQLite database, keys
	DatabaseURL string        // postgres://... ; empty means the embedded SQLite
	Addr        string        // listen address of serve and demo
	TLSCert     string        // PEM certificate for HTTPS
	TLSKey      string        // PEM key for HTTPS
	ClientCA    string        // PEM CA bundle: enables mutual TLS for machine clients
	AuditKey    string        // path of the audit checkpoint signing key; default DATA/audit.key
	LogLevel    string        // debug, info, warn, error
	LogFormat   string        // text or json
	DemoMode    bool          // second factor off; set only by `polex demo`
	MaxBody     int64         // request body limit in bytes for the JSON API
	ShutdownFor time.Duration // grace period for requests in flight at shutdown
	Version     string        // the build's version, shown in the API description

	AuditCommit string // "journal" (default): each audit entry waits for the disk, through the audit journal on SQLite; "sync": through the database; "async": it does not wait (see sqldb.DB.AuditAsync)

	HitUrgent  time.Duration // the owner's deadline to confirm an urgent hit
	HitRoutine time.Duration // the owner's deadline to confirm a routine hit
}

// Default returns the defaults.
func Default() Config {
	return Config{DataDir: "polex-data", Addr: "127.0.0.1:8080", LogLevel: "info", LogFormat: "text",
		MaxBody: 1 << 20, ShutdownFor: 20 * time.Second, Version: "dev",
		HitUrgent: 10 * time.Minute, HitRoutine: time.Hour, AuditCommit: "journal"}
}

// FromEnv returns the defaults overridden by POLEX_* variables read through getenv.
func FromEnv(getenv func(string) string) Config {
	c := Default()
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&c.DataDir, "POLEX_DATA")
	set(&c.DatabaseURL, "POLEX_DATABASE")
	set(&c.Addr, "POLEX_ADDR")
	set(&c.TLSCert, "POLEX_TLS_CERT")
	set(&c.TLSKey, "POLEX_TLS_KEY")
	set(&c.ClientCA, "POLEX_CLIENT_CA")
	set(&c.AuditKey, "POLEX_AUDIT_KEY")
	set(&c.LogLevel, "POLEX_LOG_LEVEL")
	set(&c.LogFormat, "POLEX_LOG_FORMAT")
	set(&c.AuditCommit, "POLEX_AUDIT_COMMIT")
	dur := func(dst *time.Duration, name string) {
		if v := getenv(name); v != "" {
			// An unparsable value becomes -1, which Validate refuses.
			d, err := time.ParseDuration(v)
			if err != nil {
				d = -1
			}
			*dst = d
		}
	}
	dur(&c.HitUrgent, "POLEX_HIT_URGENT")
	dur(&c.HitRoutine, "POLEX_HIT_ROUTINE")
	return c
}

// StorageFlags binds the flags every command takes.
func (c *Config) StorageFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data `DIR`ectory (embedded database, keys)")
	fs.StringVar(&c.DatabaseURL, "database", c.DatabaseURL, "PostgreSQL `URL` (postgres://...); empty for the embedded SQLite")
	fs.StringVar(&c.AuditKey, "audit-key", c.AuditKey, "audit checkpoint signing key `FILE` (default DATA/audit.key)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log `LEVEL`: debug, info, warn, error")
	fs.StringVar(&c.AuditCommit, "audit-commit", c.AuditCommit, "journal: every audit entry waits for the disk before the action goes on, written first to DATA/audit.journal and moved into the database within 200 ms (embedded SQLite; on PostgreSQL the same as sync); sync: it waits for the database's commit; async: it does not wait (a power loss may take the last fraction of a second of entries)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log `FORMAT`: text or json")
}

// ServerFlags binds the flags of serve and demo.
func (c *Config) ServerFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address `host:port`")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "TLS certificate `FILE` (PEM)")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "TLS private key `FILE` (PEM)")
	fs.StringVar(&c.ClientCA, "client-ca", c.ClientCA, "CA `FILE` (PEM) for mutual TLS client certificates")
	fs.Int64Var(&c.MaxBody, "max-body", c.MaxBody, "largest API request body in `BYTES`")
	fs.DurationVar(&c.ShutdownFor, "shutdown-grace", c.ShutdownFor, "time given to requests in flight at shutdown")
	fs.DurationVar(&c.HitUrgent, "hit-urgent", c.HitUrgent, "the owner's deadline to confirm an urgent hit before it escalates")
	fs.DurationVar(&c.HitRoutine, "hit-routine", c.HitRoutine, "the owner's deadline to confirm a routine hit before it escalates")
}

// AuditKeyPath returns the signing key's path.
func (c Config) AuditKeyPath() string {
	if c.AuditKey != "" {
		return c.AuditKey
	}
	return filepath.Join(c.DataDir, "audit.key")
}

// Validate checks the configuration and returns an errs.Invalid error naming the setting at fault.
func (c Config) Validate() error {
	const op = "config.Validate"
	if strings.TrimSpace(c.DataDir) == "" {
		return errs.Invalidf(op, "data", "--data must name a directory")
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return errs.Invalidf(op, "database", "--database must be a postgres:// URL")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errs.Invalidf(op, "tls-cert", "--tls-cert and --tls-key go together")
	}
	if c.ClientCA != "" && c.TLSCert == "" {
		return errs.Invalidf(op, "client-ca", "--client-ca needs --tls-cert and --tls-key")
	}
	for _, f := range []struct{ name, path string }{{"tls-cert", c.TLSCert}, {"tls-key", c.TLSKey}, {"client-ca", c.ClientCA}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return errs.Invalidf(op, f.name, "--%s: cannot read %s", f.name, f.path)
		}
	}
	if c.AuditCommit != "journal" && c.AuditCommit != "sync" && c.AuditCommit != "async" {
		return errs.Invalidf(op, "audit-commit", "--audit-commit must be journal, sync or async, not %q", c.AuditCommit)
	}
	if c.HitUrgent < time.Second || c.HitRoutine < time.Second {
		return errs.Invalidf(op, "hit-urgent", "--hit-urgent and --hit-routine must be at least 1s")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return errs.Invalidf(op, "log-level", "--log-level must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return errs.Invalidf(op, "log-format", "--log-format must be text or json, not %q", c.LogFormat)
	}
	if c.MaxBody < 1024 {
		return errs.Invalidf(op, "max-body", "--max-body must be at least 1024 bytes")
	}
	return nil
}

// String describes the storage in use, without secrets.
func (c Config) String() string {
	if c.DatabaseURL != "" {
		return "PostgreSQL"
	}
	return fmt.Sprintf("SQLite in %s", c.DataDir)
}
