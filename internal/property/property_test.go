package property_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

var ctx = context.Background()

func wantField(t *testing.T, err error, kind errs.Kind, field string) {
	t.Helper()
	if !errs.Is(kind, err) || errs.FieldOf(err) != field {
		t.Fatalf("got %v (kind %v, field %q), want %v naming %q", err, errs.KindOf(err), errs.FieldOf(err), kind, field)
	}
}

func TestValidation(t *testing.T) {
	doc := func(f func(*property.TravelDocument)) *property.TravelDocument {
		d := &property.TravelDocument{Type: "passport", Number: " ab 12 34 ", IssuingCountry: "fr", Status: "stolen"}
		f(d)
		d.Normalize()
		return d
	}
	if d := doc(func(*property.TravelDocument) {}); d.Validate("FR") != nil || d.Number != "AB1234" || d.IssuingCountry != "FR" {
		t.Fatalf("valid document refused or not normalised: %+v %v", d, d.Validate("FR"))
	}
	for _, c := range []struct {
		name, field string
		f           func(*property.TravelDocument)
		owner       string
	}{
		{"other country's document", "issuing_country", func(*property.TravelDocument) {}, "KE"},
		{"bad type", "type", func(d *property.TravelDocument) { d.Type = "licence" }, "FR"},
		{"bad status", "status", func(d *property.TravelDocument) { d.Status = "found" }, "FR"},
		{"empty number", "number", func(d *property.TravelDocument) { d.Number = "  " }, "FR"},
		{"punctuated number", "number", func(d *property.TravelDocument) { d.Number = "AB/12" }, "FR"},
		{"bad date", "issue_date", func(d *property.TravelDocument) { d.IssueDate = "2020-13-01" }, "FR"},
		{"expiry before issue", "expiry_date", func(d *property.TravelDocument) { d.IssueDate, d.ExpiryDate = "2020-01-01", "2019-01-01" }, "FR"},
	} {
		t.Run(c.name, func(t *testing.T) { wantField(t, doc(c.f).Validate(c.owner), errs.Invalid, c.field) })
	}
	veh := func(vin, plate string) error {
		v := &property.Vehicle{VIN: vin, Plate: plate}
		v.Normalize()
		return v.Validate("FR")
	}
	if err := veh("1m8gdm9axkp042788", ""); err != nil {
		t.Fatalf("valid North American VIN refused: %v", err)
	}
	wantField(t, veh("1M8GDM9A1KP042788", ""), errs.Invalid, "vin")
	wantField(t, veh("1M8GDM9AXKP04278", ""), errs.Invalid, "vin")
	wantField(t, veh("", ""), errs.Invalid, "vin")
	if err := veh("", "AB-123-CD"); err != nil {
		t.Fatalf("plate only refused: %v", err)
	}
	a := &property.Artwork{Category: "painting"}
	wantField(t, a.Validate(""), errs.Invalid, "title")
}

