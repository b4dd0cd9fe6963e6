package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

// propertyFixture is the web fixture with the property service on.
func propertyFixture(t *testing.T) (*fixture, *property.Service) {
	f := newFixture(t, fixtureOpts{demo: true})
	svc := property.New(f.db, f.audit.Log)
	var err error
	f.srv, err = New(Deps{Identity: f.id, Admin: f.adm, Audit: f.audit.Log, AuditReader: f.audit.Log, DemoMode: true, Property: svc})
	must(t, err)
	return f, svc
}

// upload posts a multipart import form, the CSRF token first unless
// csrf is "".
func (c *client) upload(path, csrf, kind, name, content string) page {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if csrf != "" {
		must(c.t, mw.WriteField("csrf", csrf))
	}
	must(c.t, mw.WriteField("kind", kind))
	must(c.t, mw.WriteField("format", "auto"))
	fw, err := mw.CreateFormFile("file", name)
	must(c.t, err)
	_, _ = fw.Write([]byte(content))
	must(c.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, c.base+path, &b)
	must(c.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

var docIDRE = regexp.MustCompile(`^/property/documents/(doc_[0-9a-f]+)$`)

// TestPropertyPages: the document entry form names the field at fault and
// keeps nothing; a record denied to Kenya is not found on its page and
// absent from the list and the search for a Kenyan officer; the import page
// uploads a file as a background job whose page shows the counts and the
// bad lines.
func TestPropertyPages(t *testing.T) {
	f, svc := propertyFixture(t)
	fr := f.newClient()
	fr.login(f, "fr.officer")
	ke := f.newClient()
	ke.login(f, "ke.officer")

	if p := fr.get("/property/documents/new"); p.StatusCode != 200 || !strings.Contains(p.body, `id="record-form"`) {
		t.Fatalf("form = %d\n%s", p.StatusCode, p.body)
	}
	p := fr.submit("/property/documents/new", "/property/documents", url.Values{"ref": {"W1"}, "type": {"passport"}, "number": {"AB/12"},
		"status": {"stolen"}, "handling": {"H0"}, "classification": {"1"}})
	if p.StatusCode != 400 || !strings.Contains(p.body, `id="number-error"`) || !strings.Contains(p.body, `value="AB/12"`) {
		t.Fatalf("bad number = %d\n%s", p.StatusCode, p.body)
	}
	p = fr.submit("/property/documents/new", "/property/documents", url.Values{"ref": {"W1"}, "type": {"passport"}, "number": {"ab 123"},
		"status": {"stolen"}, "handling": {"H0"}, "classification": {"1"}, "deny_countries": {"ke"}})
	m := docIDRE.FindStringSubmatch(p.Header.Get("Location"))
	if p.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("create = %d %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	id := m[1]
	if p := fr.get("/property/documents/" + id); p.StatusCode != 200 || !strings.Contains(p.body, "AB123") {
		t.Fatalf("record page = %d\n%s", p.StatusCode, p.body)
	}
	// Kenya is on the deny list.
	if p := ke.get("/property/documents/" + id); p.StatusCode != 404 {
		t.Fatalf("KE record page = %d", p.StatusCode)
	}
	for _, path := range []string{"/property/documents", "/property/documents?number=AB123&purpose=border+check"} {
		if p := ke.get(path); p.StatusCode != 200 || strings.Contains(p.body, id) || strings.Contains(p.body, "row-doc_") {
			t.Fatalf("KE %s = %d shows the record", path, p.StatusCode)
		}
		if p := fr.get(path); p.StatusCode != 200 || !strings.Contains(p.body, id) {
			t.Fatalf("FR %s = %d lacks the record", path, p.StatusCode)
		}
	}
	if p := ke.get("/property/documents?number=AB123"); p.StatusCode != 400 || !strings.Contains(p.body, `id="purpose-error"`) {
		t.Fatalf("search without purpose = %d", p.StatusCode)
	}

	// The other record types, hidden from Kenya: not found, not listed.
	frP := principal(t, f, "fr.officer")
	deny := record.Meta{Restrictions: policy.Restrictions{DenyCountries: []string{"KE"}}}
	ctx := context.Background()
	v, err := svc.Vehicles.Create(ctx, frP, property.Record[property.Vehicle]{Meta: deny, Data: property.Vehicle{VIN: "1M8GDM9AXKP042788"}})
	must(t, err)
	a, err := svc.Artworks.Create(ctx, frP, property.Record[property.Artwork]{Meta: deny, Data: property.Artwork{Category: "painting", Title: "Hidden"}})
	must(t, err)
	pe, err := svc.Persons.Create(ctx, frP, property.Record[person.Person]{Meta: deny, Data: person.Person{Names: []person.Name{{Full: "Hidden Person"}}}})
	must(t, err)
	for _, c := range []struct{ plural, id, search string }{
		{"vehicles", v.ID, "number=1M8GDM9AXKP042788"}, {"artworks", a.ID, "q=hidden"}, {"persons", pe.ID, "q=hidden+person"},
	} {
		if p := ke.get("/property/" + c.plural + "/" + c.id); p.StatusCode != 404 {
			t.Fatalf("KE %s page = %d", c.plural, p.StatusCode)
		}
		if p := fr.get("/property/" + c.plural + "/" + c.id); p.StatusCode != 200 {
			t.Fatalf("FR %s page = %d", c.plural, p.StatusCode)
		}
		for _, q := range []string{"", "?" + c.search + "&purpose=check"} {
			if p := ke.get("/property/" + c.plural + q); p.StatusCode != 200 || strings.Contains(p.body, c.id) {
				t.Fatalf("KE %s%s = %d shows the record", c.plural, q, p.StatusCode)
			}
			if p := fr.get("/property/" + c.plural + q); p.StatusCode != 200 || !strings.Contains(p.body, c.id) {
				t.Fatalf("FR %s%s = %d lacks the record", c.plural, q, p.StatusCode)
			}
		}
	}

	// Import page: upload, background job, self-refreshing page.
	page := fr.get("/imports")
	if page.StatusCode != 200 || !strings.Contains(page.body, `enctype="multipart/form-data"`) {
		t.Fatalf("import page = %d\n%s", page.StatusCode, page.body)
	}
	file := `{"ref":"U1","number":"U0001","type":"passport","issuing_country":"FR","status":"lost"}
{"ref":"U2","number":"U0002","type":"passport","issuing_country":"KE","status":"lost"}
{"ref":"U3","number":"U0003","type":"visa","issuing_country":"FR","status":"stolen"}
`
	if p := fr.upload("/imports", "", "documents", "up.jsonl", file); p.StatusCode != http.StatusForbidden {
		t.Fatalf("upload without CSRF = %d", p.StatusCode)
	}
	p = fr.upload("/imports", csrfOf(t, page), "documents", "up.jsonl", file)
	loc := p.Header.Get("Location")
	if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/imports/imp_") {
		t.Fatalf("upload = %d %q\n%s", p.StatusCode, loc, p.body)
	}
	svc.Wait()
	job := fr.get(loc)
	if job.StatusCode != 200 || job.Header.Get("Refresh") != "" || !strings.Contains(job.body, `<dd id="count-inserted">2</dd>`) ||
		!strings.Contains(job.body, `<dd id="count-bad">1</dd>`) || !strings.Contains(job.body, "<td>2</td><td><code dir=\"ltr\">issuing_country</code>") {
		t.Fatalf("job page = %d\n%s", job.StatusCode, job.body)
	}
	if p := ke.get(loc); p.StatusCode != 404 {
		t.Fatalf("KE job page = %d", p.StatusCode)
	}
	if p := fr.get("/imports"); !strings.Contains(p.body, loc) {
		t.Fatalf("import list lacks the job")
	}
}
