// Package app wires Polex together in one place: configuration → storage →
// services → HTTP (API and web) and background work. Nothing else
// constructs services; tests and the CLI build an App.
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/httpapi"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/reqid"
	"github.com/polex-org/polex/internal/screen"
	"github.com/polex-org/polex/internal/store/postgres"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/sqlite"
	"github.com/polex-org/polex/internal/web"
)

// App is a running Polex: its stores and services.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *sqldb.DB
	Audit    *audit.Log
	Identity *identity.Service
	Admin    *admin.Service
	Metrics  *prometheus.Registry

	Notify     *notify.Service
	Notices    *notice.Service
	Diffusions *diffusion.Service
	Property   *property.Service
	Screen     *screen.Service

	api     *httpapi.API
	web     *web.Server
	httpReq *prometheus.CounterVec
	httpDur *prometheus.HistogramVec
}

// NewLogger returns the process logger for cfg, writing to w.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// OpenDB opens the configured engine and applies pending migrations; log
// (nil discards) receives the failures of the engine's background work.
func OpenDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*sqldb.DB, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL)
	}
	return sqlite.Open(ctx, cfg.DataDir, log)
}

// Open opens storage, seeds reference data and builds every service.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	const op = "app.Open"
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, errs.E(op, errs.Invalid, "cannot create data directory "+cfg.DataDir, err)
	}
	db, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	db.AuditAsync = cfg.AuditCommit == "async"
	if _, err := SeedReference(ctx, db, time.Now().UTC()); err != nil {
		db.Close()
		return nil, err
	}
	key, err := audit.LoadOrCreateKey(cfg.AuditKeyPath())
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db, Metrics: prometheus.NewRegistry()}
	journal, err := openJournal(cfg, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	a.Audit = audit.NewLog(db, key.Signer, audit.Options{Logger: log, Journal: journal})
	idCfg := identity.DefaultConfig()
	idCfg.DemoMode = cfg.DemoMode
	a.Identity = identity.NewService(db, db, idCfg)
	a.Admin = admin.New(db, db, a.Identity, a.Audit)
	if err := a.openFeatures(ctx); err != nil {
		a.Close(ctx)
		return nil, err
	}
	a.api = httpapi.New(httpapi.Deps{Identity: a.Identity, Admin: a.Admin, Members: db, Audit: a.Audit, AuditKey: key.VerifierKey,
		Logger: log, Version: cfg.Version, MaxBody: cfg.MaxBody,
		Notify: a.Notify, Notices: a.Notices, Diffusions: a.Diffusions, Property: a.Property, Screen: a.Screen})
	a.web, err = web.New(web.Deps{Identity: a.Identity, Admin: a.Admin, Audit: a.Audit, AuditReader: a.Audit, Logger: log,
		Secure: cfg.TLSCert != "", DemoMode: cfg.DemoMode,
		Notify: a.Notify, Notices: a.Notices, Diffusions: a.Diffusions, Property: a.Property, Screen: a.Screen})
	if err != nil {
		a.Close(ctx)
		return nil, err
	}
	a.registerMetrics()
	return a, nil
}

// openJournal opens the audit journal of an embedded database with
// --audit-commit journal (DATA/audit.journal), or returns nil: on
// PostgreSQL, where processes share the log, and when another process
// holds the data directory's journal (a command run beside the server:
// its entries then go straight to the database).
func openJournal(cfg config.Config, log *slog.Logger) (*audit.Journal, error) {
	if cfg.DatabaseURL != "" || cfg.AuditCommit != "journal" {
		return nil, nil
	}
	j, err := audit.OpenJournal(filepath.Join(cfg.DataDir, "audit.journal"))
	if errs.Is(errs.Conflict, err) {
		log.Info("audit: the journal is held by another process; entries go straight to the database", "err", err)
		return nil, nil
	}
	return j, err
}

