package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNoticeFormErrors checks that a refused notice form, search or
// action says what is wrong in the reader's language, for the service's
// own refusals (a required field, a malformed date, a deny list naming
// the owner, a stale version) and for those of the person and policy
// packages (a birth date, a country code), while the API keeps the
// service's English message.
func TestNoticeFormErrors(t *testing.T) {
	a, srv := demoServer(t)
	fr := signIn(t, srv.URL, "fr.officer")
	base, _ := url.Parse(srv.URL)
	red := func(change func(url.Values)) url.Values {
		v := url.Values{"type": {"red"}, "offence": {"Fraud"}, "legal_basis": {"Code pénal 313-1"}, "warrant_ref": {"MA-2026-9"},
			"judicial_authority": {"Tribunal de Lyon"}, "penalty": {"5 ans"}, "name_full": {"Jean Forme"}, "classification": {"0"}}
		change(v)
		return v
	}
	cases := []struct {
		name, lang, field string
		form              url.Values
		want              string
	}{
		{"required", "es", "warrant_ref", red(func(v url.Values) { v.Set("warrant_ref", "") }), "Este campo es obligatorio."},
		{"required", "ar", "warrant_ref", red(func(v url.Values) { v.Set("warrant_ref", "") }), "هذا الحقل إلزامي."},
		{"birth date", "fr", "birth_date", red(func(v url.Values) { v.Set("birth_date", "21/04/1990") }),
			"Indiquez la date de naissance sous la forme AAAA, AAAA-MM ou AAAA-MM-JJ ; elle ne peut pas être dans le futur."},
		{"birth date", "en", "birth_date", red(func(v url.Values) { v.Set("birth_date", "21/04/1990") }),
			"Give the birth date as YYYY, YYYY-MM or YYYY-MM-DD; it cannot be in the future."},
		{"own country denied", "es", "deny_countries", red(func(v url.Values) { v.Set("deny_countries", "KE, FR") }),
			"Su propio país no puede figurar en la lista de exclusión de la notificación."},
		{"country code", "ar", "nationalities", red(func(v url.Values) { v.Set("nationalities", "FRANCE") }),
			"أدخِل رموز بلدان وفق المعيار ISO 3166-1 alpha-2 مثل FR أو KE، بحد أقصى 50."},
		{"date of a yellow notice", "fr", "disappeared_on", url.Values{"type": {"yellow"}, "disappeared_on": {"hier"}, "disappeared_at": {"Lyon"},
			"name_full": {"Anne Perdue"}, "classification": {"0"}}, "Indiquez une date au format AAAA-MM-JJ."},
		{"extract without fields", "en", "extract_agreed", red(func(v url.Values) { v.Set("extract_agreed", "on") }),
			"Tick the fields that the public extract may show."},
	}
	for _, c := range cases {
		fr.c.Jar.SetCookies(base, []*http.Cookie{{Name: "polex_lang", Value: c.lang, Path: "/"}})
		st, page := fr.post("/notices", c.form)
		if st != 400 || !strings.Contains(page, `id="`+c.field+`-error"`) || !strings.Contains(page, c.want) {
			t.Errorf("%s (%s): %d, error under %s: %v, text: %v", c.name, c.lang, st, c.field,
				strings.Contains(page, `id="`+c.field+`-error"`), strings.Contains(page, c.want))
		}
		if c.lang != "en" && strings.Contains(page, `<span dir="ltr" lang="en">`) {
			t.Errorf("%s (%s): the page falls back to the English message", c.name, c.lang)
		}
	}

	// A stale version, on the edit form, in Spanish.
	fr.c.Jar.SetCookies(base, []*http.Cookie{{Name: "polex_lang", Value: "es", Path: "/"}})
	var draft string
	a.DB.SQL.QueryRow(`SELECT id FROM notices WHERE ref = 'FR-DEMO-PUR-1'`).Scan(&draft)
	form := url.Values{"type": {"purple"}, "ref": {"FR-DEMO-PUR-1"}, "modus_operandi": {"Crates."}, "classification": {"0"}, "version": {"999"}}
	if st, page := fr.post("/notices/"+draft, form); st != 400 || !strings.Contains(page, "La notificación cambió desde que abrió esta página") {
		t.Errorf("stale version: %d", st)
	}
	// An action refused for the notice's status, in Arabic.
	fr.c.Jar.SetCookies(base, []*http.Cookie{{Name: "polex_lang", Value: "ar", Path: "/"}})
	var published string
	a.DB.SQL.QueryRow(`SELECT id FROM notices WHERE ref = 'FR-DEMO-RED-1'`).Scan(&published)
	if st, page := fr.post("/notices/"+published+"/submit", url.Values{}); st != 400 || !strings.Contains(page, "لا تسمح الحالة الراهنة للنشرة بذلك") {
		t.Errorf("submit a published notice: %d", st)
	}
	// The public search, without login, in Spanish and Arabic.
	anon := signIn(t, srv.URL, "")
	anon.c.Jar.SetCookies(base, []*http.Cookie{{Name: "polex_lang", Value: "es", Path: "/"}})
	if st, page := anon.get("/public/notices?age_min=viejo"); st != 400 || !strings.Contains(page, "Revise el campo «Edad desde».") ||
		!strings.Contains(page, "Una edad es un número entero de 0 a 150.") {
		t.Errorf("public search with a bad age: %d", st)
	}
	anon.c.Jar.SetCookies(base, []*http.Cookie{{Name: "polex_lang", Value: "ar", Path: "/"}})
	if st, page := anon.get("/public/notices?nationality=F1"); st != 400 || !strings.Contains(page, "أدخِل رمز بلد وفق المعيار ISO 3166-1 alpha-2، مثل FR.") {
		t.Errorf("public search with a bad nationality: %d", st)
	}
	// A search without its purpose, in French.
	fr.c.Jar.SetCookies(base, []*http.Cookie{{Name: "polex_lang", Value: "fr", Path: "/"}})
	if st, page := fr.get("/notices?name=pereira"); st != 400 || !strings.Contains(page, "Indiquez le motif de cette recherche") {
		t.Errorf("search without purpose: %d", st)
	}
}
