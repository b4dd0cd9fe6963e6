package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
)

// country returns the stored country cc.
func (f *fixture) country(cc string) member.Country {
	f.t.Helper()
	c, err := f.db.Country(context.Background(), cc)
	must(f.t, err)
	return c
}

// TestHiddenPages checks that the members and audit pages do not exist for
// those who may not use them: every path answers exactly as a path that
// does not exist, nothing changes, and the refusals are audited.
func TestHiddenPages(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	base := f.newClient().base
	admit := url.Values{"alpha2": {"TV"}, "alpha3": {"TUV"}, "name": {"Tuvalu"}, "region": {"asia-south-pacific"}}
	cases := []struct {
		user    string
		members bool // may manage members
		audit   bool // may read the audit log
	}{
		{"fr.admin", false, false},
		{"ke.officer", false, false},
		{"fr.officer", false, false},
		{"auditor", false, true},
		{"sys", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.user, func(t *testing.T) {
			c := f.clientOf(base)
			c.login(f, tc.user)
			missing := c.get("/no/such/page")
			if missing.StatusCode != http.StatusNotFound {
				t.Fatalf("unknown path: %d", missing.StatusCode)
			}
			home := c.get("/")
			if got := strings.Contains(home.body, `href="/members"`); got != tc.members {
				t.Errorf("members link shown: %v, want %v", got, tc.members)
			}
			if got := strings.Contains(home.body, `href="/audit"`); got != tc.audit {
				t.Errorf("audit link shown: %v, want %v", got, tc.audit)
			}
			pages := map[string]page{}
			if !tc.members {
				pages["GET /members"] = c.get("/members")
				pages["GET /members/new"] = c.get("/members/new")
				pages["POST /members"] = c.submit("/", "/members", admit)
				pages["POST /members/KE/suspend"] = c.submit("/", "/members/KE/suspend", nil)
				pages["POST /members/FR/reinstate"] = c.submit("/", "/members/FR/reinstate", nil)
			}
			if !tc.audit {
				pages["GET /audit"] = c.get("/audit?purpose=curious&actor=" + f.users["sys"].ID)
			}
			for name, p := range pages {
				if p.StatusCode != http.StatusNotFound || p.body != missing.body {
					t.Errorf("%s: %d; differs from a path that does not exist:\n%s\n----\n%s", name, p.StatusCode, p.body, missing.body)
				}
				checkHeaders(t, name, p, false)
			}
		})
	}
	if f.country("KE").Status != member.Active {
		t.Error("KE suspended by someone who may not")
	}
	if _, err := f.db.Country(context.Background(), "TV"); !errs.Is(errs.NotFound, err) {
		t.Errorf("TV admitted by someone who may not: %v", err)
	}
	// Four users may not manage members; the form and the admission are
	// both refused as member.admit.
	for action, n := range map[string]int{"member.list": 4, "member.admit": 8, "member.suspend": 4, "member.reinstate": 4} {
		es := f.audit.find(action)
		if len(es) != n {
			t.Errorf("%s: %d entries, want %d", action, len(es), n)
		}
		for _, e := range es {
			if e.Outcome != audit.OutcomeDeny || e.Actor == f.users["sys"].ID {
				t.Errorf("%s: %+v", action, e)
			}
		}
	}
	if es := f.audit.find("member.suspend"); len(es) == 0 || es[0].Target != "country:KE" {
		t.Errorf("suspension refusals: %+v", es)
	}
	qs := f.audit.find("audit.query")
	if len(qs) != 3 {
		t.Fatalf("%d audit.query entries, want 3 (refused)", len(qs))
	}
	for _, e := range qs {
		if e.Outcome != audit.OutcomeDeny || e.Purpose != "curious" || e.Target != "audit" || e.RequestID == "" || e.Detail == "" {
			t.Errorf("refused audit read: %+v", e)
		}
	}
}

func TestMembersList(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "sys")
	p := c.get("/members")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("status %d", p.StatusCode)
	}
	for _, want := range []string{`id="country-FR"`, `id="country-KE"`, "France", "Kenya", "Europe", "Africa",
		`action="/members/KE/suspend"`, `<a href="/members" aria-current="page">`, "2 member countries, 0 of them suspended."} {
		if !strings.Contains(p.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if es := f.audit.find("member.list"); len(es) != 1 || es[0].Outcome != audit.OutcomeOK || es[0].Actor != f.users["sys"].ID {
		t.Errorf("list not audited: %+v", es)
	}
	c.submit("/members", "/lang", url.Values{"l": {"ar"}})
	p = c.get("/members")
	for _, want := range []string{`dir="rtl"`, "كينيا", "فرنسا", "أفريقيا", "أوروبا", "تعليق عضوية كينيا"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("Arabic page lacks %q", want)
		}
	}
}

