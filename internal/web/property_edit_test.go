package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

// tinyPNG is the signature of a PNG file: enough for the image check.
var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

// TestPropertyEditPages: the owner edits an artwork (category shown
// translated; a refused title or a stale version shows the form again and
// changes nothing; a good edit makes a new version and keeps the image);
// another country that may read it cannot open its edit or delete page
// nor post to them; a record denied to Kenya is not found on every edit and
// delete path for a Kenyan officer; the owner deletes a document after a
// confirmation page (CSRF checked) and the list says so. fr.officer reads
// French.
func TestPropertyEditPages(t *testing.T) {
	f, svc := propertyFixture(t)
	fr := f.newClient()
	fr.login(f, "fr.officer")
	ke := f.newClient()
	ke.login(f, "ke.officer")
	ctx := context.Background()
	frP := principal(t, f, "fr.officer")

	a, err := svc.Artworks.Create(ctx, frP, property.Record[property.Artwork]{Meta: record.Meta{Ref: "ART-1"},
		Data: property.Artwork{Category: "musical-instrument", Title: "Violin", Artist: "Stradivari"}})
	must(t, err)
	a, err = svc.AddImage(ctx, frP, a.ID, tinyPNG)
	must(t, err)
	view := "/property/artworks/" + a.ID
	p := fr.get(view)
	if p.StatusCode != 200 || !strings.Contains(p.body, "<dd dir=\"auto\">Instrument de musique</dd>") || !strings.Contains(p.body, `id="edit-record"`) ||
		!strings.Contains(p.body, `id="delete-record"`) {
		t.Fatalf("artwork page = %d\n%s", p.StatusCode, p.body)
	}
	if p := fr.get("/property/artworks"); !strings.Contains(p.body, "Instrument de musique · Stradivari") {
		t.Fatalf("artwork list lacks the translated category\n%s", p.body)
	}
	// Kenya may read it, not change it.
	if p := ke.get(view); p.StatusCode != 200 || strings.Contains(p.body, `id="edit-record"`) || strings.Contains(p.body, `id="delete-record"`) {
		t.Fatalf("KE artwork page = %d offers changes", p.StatusCode)
	}
	keCSRF := csrfOf(t, ke.get("/property/documents/new"))
	for _, c := range []struct {
		method, path string
	}{{"GET", view + "/edit"}, {"GET", view + "/delete"}, {"POST", view}, {"POST", view + "/delete"}} {
		var p page
		if c.method == "GET" {
			p = ke.get(c.path)
		} else {
			p = ke.post(c.path, url.Values{"csrf": {keCSRF}, "version": {"2"}, "category": {"painting"}, "title": {"Fake"}, "classification": {"1"}})
		}
		if p.StatusCode != http.StatusForbidden {
			t.Fatalf("KE %s %s = %d, want 403", c.method, c.path, p.StatusCode)
		}
	}

	edit := fr.get(view + "/edit")
	if edit.StatusCode != 200 || !strings.Contains(edit.body, `name="version" value="2"`) || !strings.Contains(edit.body, `value="Violin"`) ||
		!strings.Contains(edit.body, `<option value="musical-instrument" selected>Instrument de musique</option>`) {
		t.Fatalf("edit form = %d\n%s", edit.StatusCode, edit.body)
	}
	good := url.Values{"version": {"2"}, "ref": {"ART-1"}, "category": {"musical-instrument"}, "title": {"Violin \"Le Messie\""},
		"artist": {"Stradivari"}, "handling": {"H0"}, "classification": {"1"}}
	bad := url.Values{}
	for k, v := range good {
		bad[k] = v
	}
	bad.Set("title", "")
	if p := fr.submit(view+"/edit", view, bad); p.StatusCode != 400 || !strings.Contains(p.body, `id="title-error"`) {
		t.Fatalf("empty title = %d\n%s", p.StatusCode, p.body)
	}
	stale := url.Values{}
	for k, v := range good {
		stale[k] = v
	}
	stale.Set("version", "1")
	if p := fr.submit(view+"/edit", view, stale); p.StatusCode != 409 || !strings.Contains(p.body, `id="version-error"`) {
		t.Fatalf("stale version = %d\n%s", p.StatusCode, p.body)
	}
	if got, _ := svc.Artworks.Get(ctx, frP, a.ID); got.Version != 2 || got.Data.Title != "Violin" {
		t.Fatalf("refused edits changed the record: %+v", got)
	}
	p = fr.submit(view+"/edit", view, good)
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != view {
		t.Fatalf("edit = %d %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	got, err := svc.Artworks.Get(ctx, frP, a.ID)
	if err != nil || got.Version != 3 || got.Data.Title != `Violin "Le Messie"` || len(got.Data.Images) != 1 {
		t.Fatalf("edited artwork = %+v %v", got, err)
	}
	if p := fr.get(view); !strings.Contains(p.body, "Le Messie") || !strings.Contains(p.body, "/images/"+got.Data.Images[0].SHA256) {
		t.Fatalf("record page after edit\n%s", p.body)
	}

	// Hidden from Kenya: not found on every path, and left intact.
	deny := record.Meta{Ref: "DOC-HIDDEN", Restrictions: policy.Restrictions{DenyCountries: []string{"KE"}}}
	d, err := svc.Documents.Create(ctx, frP, property.Record[property.TravelDocument]{Meta: deny, Data: property.TravelDocument{
		Type: "passport", Number: "HID123", IssuingCountry: "FR", Status: "stolen"}})
	must(t, err)
	dview := "/property/documents/" + d.ID
	for _, c := range []struct{ method, path string }{{"GET", dview + "/edit"}, {"GET", dview + "/delete"}, {"POST", dview}, {"POST", dview + "/delete"}} {
		var p page
		if c.method == "GET" {
			p = ke.get(c.path)
		} else {
			p = ke.post(c.path, url.Values{"csrf": {keCSRF}, "version": {"1"}, "type": {"passport"}, "number": {"HID123"}, "status": {"lost"}, "classification": {"1"}})
		}
		if p.StatusCode != http.StatusNotFound || strings.Contains(p.body, "HID123") {
			t.Fatalf("KE %s %s = %d, want 404", c.method, c.path, p.StatusCode)
		}
	}
	if got, err := svc.Documents.Get(ctx, frP, d.ID); err != nil || got.Version != 1 || got.Data.Status != "stolen" {
		t.Fatalf("hidden document changed: %+v %v", got, err)
	}

	// Deletion: confirmation page, CSRF, list notice, gone.
	confirm := fr.get(dview + "/delete")
	if confirm.StatusCode != 200 || !strings.Contains(confirm.body, `id="delete-form"`) || !strings.Contains(confirm.body, "DOC-HIDDEN") {
		t.Fatalf("confirm page = %d\n%s", confirm.StatusCode, confirm.body)
	}
	if p := fr.post(dview+"/delete", url.Values{}); p.StatusCode != http.StatusForbidden {
		t.Fatalf("delete without CSRF = %d", p.StatusCode)
	}
	if _, err := svc.Documents.Get(ctx, frP, d.ID); err != nil {
		t.Fatalf("deleted without CSRF: %v", err)
	}
	p = fr.submit(dview+"/delete", dview+"/delete", nil)
	if loc := p.Header.Get("Location"); p.StatusCode != http.StatusSeeOther || loc != "/property/documents?deleted=DOC-HIDDEN" {
		t.Fatalf("delete = %d %q", p.StatusCode, loc)
	}
	if p := fr.get("/property/documents?deleted=DOC-HIDDEN"); !strings.Contains(p.body, `id="deleted"`) || strings.Contains(p.body, d.ID) {
		t.Fatalf("list after delete\n%s", p.body)
	}
	if p := fr.get(dview); p.StatusCode != 404 {
		t.Fatalf("deleted record page = %d", p.StatusCode)
	}
}

var personIDRE = regexp.MustCompile(`^/property/persons/(per_[0-9a-f]+)$`)

// TestPersonPages: the persons list offers the entry form; a bad birth
// date names its field and stores nothing; a person entered in two
// scripts is shown with its sex translated; editing keeps the parts of the
// names left as they were and adds an alias.
func TestPersonPages(t *testing.T) {
	f, svc := propertyFixture(t)
	fr := f.newClient()
	fr.login(f, "fr.officer")
	ctx := context.Background()
	frP := principal(t, f, "fr.officer")

	if p := fr.get("/property/persons"); !strings.Contains(p.body, `href="/property/persons/new"`) {
		t.Fatalf("persons list lacks the entry link\n%s", p.body)
	}
	form := fr.get("/property/persons/new")
	if form.StatusCode != 200 || !strings.Contains(form.body, `<textarea id="names"`) {
		t.Fatalf("person form = %d\n%s", form.StatusCode, form.body)
	}
	in := url.Values{"ref": {"P-1"}, "names": {"Jean Dupont\r\nЖан Дюпон\r\n"}, "birth_dates": {"1975-13"}, "sex": {"M"},
		"nationalities": {"fr"}, "handling": {"H0"}, "classification": {"1"}}
	if p := fr.submit("/property/persons/new", "/property/persons", in); p.StatusCode != 400 || !strings.Contains(p.body, `id="birth_dates-error"`) ||
		!strings.Contains(p.body, "Жан Дюпон") {
		t.Fatalf("bad birth date = %d\n%s", p.StatusCode, p.body)
	}
	if rs, _, err := svc.Persons.List(ctx, frP, property.Query{}, ""); err != nil || len(rs) != 0 {
		t.Fatalf("a refused form stored %v %v", rs, err)
	}
	in.Set("birth_dates", "1975-04, 1976")
	p := fr.submit("/property/persons/new", "/property/persons", in)
	m := personIDRE.FindStringSubmatch(p.Header.Get("Location"))
	if p.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create person = %d %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	got, err := svc.Persons.Get(ctx, frP, m[1])
	if err != nil || len(got.Data.Names) != 2 || got.Data.Names[1].Full != "Жан Дюпон" || len(got.Data.BirthDates) != 2 ||
		got.Data.Nationalities[0] != "FR" || got.Data.Sex != person.Male {
		t.Fatalf("stored person %+v %v", got, err)
	}
	if p := fr.get(p.Header.Get("Location")); !strings.Contains(p.body, "Жан Дюпон") || !strings.Contains(p.body, "<dd dir=\"auto\">Masculin</dd>") {
		t.Fatalf("person page\n%s", p.body)
	}

	// A person with name parts, edited in the form: the parts are kept.
	pe, err := svc.Persons.Create(ctx, frP, property.Record[person.Person]{Meta: record.Meta{Ref: "P-2"}, Data: person.Person{
		Names: []person.Name{{Full: "Ana María López", Given: "Ana María", Family: "López", Script: "Latn"}}, Sex: person.Female}})
	must(t, err)
	pview := "/property/persons/" + pe.ID
	edit := fr.get(pview + "/edit")
	if edit.StatusCode != 200 || !strings.Contains(edit.body, "Ana María López</textarea>") ||
		!strings.Contains(edit.body, `<option value="F" selected>Féminin</option>`) {
		t.Fatalf("person edit form = %d\n%s", edit.StatusCode, edit.body)
	}
	p = fr.submit(pview+"/edit", pview, url.Values{"version": {"1"}, "ref": {"P-2"}, "names": {"Ana María López\nAnita"}, "sex": {"F"},
		"refugee": {"on"}, "handling": {"H0"}, "classification": {"1"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("person edit = %d\n%s", p.StatusCode, p.body)
	}
	got, err = svc.Persons.Get(ctx, frP, pe.ID)
	if err != nil || got.Version != 2 || len(got.Data.Names) != 2 || got.Data.Names[0].Family != "López" || got.Data.Names[0].Script != "Latn" ||
		got.Data.Names[1].Full != "Anita" || !got.Data.Refugee {
		t.Fatalf("edited person %+v %v", got, err)
	}
}

// TestImportInterruptedPage: an import a stopped process left running is
// shown interrupted, with how to complete it, and its page stops
// refreshing itself.
func TestImportInterruptedPage(t *testing.T) {
	f, _ := propertyFixture(t)
	fr := f.newClient()
	fr.login(f, "fr.officer")
	frP := principal(t, f, "fr.officer")
	now := time.Now().UTC()
	im := property.Import{ID: "imp_crashed", Kind: property.KindDocument, Owner: "FR", Actor: frP.User.ID, ActorOrg: frP.User.Org,
		File: "big.jsonl", Format: property.FormatJSONL, State: property.ImportRunning, Started: now.Add(-time.Hour),
		Updated: now.Add(-property.DefaultStaleAfter - time.Minute), Lines: 40001, Inserted: 40000}
	must(t, f.db.CreateImport(context.Background(), im))
	p := fr.get("/imports/" + im.ID)
	if p.StatusCode != 200 || p.Header.Get("Refresh") != "" || !strings.Contains(p.body, `id="import-interrupted"`) ||
		!strings.Contains(p.body, `<p class="lead" id="import-state" role="status">Interrompu`) || !strings.Contains(p.body, `<dd id="count-inserted">40000</dd>`) {
		t.Fatalf("interrupted import page = %d %q\n%s", p.StatusCode, p.Header.Get("Refresh"), p.body)
	}
	if p := fr.get("/imports"); !strings.Contains(p.body, "<td>Interrompu</td>") {
		t.Fatalf("imports list does not show it interrupted\n%s", p.body)
	}
}