// TestRecords is the store conformance for the property tables, through
// the service: create, get, update (versions and history), delete, unique
// keys, list and search, on both engines.
func TestRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc, _ := newService(t, db)
		fr, ke := officer("FR", "europe"), officer("KE", "africa")
		d, err := svc.Documents.Create(ctx, fr, property.Record[property.TravelDocument]{Meta: record.Meta{Ref: "R1"},
			Data: property.TravelDocument{Type: "passport", Number: "12ab 345", IssuingCountry: "FR", Status: "stolen"}})
		if err != nil {
			t.Fatal(err)
		}
		if d.Owner != "FR" || d.OwnerOrg != "ncb-fr" || d.Version != 1 || d.Data.Number != "12AB345" || d.ReviewAt.Before(time.Now().Add(4*365*24*time.Hour)) {
			t.Fatalf("created %+v", d)
		}
		// Only the issuing country adds its documents.
		_, err = svc.Documents.Create(ctx, ke, property.Record[property.TravelDocument]{Data: property.TravelDocument{Type: "passport", Number: "X1", IssuingCountry: "FR", Status: "stolen"}})
		wantField(t, err, errs.Invalid, "issuing_country")
		// Unique ref and unique number.
		_, err = svc.Documents.Create(ctx, fr, property.Record[property.TravelDocument]{Meta: record.Meta{Ref: "R1"}, Data: property.TravelDocument{Type: "passport", Number: "99", IssuingCountry: "FR", Status: "lost"}})
		wantField(t, err, errs.Conflict, "ref")
		_, err = svc.Documents.Create(ctx, fr, property.Record[property.TravelDocument]{Meta: record.Meta{Ref: "R2"}, Data: property.TravelDocument{Type: "passport", Number: "12AB345", IssuingCountry: "FR", Status: "lost"}})
		wantField(t, err, errs.Conflict, "number")

		got, err := svc.Documents.Get(ctx, ke, d.ID)
		if err != nil || got.Data != d.Data || got.Ref != "R1" {
			t.Fatalf("get: %+v %v", got, err)
		}
		// Owner-only update and delete.
		upd := got
		upd.Data.Status = "revoked"
		if _, err := svc.Documents.Update(ctx, ke, d.ID, upd); !errs.Is(errs.Permission, err) {
			t.Fatalf("KE updated FR's document: %v", err)
		}
		if err := svc.Documents.Delete(ctx, ke, d.ID); !errs.Is(errs.Permission, err) {
			t.Fatalf("KE deleted FR's document: %v", err)
		}
		u, err := svc.Documents.Update(ctx, fr, d.ID, upd)
		if err != nil || u.Version != 2 || u.Data.Status != "revoked" {
			t.Fatalf("update: %+v %v", u, err)
		}
		same, err := svc.Documents.Update(ctx, fr, d.ID, u)
		if err != nil || same.Version != 2 {
			t.Fatalf("an unchanged update made a version: %+v %v", same, err)
		}
		upd.Version = 1
		if _, err := svc.Documents.Update(ctx, fr, d.ID, upd); !errs.Is(errs.Conflict, err) {
			t.Fatalf("stale version accepted: %v", err)
		}
		hs, err := svc.Documents.History(ctx, ke, d.ID)
		if err != nil || len(hs) != 2 || hs[0].Action != "created" || hs[1].Action != "updated" || hs[1].Version != 2 || hs[1].By != fr.User.ID {
			t.Fatalf("history: %+v %v", hs, err)
		}
		// Search by number needs a purpose.
		if _, _, err := svc.Documents.List(ctx, ke, property.Query{Number: "12ab345"}, ""); !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "purpose" {
			t.Fatalf("search without purpose: %v", err)
		}
		rs, _, err := svc.Documents.List(ctx, ke, property.Query{Number: "12ab345", Country: "FR"}, "border check")
		if err != nil || len(rs) != 1 || rs[0].ID != d.ID {
			t.Fatalf("search: %+v %v", rs, err)
		}
		if rs, _, _ := svc.Documents.List(ctx, ke, property.Query{Number: "12AB345", Country: "KE"}, "check"); len(rs) != 0 {
			t.Fatalf("search by another country found %+v", rs)
		}
		if err := svc.Documents.Delete(ctx, fr, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Documents.Get(ctx, fr, d.ID); !errs.Is(errs.NotFound, err) {
			t.Fatalf("deleted record: %v", err)
		}

		// Vehicles by VIN and plate, artworks by text, persons by name.
		v, err := svc.Vehicles.Create(ctx, fr, property.Record[property.Vehicle]{Data: property.Vehicle{VIN: "1M8GDM9AXKP042788", Plate: "ab 123 cd", PlateCountry: "FR", Make: "MCI"}})
		if err != nil {
			t.Fatal(err)
		}
		if rs, _, err := svc.Vehicles.List(ctx, ke, property.Query{Plate: "AB123CD"}, "check"); err != nil || len(rs) != 1 || rs[0].ID != v.ID {
			t.Fatalf("plate search: %+v %v", rs, err)
		}
		if rs, _, err := svc.Vehicles.List(ctx, ke, property.Query{Number: "1m8gdm9axkp042788"}, "check"); err != nil || len(rs) != 1 {
			t.Fatalf("VIN search: %+v %v", rs, err)
		}
		_, err = svc.Vehicles.Create(ctx, fr, property.Record[property.Vehicle]{Data: property.Vehicle{VIN: "1M8GDM9A2KP042788"}})
		wantField(t, err, errs.Invalid, "vin")
		if _, err := svc.Artworks.Create(ctx, fr, property.Record[property.Artwork]{Data: property.Artwork{Category: "painting", Title: "Le Pont de Moret", Artist: "Alfred Sisley"}}); err != nil {
			t.Fatal(err)
		}
		if rs, _, err := svc.Artworks.List(ctx, ke, property.Query{Text: "SISLEY pont"}, "check"); err != nil || len(rs) != 0 {
			t.Fatalf("text search matched words out of order: %+v %v", rs, err)
		}
		if rs, _, err := svc.Artworks.List(ctx, ke, property.Query{Text: "sisley"}, "check"); err != nil || len(rs) != 1 {
			t.Fatalf("text search: %+v %v", rs, err)
		}
		if _, err := svc.Persons.Create(ctx, fr, property.Record[person.Person]{Data: person.Person{Names: []person.Name{{Full: "Muammar Kaddafi"}, {Full: "Муаммар Каддафи"}}}}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"kaddafi", "МУАММАР", "Muammar  Kaddafi"} {
			if rs, _, err := svc.Persons.List(ctx, ke, property.Query{Text: q}, "check"); err != nil || len(rs) != 1 {
				t.Fatalf("name search %q: %+v %v", q, rs, err)
			}
		}
		// Paging: the next page starts after the last row.
		for i := 0; i < 5; i++ {
			if _, err := svc.Documents.Create(ctx, fr, property.Record[property.TravelDocument]{Data: property.TravelDocument{Type: "visa", Number: fmt.Sprintf("P%d", i), IssuingCountry: "FR", Status: "lost"}}); err != nil {
				t.Fatal(err)
			}
		}
		var all []string
		for after := ""; ; {
			page, next, err := svc.Documents.List(ctx, ke, property.Query{Limit: 2, After: after}, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				all = append(all, r.ID)
			}
			if next == "" {
				break
			}
			after = next
		}
		if len(all) != 5 {
			t.Fatalf("paged %d documents, want 5", len(all))
		}
	})
}