// Close flushes the audit log and closes the database.
func (a *App) Close(ctx context.Context) error {
	var first error
	if a.Audit != nil {
		first = a.Audit.Close(ctx)
	}
	if err := a.DB.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// System is the principal of the local operator using the CLI on the
// server: a General Secretariat system administrator. Every action it takes
// is audited under the actor "system:NAME".
func System(name string) identity.Principal {
	return identity.Principal{
		User:    identity.User{ID: "system:" + name, Username: "system", Org: member.SecretariatID, Roles: []identity.Role{identity.Sysadmin}, Clearance: identity.Confidential},
		OrgKind: string(member.Secretariat),
		Via:     "cli",
	}
}

func (a *App) registerMetrics() {
	a.httpReq = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "polex_http_requests_total", Help: "HTTP requests by area and status code."}, []string{"area", "code"})
	a.httpDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "polex_http_request_duration_seconds", Help: "HTTP request latency by area.",
		Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"area"})
	a.Metrics.MustRegister(a.httpReq, a.httpDur, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.DB.SQL, string(a.DB.Engine)))
	stat := func(name, help string, f func(audit.Stats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f(a.Audit.Stats())) })
	}
	a.Metrics.MustRegister(
		stat("polex_audit_entries_total", "Audit entries appended by this process.", func(s audit.Stats) int64 { return s.Entries }),
		stat("polex_audit_batches_total", "Audit group commits of this process (transactions, or flushes of the audit journal).", func(s audit.Stats) int64 { return s.Batches }),
		stat("polex_audit_ingested_total", "Audit entries of this process moved from its journal into the database.", func(s audit.Stats) int64 { return s.Ingested }),
		stat("polex_audit_failures_total", "Failed audit transactions of this process.", func(s audit.Stats) int64 { return s.Failures }),
	)
}

// Handler returns the whole HTTP surface: the API under /api/v1, health and
// metrics, and the web pages everywhere else, behind request IDs, access
// logs, metrics and panic recovery.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	api := a.api.Handler()
	mux.Handle(httpapi.Prefix+"/", api)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := a.DB.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database unavailable")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{}))
	mux.Handle("/", a.web.Handler())
	return a.middleware(mux)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func area(path string) string {
	switch {
	case strings.HasPrefix(path, httpapi.Prefix):
		return "api"
	case path == "/healthz", path == "/readyz", path == "/metrics":
		return "ops"
	}
	return "web"
}

func (a *App) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !reqid.Valid(id) {
			id = reqid.New()
		}
		w.Header().Set("X-Request-ID", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.Log.Error("panic", "request_id", id, "panic", fmt.Sprint(v), "path", r.URL.Path)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			ar, dur := area(r.URL.Path), time.Since(start)
			a.httpReq.WithLabelValues(ar, strconv.Itoa(sw.status)).Inc()
			a.httpDur.WithLabelValues(ar).Observe(dur.Seconds())
			if a.Log.Enabled(r.Context(), slog.LevelDebug) { // the arguments cost allocations on every request
				a.Log.Debug("http", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status, "dur", dur)
			}
		}()
		next.ServeHTTP(sw, r.WithContext(reqid.With(r.Context(), id)))
	})
}

// Serve listens on cfg.Addr (HTTPS when a certificate is configured, with
// client certificates verified against ClientCA when set) until ctx ends,
// then finishes the requests in flight within ShutdownFor. ready, when not
// nil, receives the bound address once listening.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	const op = "app.Serve"
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn), BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	if a.Config.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(a.Config.TLSCert, a.Config.TLSKey)
		if err != nil {
			return errs.E(op, errs.Invalid, "cannot load --tls-cert/--tls-key", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		if a.Config.ClientCA != "" {
			pem, err := os.ReadFile(a.Config.ClientCA)
			if err != nil {
				return errs.E(op, errs.Invalid, "cannot read --client-ca", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return errs.E(op, errs.Invalid, "--client-ca holds no PEM certificate")
			}
			srv.TLSConfig.ClientCAs = pool
			// Browsers sign in with passwords; machines may present a certificate.
			srv.TLSConfig.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	if err := a.LoadScreen(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return errs.E(op, errs.Unavailable, "cannot listen on "+a.Config.Addr, err)
	}
	if srv.TLSConfig != nil {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	stopJobs := a.startJobs(ctx)
	defer stopJobs()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return errs.E(op, errs.Unavailable, err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing requests in flight", "grace", a.Config.ShutdownFor)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownFor)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return errs.E(op, errs.Unavailable, err)
	}
	return nil
}
