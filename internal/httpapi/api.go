// Package httpapi is Polex's JSON API under /api/v1, described by an
// OpenAPI 3.1 document generated from the handlers' types (huma), so the
// description never drifts from the code. Handlers are thin: they resolve
// the caller, call one service and map its errors to RFC 9457 problems.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/screen"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Deps are the services the API calls.
type Deps struct {
	Identity *identity.Service
	Admin    *admin.Service
	Members  member.Store
	Audit    AuditService
	AuditKey string // the public verifier key of audit checkpoints
	Logger   *slog.Logger
	Version  string
	MaxBody  int64 // largest request body in bytes; larger ones get 413

	Notify     *notify.Service
	Notices    *notice.Service
	Diffusions *diffusion.Service
	Property   *property.Service
	Screen     *screen.Service
}

// API is the JSON API.
type API struct {
	d   Deps
	log *slog.Logger
	api huma.API
	mux *http.ServeMux
}

// New builds the API and registers every operation.
func New(d Deps) *API {
	// huma builds the bodies of the errors it raises itself (request
	// validation) through this hook; Polex makes them the same Problem as
	// every other error. The function is pure, so setting it from several
	// API instances is harmless.
	huma.NewError = func(status int, msg string, details ...error) huma.StatusError {
		return newProblem(status, msg, details...)
	}
	cfg := huma.DefaultConfig("Polex API", d.Version)
	cfg.Info.Description = "The API of Polex, the open platform for international police cooperation. " +
		"Authenticate with an API token (Authorization: Bearer pxt_...) or a mutual-TLS client certificate. " +
		"Errors are RFC 9457 problem details with a stable code."
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = "/schemas"
	cfg.Servers = []*huma.Server{{URL: Prefix}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"token": {Type: "http", Scheme: "bearer", Description: "An API token, pxt_..."},
	}
	cfg.Security = []map[string][]string{{"token": {}}}
	// Drop the $schema link fields huma adds to bodies: clients do not need them.
	cfg.CreateHooks = nil
	if d.MaxBody > 0 {
		// huma enforces the limit while reading and answers 413.
		cfg.OnAddOperation = append(cfg.OnAddOperation, func(_ *huma.OpenAPI, op *huma.Operation) { op.MaxBodyBytes = d.MaxBody })
	}
	mux := http.NewServeMux()
	a := &API{d: d, log: d.Logger, mux: mux}
	a.api = humago.NewWithPrefix(mux, Prefix, cfg)
	a.registerMe()
	a.registerMembers()
	a.registerUsers()
	a.registerAudit()
	a.registerInbox()
	a.registerNotices()
	a.registerDiffusions()
	a.registerProperty()
	a.registerChecks()
	return a
}

// OpenAPI returns the API's description.
func (a *API) OpenAPI() *huma.OpenAPI { return a.api.OpenAPI() }

// Handler returns the API's handler for paths under Prefix. It refuses
// form and multipart bodies (browsers' cross-site posts) and resolves the
// caller from a bearer token or a verified client certificate.
func (a *API) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.ContentLength != 0 {
			ct := strings.ToLower(r.Header.Get("Content-Type"))
			if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "text/plain") {
				writeProblem(w, r, newProblem(http.StatusUnsupportedMediaType, "the API takes application/json bodies"))
				return
			}
		}
		ctx, err := a.authenticate(r)
		if err != nil {
			writeProblem(w, r, a.problemOf(r.Context(), err))
			return
		}
		a.mux.ServeHTTP(w, r.WithContext(ctx))
	})
}

type principalKey struct{}

// authenticate puts the caller's Principal in the context when the request
// carries credentials; it fails only for credentials that are present and bad.
func (a *API) authenticate(r *http.Request) (context.Context, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return ctx, errs.E("httpapi.authenticate", errs.Unauthenticated, "Authorization must be 'Bearer <token>'")
		}
		p, err := a.d.Identity.TokenPrincipal(ctx, strings.TrimSpace(tok))
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, principalKey{}, p), nil
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		cert := r.TLS.VerifiedChains[0][0]
		org := ""
		if len(cert.Subject.Organization) > 0 {
			org = cert.Subject.Organization[0]
		}
		p, err := a.d.Identity.CertPrincipal(ctx, cert.Subject.CommonName, org)
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, principalKey{}, p), nil
	}
	return ctx, nil
}

// caller returns the request's Principal and checks that its token (if any)
// carries scope. It returns an Unauthenticated or Permission problem.
func (a *API) caller(ctx context.Context, scope string) (identity.Principal, error) {
	p, ok := ctx.Value(principalKey{}).(identity.Principal)
	if !ok {
		return identity.Principal{}, a.problemOf(ctx, errs.E("httpapi.caller", errs.Unauthenticated, "authentication required: send an API token"))
	}
	if p.Via == "token" && !slices.Contains(p.TokenScopes, scope) {
		return identity.Principal{}, a.problemOf(ctx, errs.E("httpapi.caller", errs.Permission, "this token lacks the "+scope+" scope"))
	}
	return p, nil
}

// fail maps a service error to its Problem.
func (a *API) fail(ctx context.Context, err error) error { return a.problemOf(ctx, err) }

// writeProblem writes p outside huma (before routing).
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = jsonEncode(w, p)
}