// TestDenyList: a user of a country on a record's deny list gets "not
// found" for it on get, history, list, search and export, for every
// record type; another country sees it.
func TestDenyList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc, _ := newService(t, db)
		fr, ke, jp := officer("FR", "europe"), officer("KE", "africa"), officer("JP", "asia-south-pacific")
		deny := record.Meta{Restrictions: policy.Restrictions{DenyCountries: []string{"KE"}}}
		check := func(t *testing.T, id string, get func(identity.Principal) error, list func(identity.Principal) (int, error),
			search func(identity.Principal) (int, error), export func(identity.Principal) (int, error), history func(identity.Principal) error) {
			if err := get(ke); !errs.Is(errs.Private, err) && !errs.Is(errs.NotFound, err) {
				t.Fatalf("KE get: %v", err)
			}
			if err := history(ke); !errs.Is(errs.Private, err) && !errs.Is(errs.NotFound, err) {
				t.Fatalf("KE history: %v", err)
			}
			for name, f := range map[string]func(identity.Principal) (int, error){"list": list, "search": search, "export": export} {
				if n, err := f(ke); err != nil || n != 0 {
					t.Fatalf("KE %s: %d rows, %v", name, n, err)
				}
				if n, err := f(jp); err != nil || n != 1 {
					t.Fatalf("JP %s: %d rows, %v", name, n, err)
				}
			}
			if err := get(jp); err != nil {
				t.Fatalf("JP get: %v", err)
			}
		}
		t.Run("document", func(t *testing.T) {
			r, err := svc.Documents.Create(ctx, fr, property.Record[property.TravelDocument]{Meta: deny, Data: property.TravelDocument{Type: "passport", Number: "D1", IssuingCountry: "FR", Status: "stolen"}})
			if err != nil {
				t.Fatal(err)
			}
			tb := svc.Documents
			check(t, r.ID, func(p identity.Principal) error { _, err := tb.Get(ctx, p, r.ID); return err },
				func(p identity.Principal) (int, error) {
					rs, _, err := tb.List(ctx, p, property.Query{}, "")
					return len(rs), err
				},
				func(p identity.Principal) (int, error) {
					rs, _, err := tb.List(ctx, p, property.Query{Number: "D1"}, "check")
					return len(rs), err
				},
				func(p identity.Principal) (int, error) { return exportCount(ctx, tb, p) },
				func(p identity.Principal) error { _, err := tb.History(ctx, p, r.ID); return err })
		})
		t.Run("vehicle", func(t *testing.T) {
			r, err := svc.Vehicles.Create(ctx, fr, property.Record[property.Vehicle]{Meta: deny, Data: property.Vehicle{VIN: "1M8GDM9AXKP042788"}})
			if err != nil {
				t.Fatal(err)
			}
			tb := svc.Vehicles
			check(t, r.ID, func(p identity.Principal) error { _, err := tb.Get(ctx, p, r.ID); return err },
				func(p identity.Principal) (int, error) {
					rs, _, err := tb.List(ctx, p, property.Query{}, "")
					return len(rs), err
				},
				func(p identity.Principal) (int, error) {
					rs, _, err := tb.List(ctx, p, property.Query{Number: "1M8GDM9AXKP042788"}, "check")
					return len(rs), err
				},
				func(p identity.Principal) (int, error) { return exportCount(ctx, tb, p) },
				func(p identity.Principal) error { _, err := tb.History(ctx, p, r.ID); return err })
		})
		t.Run("artwork", func(t *testing.T) {
			r, err := svc.Artworks.Create(ctx, fr, property.Record[property.Artwork]{Meta: deny, Data: property.Artwork{Category: "painting", Title: "Hidden"}})
			if err != nil {
				t.Fatal(err)
			}
			tb := svc.Artworks
			check(t, r.ID, func(p identity.Principal) error { _, err := tb.Get(ctx, p, r.ID); return err },
				func(p identity.Principal) (int, error) {
					rs, _, err := tb.List(ctx, p, property.Query{}, "")
					return len(rs), err
				},
				func(p identity.Principal) (int, error) {
					rs, _, err := tb.List(ctx, p, property.Query{Text: "hidden"}, "check")
					return len(rs), err
				},
				func(p identity.Principal) (int, error) { return exportCount(ctx, tb, p) },
				func(p identity.Principal) error { _, err := tb.History(ctx, p, r.ID); return err })
		})
		t.Run("person", func(t *testing.T) {
			r, err := svc.Persons.Create(ctx, fr, property.Record[person.Person]{Meta: deny, Data: person.Person{Names: []person.Name{{Full: "Hidden Person"}}}})
			if err != nil {
				t.Fatal(err)
			}
			tb := svc.Persons
			check(t, r.ID, func(p identity.Principal) error { _, err := tb.Get(ctx, p, r.ID); return err },
				func(p identity.Principal) (int, error) {
					rs, _, err := tb.List(ctx, p, property.Query{}, "")
					return len(rs), err
				},
				func(p identity.Principal) (int, error) {
					rs, _, err := tb.List(ctx, p, property.Query{Text: "hidden person"}, "check")
					return len(rs), err
				},
				func(p identity.Principal) (int, error) { return exportCount(ctx, tb, p) },
				func(p identity.Principal) error { _, err := tb.History(ctx, p, r.ID); return err })
		})
	})
}