func TestSuspendCountry(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	sys := f.newClient()
	sys.login(f, "sys")
	ke := f.clientOf(sys.base)
	ke.login(f, "ke.officer")
	fr := f.clientOf(sys.base)
	fr.login(f, "fr.officer")

	p := sys.submit("/members", "/members/KE/suspend", nil)
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/members#country-KE" {
		t.Fatalf("suspend: %d to %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	if f.country("KE").Status != member.Suspended {
		t.Fatal("KE not suspended")
	}
	// The Kenyan officer's session is refused at the next request.
	if p := ke.get("/"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/login?expired=1" {
		t.Errorf("KE session after suspension: %d to %q", p.StatusCode, p.Header.Get("Location"))
	}
	p = ke.submit("/login", "/login", url.Values{"username": {"ke.officer"}, "password": {testPassword}})
	if p.StatusCode != http.StatusUnauthorized || !strings.Contains(p.body, "Your member country is suspended.") {
		t.Errorf("KE login after suspension: %d\n%s", p.StatusCode, p.body)
	}
	if p := fr.get("/"); p.StatusCode != http.StatusOK {
		t.Errorf("FR session: %d", p.StatusCode)
	}
	list := sys.get("/members")
	if !strings.Contains(list.body, `<tr id="country-KE" class="off">`) || !strings.Contains(list.body, `action="/members/KE/reinstate"`) ||
		!strings.Contains(list.body, "2 member countries, 1 of them suspended.") {
		t.Errorf("list after suspension:\n%s", list.body)
	}

	if p := sys.submit("/members", "/members/ke/reinstate", nil); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/members#country-KE" {
		t.Fatalf("reinstate: %d to %q", p.StatusCode, p.Header.Get("Location"))
	}
	if f.country("KE").Status != member.Active {
		t.Fatal("KE not reinstated")
	}
	ke.login(f, "ke.officer")

	for _, path := range []string{"/members/ZZ/suspend", "/members/K1/suspend", "/members/KEN/suspend"} {
		if p := sys.submit("/members", path, nil); p.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, p.StatusCode)
		}
	}
	for action, target := range map[string]string{"member.suspend": "country:KE", "member.reinstate": "country:KE"} {
		es := f.audit.find(action)
		if len(es) == 0 || es[0].Outcome != audit.OutcomeOK || es[0].Actor != f.users["sys"].ID || es[0].Target != target || es[0].RequestID == "" {
			t.Errorf("%s: %+v", action, es)
		}
	}
}

