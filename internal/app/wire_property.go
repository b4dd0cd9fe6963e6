package app

import (
	"context"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/store/sqldb"
)

// sqliteStaleAfter is how long a running import may go without a stored
// update, on SQLite, before it is taken for interrupted.
const sqliteStaleAfter = 3 * property.HeartbeatEvery

// openProperty builds the property and import services, and marks as
// interrupted the imports left running by a process that stopped.
//
// An import that runs stores its report at least every
// property.HeartbeatEvery. On SQLite every process using the database (the
// server, a CLI import run beside it) is on this host and shares its clock,
// so three missed beats are enough: the imports a crash left running are
// marked when the server restarts, or shown interrupted within 45 s, while
// an import that a live CLI process runs on the same file is left alone.
// On PostgreSQL the processes may run on hosts whose clocks differ, so the
// rule waits property.DefaultStaleAfter.
func (a *App) openProperty(ctx context.Context) error {
	const op = "app.openProperty"
	a.Property = property.New(a.DB, a.Audit)
	if a.DB.Engine == sqldb.SQLite {
		a.Property.StaleAfter = sqliteStaleAfter
	}
	n, err := a.Property.InterruptStale(ctx)
	if err != nil {
		return errs.E(op, err)
	}
	if n > 0 {
		a.Log.Warn("imports left running by a stopped process marked interrupted", "count", n)
	}
	return nil
}

// ImportActor is the audit actor of imports run with the CLI.
const ImportActor = "system:import"

// ImportPrincipal returns the principal under which the local operator
// imports records for country cc with the CLI (polex import … --owner CC).
//
// Only the issuing country may add its documents and only the owner changes
// its records, so an import for CC is done as CC, not as the General
// Secretariat (System has no rights on record content and must not get
// them): the principal is an officer of CC's National Central Bureau
// (org ncb-cc), with the actor "system:import" in every audit entry, and
// the policy is still asked (create on CC's records). Running the CLI on
// the server is the authority of the operator; the audit log shows who
// imported what, when, for which country. A suspended member gets a
// suspended principal, which the policy refuses. It returns an
// errs.Invalid error naming "owner" when cc is not a member country.
func (a *App) ImportPrincipal(ctx context.Context, cc string) (identity.Principal, error) {
	const op = "app.ImportPrincipal"
	cc = strings.ToUpper(strings.TrimSpace(cc))
	c, err := a.DB.Country(ctx, cc)
	if errs.Is(errs.NotFound, err) {
		return identity.Principal{}, errs.Invalidf(op, "owner", "%q is not a member country", cc)
	}
	if err != nil {
		return identity.Principal{}, errs.E(op, err)
	}
	return identity.Principal{
		User: identity.User{ID: ImportActor, Username: "system", DisplayName: "CLI import", Org: member.NCBID(cc), Country: cc,
			Roles: []identity.Role{identity.Officer}, Clearance: identity.Confidential, Disabled: c.Status != member.Active},
		OrgKind: string(member.NCB),
		Region:  string(c.Region),
		Via:     "cli",
	}, nil
}

// demoProperty is the demo data of the property databases, imported
// through the idempotent import path (re-running the demo keeps it).
var demoProperty = []struct {
	user, owner, kind, lines string
}{
	{"fr.officer", "FR", "documents", `{"ref":"FR-SLTD-0001","number":"18FR12345","type":"passport","issuing_country":"FR","status":"stolen","event_date":"2026-03-14"}
{"ref":"FR-SLTD-0002","number":"19FR77881","type":"passport","issuing_country":"FR","status":"lost","issue_date":"2019-05-02","expiry_date":"2029-05-01"}
{"ref":"FR-SLTD-0003","number":"X4RTBPFW4","type":"id-card","issuing_country":"FR","status":"stolen-blank"}
{"ref":"FR-SLTD-0004","number":"20FR00042","type":"passport","issuing_country":"FR","status":"revoked","restrictions":{"deny_countries":["KE"]}}`},
	{"ke.officer", "KE", "documents", `{"ref":"KE-ID-1001","number":"A1234567","type":"id-card","issuing_country":"KE","status":"stolen"}
{"ref":"KE-ID-1002","number":"A7654321","type":"id-card","issuing_country":"KE","status":"lost"}`},
	{"fr.officer", "FR", "vehicles", `{"ref":"FR-VEH-01","vin":"1M8GDM9AXKP042788","plate":"AB-123-CD","plate_country":"FR","make":"Motor Coach Industries","model":"MC-9","colour":"white","year":1989}
{"ref":"FR-VEH-02","vin":"VF1RFB00X56789012","plate":"GH-456-JK","plate_country":"FR","make":"Renault","model":"Mégane","colour":"grey","year":2019}`},
	{"fr.officer", "FR", "artworks", `{"ref":"FR-ART-01","category":"painting","title":"Le Pont de Moret","artist":"Alfred Sisley","period":"1893","materials":"oil on canvas","dimensions":"65 x 81 cm","description":"Stolen from a private collection in Moret-sur-Loing."}
{"ref":"FR-ART-02","category":"sculpture","title":"Buste de femme","artist":"unknown","period":"18th century","materials":"marble","dimensions":"h 52 cm"}`},
	{"fr.officer", "FR", "persons", `{"ref":"FR-P-01","names":["Jean Dupont","Жан Дюпон"],"birth_date":"1975-04","nationality":"FR","sex":"M"}
{"ref":"FR-P-02","names":["Muammar Kaddafi","Муаммар Каддафи"],"birth_date":"1942-06-07","nationality":"LY","sex":"M"}`},
}

// seedDemoProperty adds demo documents, vehicles, artworks and persons.
func (a *App) seedDemoProperty(ctx context.Context) error {
	const op = "app.seedDemoProperty"
	for _, d := range demoProperty {
		p, err := a.demoPrincipal(ctx, d.user)
		if err != nil {
			return errs.E(op, err)
		}
		req := property.ImportRequest{Kind: d.kind, Owner: d.owner, Format: property.FormatJSONL, File: "demo-" + d.kind + ".jsonl"}
		im, err := a.Property.Import(ctx, p, req, strings.NewReader(d.lines), nil)
		if err != nil {
			return errs.E(op, err)
		}
		if im.Bad > 0 {
			return errs.E(op, errs.Internal, "demo "+d.kind+": "+im.Errors[0].Message)
		}
	}
	return nil
}