func exportCount[T any](ctx context.Context, tb *property.Table[T], p identity.Principal) (int, error) {
	run, err := tb.Export(ctx, p, property.Query{}, "statistics")
	if err != nil {
		return 0, err
	}
	return run(ctx, func(property.Record[T]) error { return nil })
}

func countRows(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImport: bad lines are reported with their numbers and skipped,
// good ones stored; re-importing the same file changes nothing; a changed
// line updates its record (new version, history); the policy is asked once
// and the import audited at its start and end, not per line.
func TestImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc, log := newService(t, db)
		svc.BatchRows = 3
		fr := officer("FR", "europe")
		file := `{"ref":"R1","number":"AA1","type":"passport","issuing_country":"FR","status":"stolen"}
{"ref":"R2","number":"AA2","type":"passport","issuing_country":"KE","status":"stolen"}

{"ref":"R3","number":"AA3","type":"passport","issuing_country":"FR","status":"stolen","colour":"red"}
{not json}
{"ref":"R4","number":"AA4","type":"id-card","issuing_country":"FR","status":"lost"}
{"ref":"R5","number":"AA1","type":"passport","issuing_country":"FR","status":"lost"}
{"ref":"R6","number":17,"type":"passport","issuing_country":"FR","status":"lost"}
{"number":"AA7","type":"passport","issuing_country":"FR","status":"lost"}
{"ref":"R1","number":"AA1","type":"passport","issuing_country":"FR","status":"stolen"}
{"ref":"R8","number":"AA8","type":"visa","issuing_country":"FR","status":"revoked","restrictions":{"deny_countries":["KE"]}}
`
		im, err := svc.Import(ctx, fr, importReq("documents", "FR", "docs.jsonl"), strings.NewReader(file), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []property.LineError{{Line: 2, Field: "issuing_country"}, {Line: 4, Field: "colour"}, {Line: 5}, {Line: 7, Field: "number"}, {Line: 8, Field: "number"}, {Line: 9, Field: "ref"}}
		if im.State != property.ImportDone || im.Lines != 11 || im.Inserted != 3 || im.Unchanged != 1 || im.Bad != int64(len(want)) || len(im.Errors) != len(want) {
			t.Fatalf("report %+v", im)
		}
		for i, w := range want {
			if im.Errors[i].Line != w.Line || im.Errors[i].Field != w.Field || im.Errors[i].Message == "" {
				t.Fatalf("error %d = %+v, want line %d field %q", i, im.Errors[i], w.Line, w.Field)
			}
		}
		if n := countRows(t, db, "property_documents"); n != 3 {
			t.Fatalf("%d documents stored, want 3", n)
		}
		stored, err := svc.GetImport(ctx, fr, im.ID)
		if err != nil || stored.Inserted != 3 || stored.Bad != im.Bad || stored.State != property.ImportDone || len(stored.Errors) != len(want) {
			t.Fatalf("stored report %+v %v", stored, err)
		}
		if _, err := svc.GetImport(ctx, officer("KE", "africa"), im.ID); !errs.Is(errs.NotFound, err) {
			t.Fatalf("KE read FR's import: %v", err)
		}
		// Re-import: nothing changes.
		again, err := svc.Import(ctx, fr, importReq("documents", "FR", "docs.jsonl"), strings.NewReader(file), nil)
		if err != nil || again.Inserted != 0 || again.Changed != 0 || again.Unchanged != 4 {
			t.Fatalf("re-import %+v %v", again, err)
		}
		// A changed line updates its record.
		up, err := svc.Import(ctx, fr, importReq("documents", "FR", "up.jsonl"), strings.NewReader(`{"ref":"R4","number":"AA4","type":"id-card","issuing_country":"FR","status":"stolen"}`), nil)
		if err != nil || up.Changed != 1 || up.Lines != 1 {
			t.Fatalf("update import %+v %v", up, err)
		}
		rs, _, err := svc.Documents.List(ctx, fr, property.Query{Number: "AA4"}, "check")
		if err != nil || len(rs) != 1 || rs[0].Version != 2 || rs[0].Data.Status != "stolen" {
			t.Fatalf("updated record %+v %v", rs, err)
		}
		hs, err := svc.Documents.History(ctx, fr, rs[0].ID)
		if err != nil || len(hs) != 2 || hs[1].Note != "import "+up.ID {
			t.Fatalf("history %+v %v", hs, err)
		}
		// The deny list of line R8 holds.
		if rs, _, _ := svc.Documents.List(ctx, officer("KE", "africa"), property.Query{Number: "AA8"}, "check"); len(rs) != 0 {
			t.Fatalf("KE sees a record denied to it: %+v", rs)
		}
		// Audit: two entries per import (start with the decision, end with the counts).
		es, err := log.Query(ctx, audit.Filter{Action: "import.documents", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 6 {
			t.Fatalf("%d import.documents entries for 3 imports, want 6", len(es))
		}
		if !strings.Contains(es[1].Detail, `"inserted":3`) || es[1].Outcome != audit.OutcomeOK || es[0].Outcome != audit.OutcomeAllow {
			t.Fatalf("audit entries %+v", es[:2])
		}
		// Another country may not import for FR: refused, audited, nothing stored.
		if _, err := svc.Import(ctx, officer("KE", "africa"), importReq("documents", "FR", "x.jsonl"), strings.NewReader(file), nil); !errs.Is(errs.Permission, err) {
			t.Fatalf("KE imported for FR: %v", err)
		}
	})
}

func TestImportCSVAndPersons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc, _ := newService(t, db)
		fr := officer("FR", "europe")
		csv := "ref,vin,plate,plate_country,make,year\nV1,1M8GDM9AXKP042788,AB-123-CD,FR,MCI,1989\nV2,1M8GDM9A1KP042788,,FR,MCI,1989\nV3,,ZZ 99,FR,Renault,abc\n\"V4,oops\n"
		im, err := svc.Import(ctx, fr, importReq("vehicles", "FR", "v.csv"), strings.NewReader(csv), nil)
		if err != nil {
			t.Fatal(err)
		}
		if im.Inserted != 1 || im.Bad != 3 || im.Errors[0].Line != 3 || im.Errors[0].Field != "vin" || im.Errors[1].Line != 4 || im.Errors[1].Field != "year" {
			t.Fatalf("csv report %+v", im)
		}
		// The persons line format fixed by the clearinghouse contract.
		lines := `{"ref":"R1","names":["Муаммар Каддафи","Muammar Kaddafi"],"birth_date":"1942-06-07","nationality":"LY","sex":"M"}
{"ref":"R2","names":[],"sex":"M"}
{"ref":"R3","names":["A B"],"birth_date":"1942-13"}
{"ref":"R4","names":["C D"],"nationality":"Libya"}
{"ref":"R5","names":["E F"],"sex":"X"}
{"ref":"R6","names":["Jean Dupont"],"birth_date":"1975"}
`
		im, err = svc.Import(ctx, fr, importReq("persons", "FR", "p.jsonl"), strings.NewReader(lines), nil)
		if err != nil {
			t.Fatal(err)
		}
		fields := []string{"names", "birth_date", "nationality", "sex"}
		if im.Inserted != 2 || im.Bad != 4 {
			t.Fatalf("persons report %+v", im)
		}
		for i, f := range fields {
			if im.Errors[i].Field != f || im.Errors[i].Line != int64(i+2) {
				t.Fatalf("persons error %d = %+v, want %s on line %d", i, im.Errors[i], f, i+2)
			}
		}
		rs, _, err := svc.Persons.List(ctx, fr, property.Query{Text: "каддафи"}, "check")
		if err != nil || len(rs) != 1 {
			t.Fatalf("person search %+v %v", rs, err)
		}
		p := rs[0].Data
		if p.Primary() != "Муаммар Каддафи" || len(p.Names) != 2 || p.BirthDates[0] != "1942-06-07" || p.Nationalities[0] != "LY" || p.Sex != "M" || rs[0].Ref != "R1" {
			t.Fatalf("person %+v", rs[0])
		}
	})
}