func TestAdmitMember(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "sys")
	if p := c.get("/members/new"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, `<option value="">Choose a region</option>`) {
		t.Fatalf("form: %d", p.StatusCode)
	}
	form := func(edit func(url.Values)) url.Values {
		v := url.Values{"alpha2": {"tv"}, "alpha3": {"TUV"}, "name": {"Tuvalu"}, "region": {"asia-south-pacific"}, "ncb_name": {"NCB Funafuti"}}
		if edit != nil {
			edit(v)
		}
		return v
	}

	t.Run("form errors", func(t *testing.T) {
		cases := []struct {
			name, field, label, msg string
			edit                    func(url.Values)
			status                  int
		}{
			{"alpha-2 with a digit", "alpha2", "Alpha-2 code", "The alpha-2 code must be two letters.", func(v url.Values) { v.Set("alpha2", "T1") }, 422},
			{"alpha-2 too long", "alpha2", "Alpha-2 code", "The alpha-2 code must be two letters.", func(v url.Values) { v.Set("alpha2", "TUV") }, 422},
			{"alpha-3 too short", "alpha3", "Alpha-3 code", "The alpha-3 code must be three letters.", func(v url.Values) { v.Set("alpha3", "TU") }, 422},
			{"no name", "name", "Name in English", "The name must have 1 to 200 characters, without control characters.", func(v url.Values) { v.Set("name", "  ") }, 422},
			{"no region", "region", "Region", "Choose a region from the list.", func(v url.Values) { v.Set("region", "") }, 422},
			{"unknown region", "region", "Region", "Choose a region from the list.", func(v url.Values) { v.Set("region", "antarctica") }, 422},
			{"NCB name with a control character", "ncb_name", "Name of the NCB", "The NCB’s name must have at most 200 characters, without control characters.", func(v url.Values) { v.Set("ncb_name", "NCB\x01") }, 422},
			{"NCB name too long", "ncb_name", "Name of the NCB", "The NCB’s name must have at most 200 characters, without control characters.", func(v url.Values) { v.Set("ncb_name", strings.Repeat("n", 201)) }, 422},
			{"already a member", "alpha2", "Alpha-2 code", "This country is already a member.", func(v url.Values) { v.Set("alpha2", "ke") }, 409},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				v := form(tc.edit)
				p := c.submit("/members/new", "/members", v)
				if p.StatusCode != tc.status {
					t.Fatalf("status %d, want %d\n%s", p.StatusCode, tc.status, p.body)
				}
				if !strings.Contains(p.body, `<p class="field-error" id="`+tc.field+`-error">`+tc.msg+`</p>`) {
					t.Errorf("no error %q at field %s:\n%s", tc.msg, tc.field, p.body)
				}
				if !strings.Contains(p.body, `id="form-error">The form was not accepted. Check the field “`+tc.label+`”.`) {
					t.Error("the summary does not name the field")
				}
				if !strings.Contains(p.body, `id="`+tc.field+`"`) || strings.Count(p.body, `aria-invalid="true"`) != 1 {
					t.Error("the field is not marked invalid, or others are")
				}
				// Entered values are kept.
				for _, k := range []string{"alpha2", "alpha3", "name", "ncb_name"} {
					want := strings.ToUpper(strings.TrimSpace(v.Get(k)))
					if k == "name" || k == "ncb_name" {
						want = strings.TrimSpace(v.Get(k))
					}
					if k != tc.field && !strings.Contains(p.body, `name="`+k+`" value="`+want+`"`) {
						t.Errorf("%s not kept", k)
					}
				}
				if tc.field != "region" && !strings.Contains(p.body, `<option value="asia-south-pacific" selected>`) {
					t.Error("region not kept")
				}
			})
		}
		if _, err := f.db.Country(context.Background(), "TV"); !errs.Is(errs.NotFound, err) {
			t.Errorf("TV stored despite errors: %v", err)
		}
		if _, err := f.db.Org(context.Background(), "ncb-tv"); !errs.Is(errs.NotFound, err) {
			t.Errorf("ncb-tv stored despite errors: %v", err)
		}
		if es := f.audit.find("member.admit"); len(es) != 0 {
			t.Errorf("refused forms audited as admissions: %+v", es)
		}
	})

	t.Run("in French", func(t *testing.T) {
		c.submit("/", "/lang", url.Values{"l": {"fr"}})
		defer c.submit("/", "/lang", url.Values{"l": {"en"}})
		p := c.submit("/members/new", "/members", form(func(v url.Values) { v.Set("alpha3", "T") }))
		if !strings.Contains(p.body, "Le code alpha-3 doit comporter trois lettres.") || !strings.Contains(p.body, "Vérifiez le champ « Code alpha-3 ».") {
			t.Errorf("error not in French:\n%s", p.body)
		}
	})

	t.Run("admitted", func(t *testing.T) {
		p := c.submit("/members/new", "/members", form(nil))
		if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/members#country-TV" {
			t.Fatalf("admit: %d to %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
		}
		tv := f.country("TV")
		if tv.Alpha3 != "TUV" || tv.Name != "Tuvalu" || tv.Region != member.AsiaPacific || tv.Status != member.Active || tv.Joined.IsZero() {
			t.Errorf("stored country: %+v", tv)
		}
		ncb, err := f.db.Org(context.Background(), "ncb-tv")
		if err != nil || ncb.Name != "NCB Funafuti" || ncb.Country != "TV" || ncb.Kind != member.NCB {
			t.Errorf("NCB: %+v, %v", ncb, err)
		}
		if list := c.get("/members"); !strings.Contains(list.body, `id="country-TV"`) || !strings.Contains(list.body, "Tuvalu") {
			t.Error("TV not listed")
		}
		if es := f.audit.find("member.admit"); len(es) != 1 || es[0].Outcome != audit.OutcomeOK || es[0].Target != "country:TV" {
			t.Errorf("audit: %+v", es)
		}
	})
}

func TestMembersCSRF(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "sys")
	token := csrfOf(t, c.get("/members"))
	admit := func(csrf string) url.Values {
		v := url.Values{"alpha2": {"TV"}, "alpha3": {"TUV"}, "name": {"Tuvalu"}, "region": {"asia-south-pacific"}}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		return v
	}
	cases := []struct {
		name, path string
		form       url.Values
		header     http.Header
	}{
		{"suspend without token", "/members/KE/suspend", url.Values{}, nil},
		{"suspend with a wrong token", "/members/KE/suspend", url.Values{"csrf": {flip(token)}}, nil},
		{"suspend from another site", "/members/KE/suspend", url.Values{"csrf": {token}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"admit without token", "/members", admit(""), nil},
		{"admit with a wrong token", "/members", admit(flip(token)), nil},
		{"admit from another site", "/members", admit(token), http.Header{"Origin": {"https://evil.example"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.header = tc.header
			defer func() { c.header = http.Header{} }()
			p := c.post(tc.path, tc.form)
			if p.StatusCode != http.StatusForbidden || !strings.Contains(p.body, "This form expired or came from another site") {
				t.Errorf("status %d\n%s", p.StatusCode, p.body)
			}
		})
	}
	if f.country("KE").Status != member.Active {
		t.Error("KE suspended by a refused form")
	}
	if _, err := f.db.Country(context.Background(), "TV"); !errs.Is(errs.NotFound, err) {
		t.Errorf("TV admitted by a refused form: %v", err)
	}
	for _, a := range []string{"member.suspend", "member.admit"} {
		if es := f.audit.find(a); len(es) != 0 {
			t.Errorf("%s: refused forms reached admin: %+v", a, es)
		}
	}
}