// cancelAfter is a reader that cancels the import's context once n bytes
// were read, as a kill would, then fails.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
		return 0, context.Canceled
	}
	if len(p) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

// TestImportInterrupted: an import cancelled mid-way keeps exactly what
// it reported as committed; re-running completes it, without duplicates.
func TestImportInterrupted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc, _ := newService(t, db)
		svc.BatchRows = 1000
		fr := officer("FR", "europe")
		const n = 10000
		data := docLines(0, n)
		cctx, cancel := context.WithCancel(ctx)
		var seen []property.Import
		im, err := svc.Import(cctx, fr, importReq("documents", "FR", "big.jsonl"), &cancelAfter{r: bytes.NewReader(data), n: len(data) / 2, cancel: cancel},
			func(im property.Import) { seen = append(seen, im) })
		if err == nil || !errors.Is(err, context.Canceled) && !errs.Is(errs.Unavailable, err) {
			t.Fatalf("interrupted import: %v", err)
		}
		stored := countRows(t, db, "property_documents")
		if im.State != property.ImportInterrupted || im.Inserted != int64(stored) || stored == 0 || stored >= n || stored%1000 != 0 {
			t.Fatalf("interrupted: report %+v, %d rows stored", im, stored)
		}
		if len(seen) == 0 || seen[len(seen)-1].Inserted != int64(stored) {
			t.Fatalf("progress said %+v, %d stored", seen, stored)
		}
		rec, err := svc.GetImport(ctx, fr, im.ID)
		if err != nil || rec.State != property.ImportInterrupted || rec.Inserted != int64(stored) {
			t.Fatalf("stored report %+v %v", rec, err)
		}
		again, err := svc.Import(ctx, fr, importReq("documents", "FR", "big.jsonl"), bytes.NewReader(data), nil)
		if err != nil || again.Inserted != int64(n-stored) || again.Unchanged != int64(stored) || again.Lines != n {
			t.Fatalf("re-run %+v %v", again, err)
		}
		if got := countRows(t, db, "property_documents"); got != n {
			t.Fatalf("%d rows after re-run, want %d", got, n)
		}
		var dup int
		if err := db.SQL.QueryRow(`SELECT count(*) FROM (SELECT ref FROM property_documents GROUP BY owner, ref HAVING count(*) > 1) d`).Scan(&dup); err != nil || dup != 0 {
			t.Fatalf("%d duplicated refs (%v)", dup, err)
		}
	})
}

// TestRetain: records past their review date expire (audited, the owner's
// NCB notified, history kept); those within six months are reminded once.
func TestRetain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc, log := newService(t, db)
		fr := officer("FR", "europe")
		now := time.Now().UTC()
		mk := func(num string, review time.Time) string {
			r, err := svc.Documents.Create(ctx, fr, property.Record[property.TravelDocument]{Meta: record.Meta{ReviewAt: review},
				Data: property.TravelDocument{Type: "passport", Number: num, IssuingCountry: "FR", Status: "stolen"}})
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		soon := mk("S1", now.Add(30*24*time.Hour))
		old := mk("O1", now.Add(60*24*time.Hour))
		mk("L1", now.Add(3*365*24*time.Hour))
		// A year later: "old" is past its date, "soon" too; run at +50 days
		// first: soon expires, old is reminded.
		exp, rem, err := svc.Retain(ctx, now.Add(50*24*time.Hour))
		if err != nil || exp != 1 || rem != 1 {
			t.Fatalf("retain: %d expired, %d reminded, %v", exp, rem, err)
		}
		if _, err := svc.Documents.Get(ctx, fr, soon); !errs.Is(errs.NotFound, err) {
			t.Fatalf("expired record still there: %v", err)
		}
		exp, rem, err = svc.Retain(ctx, now.Add(51*24*time.Hour))
		if err != nil || exp != 0 || rem != 0 {
			t.Fatalf("second pass: %d expired, %d reminded (reminders are sent once), %v", exp, rem, err)
		}
		var types []string
		rows, err := db.SQL.Query(`SELECT type, org, subject FROM events ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var typ, org, subj string
			if err := rows.Scan(&typ, &org, &subj); err != nil {
				t.Fatal(err)
			}
			if org != "ncb-fr" {
				t.Fatalf("event for %s", org)
			}
			types = append(types, typ+" "+subj)
		}
		if len(types) != 2 || types[0] != notify.RecordExpired+" document:"+soon || types[1] != notify.RecordReminder+" document:"+old {
			t.Fatalf("events %v", types)
		}
		es, err := log.Query(ctx, audit.Filter{Action: "document.expire", Limit: 10})
		if err != nil || len(es) != 1 || es[0].Target != "document:"+soon {
			t.Fatalf("expiry audit %+v %v", es, err)
		}
	})
}
