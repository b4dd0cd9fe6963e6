package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/identity"
)

// checkHeaders fails unless p carries the headers of every browser response.
func checkHeaders(t *testing.T, name string, p page, static bool) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": csp,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	}
	if !static {
		want["Cache-Control"] = "no-store"
	}
	for k, v := range want {
		if got := p.Header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", name, k, got, v)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval"} {
		if strings.Contains(p.Header.Get("Content-Security-Policy"), bad) {
			t.Errorf("%s: CSP allows %s", name, bad)
		}
	}
	if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
		// The CSP forbids inline script and style: the pages must not need them.
		for _, bad := range []string{"<script", "<style", " style=", " on" + "click=", "javascript:"} {
			if strings.Contains(strings.ToLower(p.body), bad) {
				t.Errorf("%s: page holds %q", name, bad)
			}
		}
	}
}

func TestHeadersOnEveryPage(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	anon := f.newClient()
	c := f.clientOf(anon.base)
	c.login(f, "fr.admin")
	ke := f.users["ke.officer"].ID

	req, _ := http.NewRequest(http.MethodPut, c.base+"/users", nil)
	put := c.do(req)
	if put.StatusCode != http.StatusMethodNotAllowed || put.Header.Get("Allow") != "GET, HEAD, POST" {
		t.Errorf("PUT /users: %d, Allow %q", put.StatusCode, put.Header.Get("Allow"))
	}
	checkHeaders(t, "PUT /users", put, false)

	cases := []struct {
		name   string
		p      page
		status int
		static bool
	}{
		{"login page", anon.get("/login"), 200, false},
		{"home, signed out", anon.get("/"), http.StatusSeeOther, false},
		{"unknown path, signed out", anon.get("/nope"), 404, false},
		{"home", c.get("/"), 200, false},
		{"users", c.get("/users"), 200, false},
		{"new user", c.get("/users/new"), 200, false},
		{"unknown path", c.get("/users/x/y"), 404, false},
		{"post-only path", c.get("/logout"), 405, false},
		{"post without token", c.post("/users", url.Values{"username": {"x"}}), 403, false},
		{"post of someone else's user", c.submit("/users", "/users/"+ke+"/disable", nil), 404, false},
		{"style sheet", c.get("/static/polex.css"), 200, true},
		{"icon", c.get("/favicon.ico"), 200, true},
		{"missing asset", c.get("/static/none.js"), 404, true},
	}
	for _, tc := range cases {
		if tc.p.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, tc.p.StatusCode, tc.status)
		}
		checkHeaders(t, tc.name, tc.p, tc.static)
	}
	if got := c.get("/logout").Header.Get("Allow"); got != "POST" {
		t.Errorf("GET /logout: Allow %q, want POST", got)
	}
	css := c.get("/static/polex.css")
	if ct := css.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("style sheet: Content-Type %q", ct)
	}
	for _, rule := range []string{"margin-inline-start", "padding-inline", "inset-inline-start"} {
		if !strings.Contains(css.body, rule) {
			t.Errorf("style sheet does not use %s", rule)
		}
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "fr.admin")
	token := csrfOf(t, c.get("/"))
	newUser := func(username, csrf string) url.Values {
		v := url.Values{"username": {username}, "display_name": {"Jean Dupont"}, "org": {"ncb-fr"},
			"roles": {"officer"}, "clearance": {"official"}, "password": {testPassword}, "language": {"fr"}}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		return v
	}
	target := f.users["fr.officer"]

	t.Run("rejected", func(t *testing.T) {
		cases := []struct {
			name   string
			path   string
			form   url.Values
			header http.Header
		}{
			{"create without token", "/users", newUser("jean.a", ""), nil},
			{"create with a wrong token", "/users", newUser("jean.b", flip(token)), nil},
			{"create with the login token", "/users", newUser("jean.c", c.cookie("polex_csrf")), nil},
			{"create from another site (Origin)", "/users", newUser("jean.d", token), http.Header{"Origin": {"https://evil.example"}}},
			{"create from another site (Sec-Fetch-Site)", "/users", newUser("jean.e", token), http.Header{"Sec-Fetch-Site": {"cross-site"}}},
			{"disable without token", "/users/" + target.ID + "/disable", url.Values{}, nil},
			{"logout without token", "/logout", url.Values{}, nil},
			{"language without token", "/lang", url.Values{"l": {"ar"}}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c.header = tc.header
				defer func() { c.header = http.Header{} }()
				p := c.post(tc.path, tc.form)
				if p.StatusCode != http.StatusForbidden {
					t.Fatalf("status %d, want 403\n%s", p.StatusCode, p.body)
				}
				if !strings.Contains(p.body, "This form expired or came from another site") {
					t.Errorf("no clear explanation in the page:\n%s", p.body)
				}
				checkHeaders(t, tc.name, p, false)
			})
		}
		// Nothing changed.
		for _, u := range []string{"jean.a", "jean.b", "jean.c", "jean.d", "jean.e"} {
			if f.exists(u) {
				t.Errorf("user %s was created", u)
			}
		}
		if f.user("fr.officer").Disabled {
			t.Error("fr.officer was disabled")
		}
		if p := c.get("/"); p.StatusCode != http.StatusOK {
			t.Errorf("session ended by a refused logout: %d", p.StatusCode)
		}
		if p := c.get("/"); !strings.Contains(p.body, `<html lang="en"`) {
			t.Error("language changed by a refused post")
		}
		if n := len(f.audit.find("user.create")); n != 0 {
			t.Errorf("%d user.create entries", n)
		}
	})

	t.Run("login form", func(t *testing.T) {
		anon := f.clientOf(c.base)
		form := url.Values{"username": {"fr.admin"}, "password": {testPassword}}
		before := len(f.audit.find("session.login"))
		// No double-submit cookie at all.
		if p := anon.post("/login", form); p.StatusCode != http.StatusForbidden {
			t.Errorf("login without cookie or token: %d", p.StatusCode)
		}
		// The cookie is set by the login page, but the form lacks the token.
		tok := csrfOf(t, anon.get("/login"))
		if p := anon.post("/login", form); p.StatusCode != http.StatusForbidden {
			t.Errorf("login without token: %d", p.StatusCode)
		}
		form.Set("csrf", flip(tok))
		if p := anon.post("/login", form); p.StatusCode != http.StatusForbidden {
			t.Errorf("login with a wrong token: %d", p.StatusCode)
		}
		if anon.cookie(sessionCookie) != "" {
			t.Error("a session cookie was set")
		}
		if n := len(f.audit.find("session.login")); n != before {
			t.Errorf("refused forms reached the login: %d new entries", n-before)
		}
		form.Set("csrf", tok)
		if p := anon.post("/login", form); p.StatusCode != http.StatusSeeOther {
			t.Errorf("login with the token: %d", p.StatusCode)
		}
	})

	t.Run("same-origin browser post", func(t *testing.T) {
		c.header = http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {c.base}}
		defer func() { c.header = http.Header{} }()
		p := c.post("/users", newUser("jean.ok", token))
		if p.StatusCode != http.StatusCreated {
			t.Fatalf("status %d\n%s", p.StatusCode, p.body)
		}
		if !f.exists("jean.ok") {
			t.Error("user not created")
		}
	})
}

func TestLogin(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()

	t.Run("failures", func(t *testing.T) {
		cases := []struct {
			name, username, password, lang, want string
			status                               int
		}{
			{"wrong password", "fr.admin", "wrong password!", "", "Wrong username, password or code.", 401},
			{"unknown user", "nobody", testPassword, "", "Wrong username, password or code.", 401},
			{"empty", "", "", "", "Wrong username, password or code.", 401},
			{"wrong password, in French", "fr.admin", "wrong password!", "fr", "Identifiant, mot de passe ou code incorrect.", 401},
			{"wrong password, in Arabic", "fr.admin", "wrong password!", "ar", "اسم المستخدم أو كلمة المرور أو الرمز غير صحيح.", 401},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				anon := f.clientOf(c.base)
				if tc.lang != "" {
					anon.header.Set("Accept-Language", tc.lang)
				}
				p := anon.submit("/login", "/login", url.Values{"username": {tc.username}, "password": {tc.password}})
				if p.StatusCode != tc.status {
					t.Errorf("status %d, want %d", p.StatusCode, tc.status)
				}
				if !strings.Contains(p.body, tc.want) {
					t.Errorf("page does not say %q:\n%s", tc.want, p.body)
				}
				for _, internal := range []string{"identity.", "unauthenticated", "sql"} {
					if strings.Contains(p.body, internal) {
						t.Errorf("page shows internal text %q", internal)
					}
				}
				if tc.username != "" && !strings.Contains(p.body, `value="`+tc.username+`"`) {
					t.Error("username not kept")
				}
				if strings.Contains(p.body, tc.password) && tc.password != "" {
					t.Error("password echoed")
				}
				if anon.cookie(sessionCookie) != "" {
					t.Error("session cookie set")
				}
			})
		}
		es := f.audit.find("session.login")
		if len(es) != len(cases) {
			t.Fatalf("%d login entries, want %d", len(es), len(cases))
		}
		for _, e := range es {
			if e.Outcome != audit.OutcomeDeny {
				t.Errorf("outcome %q, want deny: %+v", e.Outcome, e)
			}
		}
		if es[0].Actor != f.users["fr.admin"].ID || es[0].Target != "user:"+f.users["fr.admin"].ID {
			t.Errorf("known user's entry: %+v", es[0])
		}
		if es[1].Actor != "anonymous" || es[1].Target != "username:nobody" {
			t.Errorf("unknown user's entry: %+v", es[1])
		}
	})

	t.Run("success and logout", func(t *testing.T) {
		anon := f.clientOf(c.base)
		p := anon.submit("/login?next=/users", "/login", url.Values{"username": {"FR.Admin "}, "password": {testPassword}, "next": {"/users"}})
		if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/users" {
			t.Fatalf("login: %d to %q", p.StatusCode, p.Header.Get("Location"))
		}
		var sc *http.Cookie
		for _, ck := range p.Cookies() {
			if ck.Name == sessionCookie {
				sc = ck
			}
		}
		if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure {
			t.Fatalf("session cookie: %+v", sc)
		}
		if !strings.HasPrefix(sc.Value, "pxs_") {
			t.Errorf("session cookie value %q", sc.Value)
		}
		last := f.audit.find("session.login")
		if e := last[len(last)-1]; e.Outcome != audit.OutcomeOK || e.Actor != f.users["fr.admin"].ID || e.ActorOrg != "ncb-fr" || e.RequestID == "" {
			t.Errorf("login entry: %+v", e)
		}
		home := anon.get("/")
		for _, want := range []string{"Françoise Admin", "ncb-fr", "France", `id="role-ncb-admin"`, `href="/users"`} {
			if !strings.Contains(home.body, want) {
				t.Errorf("home page lacks %q", want)
			}
		}
		// An open redirect is not possible.
		anon2 := f.clientOf(c.base)
		p = anon2.submit("/login", "/login", url.Values{"username": {"fr.admin"}, "password": {testPassword}, "next": {"//evil.example/x"}})
		if p.Header.Get("Location") != "/" {
			t.Errorf("next=//evil.example: redirected to %q", p.Header.Get("Location"))
		}

		p = anon.submit("/", "/logout", nil)
		if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/login" {
			t.Fatalf("logout: %d to %q", p.StatusCode, p.Header.Get("Location"))
		}
		if n := len(f.audit.find("session.logout")); n != 1 {
			t.Errorf("%d logout entries", n)
		}
		if anon.cookie(sessionCookie) != "" {
			t.Error("session cookie kept after logout")
		}
		// The old secret no longer works, even if a browser kept it.
		old := f.clientOf(c.base)
		u, _ := url.Parse(c.base)
		old.hc.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: sc.Value, Path: "/"}})
		if p := old.get("/users"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/login?expired=1&next=%2Fusers" {
			t.Errorf("ended session: %d to %q", p.StatusCode, p.Header.Get("Location"))
		}
		if p := old.get("/login?expired=1&next=%2Fusers"); !strings.Contains(p.body, "Your session has expired; please sign in again.") ||
			!strings.Contains(p.body, `name="next" value="/users"`) {
			t.Errorf("login page after the session ended:\n%s", p.body)
		}
		// A form of the ended session leads to the login page, and changes nothing.
		old.hc.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: sc.Value, Path: "/"}})
		p = old.post("/lang", url.Values{"l": {"ar"}, "csrf": {"whatever"}})
		if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/login?expired=1" || old.cookie(langCookie) != "" {
			t.Errorf("form of an ended session: %d to %q", p.StatusCode, p.Header.Get("Location"))
		}
	})

	t.Run("unknown session", func(t *testing.T) {
		anon := f.clientOf(c.base)
		u, _ := url.Parse(c.base)
		anon.hc.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "pxs_forged", Path: "/"}})
		p := anon.get("/")
		if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/login?expired=1" {
			t.Errorf("forged session: %d to %q", p.StatusCode, p.Header.Get("Location"))
		}
		if anon.cookie(sessionCookie) != "" {
			t.Error("forged cookie not cleared")
		}
	})

	t.Run("machine account", func(t *testing.T) {
		// A border system signs in with a token, never a password: the page
		// says so, in the visitor's language.
		sp := principal(t, f, "sys")
		_, err := f.adm.CreateUser(t.Context(), sp, adminNewUser("fr.gate", "Gate 1", "ncb-fr", identity.BorderSystem))
		must(t, err)
		anon := f.clientOf(c.base)
		anon.header.Set("Accept-Language", "es-ES,es;q=0.9,en;q=0.5")
		p := anon.submit("/login", "/login", url.Values{"username": {"fr.gate"}, "password": {testPassword}})
		if p.StatusCode != http.StatusUnauthorized || !strings.Contains(p.body, "Las cuentas de máquina se autentican con tokens de API.") {
			t.Errorf("machine login: %d\n%s", p.StatusCode, p.body)
		}
	})
}

func TestLockout(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true, maxFailures: 3})
	c := f.newClient()
	try := func(pw string) page {
		return c.submit("/login", "/login", url.Values{"username": {"ke.admin"}, "password": {pw}})
	}
	for i := 0; i < 2; i++ {
		if p := try("wrong password!"); p.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, p.StatusCode)
		}
	}
	p := try("wrong password!")
	if p.StatusCode != http.StatusTooManyRequests || !strings.Contains(p.body, "Account locked after repeated failures; try again later.") {
		t.Fatalf("third failure: %d\n%s", p.StatusCode, p.body)
	}
	// Locked: even the right password is refused, with the lockout message.
	p = try(testPassword)
	if p.StatusCode != http.StatusTooManyRequests || !strings.Contains(p.body, "Account locked") {
		t.Fatalf("right password while locked: %d", p.StatusCode)
	}
	if c.cookie(sessionCookie) != "" {
		t.Error("session while locked")
	}
	c.header.Set("Accept-Language", "fr")
	if p := try(testPassword); !strings.Contains(p.body, "Compte verrouillé après plusieurs échecs ; réessayez plus tard.") {
		t.Error("lockout message not in French")
	}
	es := f.audit.find("session.login")
	if len(es) != 5 {
		t.Fatalf("%d entries, want 5", len(es))
	}
	for i, e := range es {
		want := "wrong username, password or code"
		if i >= 2 {
			want = "locked"
		}
		if e.Outcome != audit.OutcomeDeny || e.Detail != want {
			t.Errorf("entry %d: %s %q, want deny %q", i, e.Outcome, e.Detail, want)
		}
	}
}

func TestLoginSecondFactor(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	c := f.newClient()
	p := c.get("/login")
	if !strings.Contains(p.body, `autocomplete="one-time-code" aria-describedby="code-hint" dir="ltr" required`) {
		t.Error("code not required outside demo mode")
	}
	if strings.Contains(p.body, "Demo mode") {
		t.Error("demo banner outside demo mode")
	}
	p = c.submit("/login", "/login", url.Values{"username": {"fr.admin"}, "password": {testPassword}})
	if p.StatusCode != http.StatusUnauthorized || !strings.Contains(p.body, "Wrong username, password or code.") {
		t.Errorf("no code: %d", p.StatusCode)
	}
	p = c.submit("/login", "/login", url.Values{"username": {"fr.admin"}, "password": {testPassword}, "code": {"000000"}})
	if p.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong code: %d", p.StatusCode)
	}
	c.login(f, "fr.admin")
}

func TestSecureCookies(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true, secure: true})
	h := f.srv.Handler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://polex.example/login", nil))
	if w.Header().Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != "__Host-polex_csrf" || !cs[0].Secure || !cs[0].HttpOnly || cs[0].Path != "/" {
		t.Fatalf("login cookie: %+v", cs)
	}
	tok := cs[0].Value
	form := url.Values{"csrf": {tok}, "username": {"fr.admin"}, "password": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, "https://polex.example/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cs[0])
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", w.Code, w.Body)
	}
	var session *http.Cookie
	for _, ck := range w.Result().Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", session)
	}
}

func TestHomePerRole(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	base := f.newClient().base
	cases := []struct {
		user       string
		sections   []string
		admin      bool
		wantInPage []string
	}{
		{"sys", []string{"sysadmin"}, true, []string{"System administrator", "None (international body)", "You have no access to the content of records."}},
		{"fr.admin", []string{"ncb-admin"}, true, []string{"NCB administrator", "France"}},
		{"fr.officer", []string{"officer"}, false, []string{"Policier", "Rechercher des notices", "bientôt disponible"}}, // stored language: French
		{"ke.officer", []string{"officer"}, false, []string{"Agente de policía", "Kenia"}},                               // stored language: Spanish
	}
	for _, tc := range cases {
		t.Run(tc.user, func(t *testing.T) {
			c := f.clientOf(base)
			c.login(f, tc.user)
			p := c.get("/")
			for _, r := range identity.Roles {
				want := false
				for _, s := range tc.sections {
					want = want || s == string(r)
				}
				if got := strings.Contains(p.body, `id="role-`+string(r)+`"`); got != want {
					t.Errorf("section %s shown: %v, want %v", r, got, want)
				}
			}
			if got := strings.Contains(p.body, `<a href="/users"`); got != tc.admin {
				t.Errorf("users link: %v, want %v", got, tc.admin)
			}
			for _, w := range tc.wantInPage {
				if !strings.Contains(p.body, w) {
					t.Errorf("home page lacks %q", w)
				}
			}
			if !tc.admin {
				// Not an administrator: the users pages do not exist for them.
				for _, path := range []string{"/users", "/users/new"} {
					if p := c.get(path); p.StatusCode != http.StatusNotFound {
						t.Errorf("%s: %d, want 404", path, p.StatusCode)
					}
				}
				p := c.submit("/", "/users", url.Values{"username": {"x.y"}, "display_name": {"X"}, "org": {"ncb-fr"},
					"roles": {"officer"}, "clearance": {"official"}, "password": {testPassword}})
				if p.StatusCode != http.StatusNotFound && p.StatusCode != http.StatusBadRequest {
					t.Errorf("create as %s: %d", tc.user, p.StatusCode)
				}
				if f.exists("x.y") {
					t.Error("user created by a non-administrator")
				}
			}
		})
	}
}

// TestScope checks that an NCB administrator of France cannot see or
// touch Kenya's users, and learns no more than about things that do not exist.
func TestScope(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "fr.admin")

	list := c.get("/users")
	for _, u := range []string{"fr.admin", "fr.officer"} {
		if !strings.Contains(list.body, `id="user-`+u+`"`) {
			t.Errorf("list lacks %s", u)
		}
	}
	for _, u := range []string{"ke.admin", "ke.officer", "sys"} {
		if strings.Contains(list.body, u) {
			t.Errorf("list shows %s", u)
		}
	}
	if !strings.Contains(list.body, "Users of the organisations of France.") {
		t.Error("scope not stated")
	}
	form := c.get("/users/new")
	if strings.Contains(form.body, "ncb-ke") || strings.Contains(form.body, `value="gs"`) {
		t.Error("the form offers another country's organisation")
	}

	create := func(org string) page {
		return c.submit("/users/new", "/users", url.Values{"username": {"spy"}, "display_name": {"Spy"}, "org": {org},
			"roles": {"officer"}, "clearance": {"official"}, "password": {testPassword}, "language": {"en"}})
	}
	ke, none := create("ncb-ke"), create("ncb-zz")
	if ke.StatusCode != http.StatusBadRequest || ke.body != none.body {
		t.Errorf("org of Kenya: %d; differs from an org that does not exist (%d):\n%s\n----\n%s", ke.StatusCode, none.StatusCode, ke.body, none.body)
	}
	if !strings.Contains(ke.body, "Choose an organisation from the list.") || !strings.Contains(ke.body, `id="org-error"`) {
		t.Errorf("the error does not name the org field:\n%s", ke.body)
	}
	if f.exists("spy") {
		t.Fatal("user created in Kenya")
	}

	keUser := f.users["ke.officer"].ID
	for _, action := range []string{"disable", "enable"} {
		a := c.submit("/users", "/users/"+keUser+"/"+action, nil)
		b := c.submit("/users", "/users/usr_00000000000000000000/"+action, nil)
		if a.StatusCode != http.StatusNotFound || a.body != b.body {
			t.Errorf("%s a Kenyan user: %d; differs from a user that does not exist (%d)", action, a.StatusCode, b.StatusCode)
		}
	}
	if f.user("ke.officer").Disabled {
		t.Error("Kenyan user disabled by France")
	}
	if es := f.audit.find("user.read"); len(es) == 0 || es[len(es)-1].Outcome != audit.OutcomeDeny {
		t.Error("refusal not audited")
	}

	// The system administrator sees everyone.
	sys := f.clientOf(c.base)
	sys.login(f, "sys")
	all := sys.get("/users")
	for _, u := range []string{"sys", "fr.admin", "ke.admin", "ke.officer"} {
		if !strings.Contains(all.body, `id="user-`+u+`"`) {
			t.Errorf("sysadmin's list lacks %s", u)
		}
	}
}

func TestCreateAndDisableUser(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "fr.admin")
	form := func(edit func(url.Values)) url.Values {
		v := url.Values{"username": {"Marie.Curie"}, "display_name": {"Marie Curie"}, "org": {"fr-police"},
			"roles": {"officer", "cyber-expert"}, "clearance": {"restricted"}, "password": {testPassword}, "language": {"fr"}}
		if edit != nil {
			edit(v)
		}
		return v
	}

	t.Run("form errors", func(t *testing.T) {
		cases := []struct {
			name, field, msg string
			edit             func(url.Values)
			status           int
		}{
			{"short password", "password", "The password must have at least 12 characters.", func(v url.Values) { v.Set("password", "short") }, 400},
			{"bad username", "username", "The username may hold only a–z, 0–9, “.”, “-” and “_”.", func(v url.Values) { v.Set("username", "marie curie") }, 400},
			{"no role", "roles", "Choose at least one role.", func(v url.Values) { v.Del("roles") }, 400},
			{"role of the Secretariat", "roles", "One of these roles cannot be held in this organisation.", func(v url.Values) { v.Set("roles", "gs-reviewer") }, 400},
			{"unknown clearance", "clearance", "Choose a clearance level from the list.", func(v url.Values) { v.Set("clearance", "cosmic") }, 400},
			{"unknown language", "language", "Choose English, French, Spanish or Arabic.", func(v url.Values) { v.Set("language", "de") }, 400},
			{"empty name", "display_name", "The full name must have 1 to 200 characters.", func(v url.Values) { v.Set("display_name", " ") }, 400},
			{"username taken", "username", "This username is taken.", func(v url.Values) { v.Set("username", "fr.officer") }, 409},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				v := form(tc.edit)
				p := c.submit("/users/new", "/users", v)
				if p.StatusCode != tc.status {
					t.Fatalf("status %d, want %d\n%s", p.StatusCode, tc.status, p.body)
				}
				if !strings.Contains(p.body, `<p class="field-error" id="`+tc.field+`-error">`+tc.msg+`</p>`) {
					t.Errorf("no error %q at field %s:\n%s", tc.msg, tc.field, p.body)
				}
				if !strings.Contains(p.body, `id="form-error"`) {
					t.Error("no error summary")
				}
				// Entered values are kept, the password is not.
				if v.Get("username") != "" && !strings.Contains(p.body, `value="`+v.Get("username")+`"`) {
					t.Error("username not kept")
				}
				if !strings.Contains(p.body, `<option value="fr-police" selected>`) {
					t.Error("org not kept")
				}
				if tc.field != "roles" && !strings.Contains(p.body, `id="role-cyber-expert" checked`) {
					t.Error("roles not kept")
				}
				if strings.Contains(p.body, testPassword) {
					t.Error("password echoed")
				}
			})
		}
		if f.exists("marie.curie") {
			t.Error("user created despite errors")
		}
	})

	t.Run("in French", func(t *testing.T) {
		c.submit("/", "/lang", url.Values{"l": {"fr"}, "next": {"/users/new"}})
		defer c.submit("/", "/lang", url.Values{"l": {"en"}})
		p := c.submit("/users/new", "/users", form(func(v url.Values) { v.Set("password", "short") }))
		if !strings.Contains(p.body, "Le mot de passe doit comporter au moins 12 caractères.") || !strings.Contains(p.body, "Vérifiez le champ « Mot de passe ».") {
			t.Errorf("error not in French:\n%s", p.body)
		}
	})

	t.Run("created", func(t *testing.T) {
		p := c.submit("/users/new", "/users", form(nil))
		if p.StatusCode != http.StatusCreated {
			t.Fatalf("status %d\n%s", p.StatusCode, p.body)
		}
		u := f.user("marie.curie")
		if u.Org != "fr-police" || u.Country != "FR" || u.Clearance != identity.Restricted || u.Language != "fr" ||
			len(u.Roles) != 2 || u.TOTPSecret == "" {
			t.Errorf("stored user: %+v", u)
		}
		for _, want := range []string{`id="totp-secret" dir="ltr">` + u.TOTPSecret + `<`, "otpauth://totp/Polex:marie.curie?", `src="data:image/png;base64,`, "Marie Curie (marie.curie) can now sign in."} {
			if !strings.Contains(p.body, want) {
				t.Errorf("created page lacks %q", want)
			}
		}
		if p.Header.Get("Cache-Control") != "no-store" {
			t.Error("the secret may be cached")
		}
		if list := c.get("/users"); !strings.Contains(list.body, `id="user-marie.curie"`) {
			t.Error("new user not listed")
		}
		if es := f.audit.find("user.create"); len(es) != 1 || es[0].Actor != f.users["fr.admin"].ID || es[0].Outcome != audit.OutcomeOK {
			t.Errorf("audit: %+v", es)
		}
		// The secret is shown once: it appears nowhere else.
		if list := c.get("/users"); strings.Contains(list.body, u.TOTPSecret) {
			t.Error("secret shown in the list")
		}
	})

	t.Run("disable and enable", func(t *testing.T) {
		id := f.user("marie.curie").ID
		p := c.submit("/users", "/users/"+id+"/disable", nil)
		if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/users" {
			t.Fatalf("disable: %d", p.StatusCode)
		}
		if !f.user("marie.curie").Disabled {
			t.Fatal("not disabled")
		}
		list := c.get("/users")
		if !strings.Contains(list.body, `action="/users/`+id+`/enable"`) {
			t.Error("no enable button")
		}
		c.submit("/users", "/users/"+id+"/enable", nil)
		if f.user("marie.curie").Disabled {
			t.Fatal("not enabled")
		}
		self := f.users["fr.admin"].ID
		if strings.Contains(list.body, `action="/users/`+self+`/disable"`) {
			t.Error("the admin is offered to disable itself")
		}
		p = c.submit("/users", "/users/"+self+"/disable", nil)
		if p.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, "You cannot disable your own account.") {
			t.Errorf("disable self: %d", p.StatusCode)
		}
	})
}

func TestLanguage(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "fr.admin")

	cases := []struct {
		lang, dir, text string
	}{
		{"ar", "rtl", "تسجيل الخروج"},
		{"fr", "ltr", "Se déconnecter"},
		{"es", "ltr", "Cerrar sesión"},
		{"en", "ltr", "Sign out"},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			p := c.submit("/users", "/lang", url.Values{"l": {tc.lang}, "next": {"/users"}})
			if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/users" {
				t.Fatalf("switch: %d to %q", p.StatusCode, p.Header.Get("Location"))
			}
			if c.cookie(langCookie) != tc.lang {
				t.Errorf("cookie %q", c.cookie(langCookie))
			}
			page := c.get("/users")
			if !strings.Contains(page.body, `<html lang="`+tc.lang+`" dir="`+tc.dir+`">`) {
				t.Errorf("html element: %s", page.body[:120])
			}
			if !strings.Contains(page.body, tc.text) {
				t.Errorf("page lacks %q", tc.text)
			}
			if page.Header.Get("Content-Language") != tc.lang {
				t.Errorf("Content-Language %q", page.Header.Get("Content-Language"))
			}
			// Error pages too.
			if p := c.get("/nope"); p.StatusCode != 404 || !strings.Contains(p.body, `dir="`+tc.dir+`"`) || !strings.Contains(p.body, f.srv.cat.T(tc.lang, "error.404.title")) {
				t.Error("404 page not in the language")
			}
		})
	}

	t.Run("defaults", func(t *testing.T) {
		anon := f.clientOf(c.base)
		anon.header.Set("Accept-Language", "de-DE, ar;q=0.8, fr;q=0.5")
		if p := anon.get("/login"); !strings.Contains(p.body, `<html lang="ar" dir="rtl">`) {
			t.Error("Accept-Language not followed")
		}
		// The user's stored language wins over the header.
		anon.login(f, "fr.officer")
		if p := anon.get("/"); !strings.Contains(p.body, `<html lang="fr"`) {
			t.Error("stored language not followed")
		}
		// An explicit choice wins over both.
		anon.submit("/", "/lang", url.Values{"l": {"es"}})
		if p := anon.get("/"); !strings.Contains(p.body, `<html lang="es"`) {
			t.Error("choice not followed")
		}
	})

	t.Run("signed out", func(t *testing.T) {
		anon := f.clientOf(c.base)
		p := anon.submit("/login", "/lang", url.Values{"l": {"ar"}, "next": {"/login"}})
		if p.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", p.StatusCode)
		}
		if p := anon.get("/login"); !strings.Contains(p.body, `dir="rtl"`) || !strings.Contains(p.body, "تسجيل الدخول") {
			t.Error("login page not in Arabic")
		}
	})

	t.Run("unknown language", func(t *testing.T) {
		if p := c.submit("/", "/lang", url.Values{"l": {"xx"}}); p.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d", p.StatusCode)
		}
	})
}

func TestInternalErrorsNotShown(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "fr.admin")
	must(t, f.db.Close())
	p := c.get("/users")
	if p.StatusCode != http.StatusInternalServerError && p.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d", p.StatusCode)
	}
	for _, bad := range []string{"sql", "database", "closed", "identity."} {
		if strings.Contains(strings.ToLower(p.body), bad) {
			t.Errorf("page shows %q", bad)
		}
	}
	if !strings.Contains(p.body, "Something went wrong") && !strings.Contains(p.body, "Service unavailable") {
		t.Error("no error page")
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "level=ERROR") && !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "closed") {
		t.Errorf("error not logged:\n%s", logs)
	}
	// The page gives the reference found in the log.
	i := strings.Index(p.body, "Reference: ")
	if i < 0 {
		t.Fatal("no reference")
	}
	ref := p.body[i+len("Reference: "):]
	ref = ref[:strings.IndexByte(ref, '<')]
	if ref == "" || !strings.Contains(logs, "request_id="+ref) {
		t.Errorf("reference %q not in the log", ref)
	}
}

func TestLoginAuditRequestID(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.header.Set("Accept-Language", "en")
	c.submit("/login", "/login", url.Values{"username": {"fr.admin"}, "password": {"nope nope nope"}})
	es := f.audit.find("session.login")
	if len(es) != 1 || len(es[0].RequestID) != 16 {
		t.Errorf("entry without request ID: %+v", es)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "/",
		"/users":            "/users",
		"/users?x=1":        "/users?x=1",
		"//evil.example":    "/",
		"/\\evil.example":   "/",
		"https://evil.test": "/",
		"users":             "/",
		"/a\r\nb":           "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "en",
		"fr":                        "fr",
		"fr-CA,fr;q=0.9":            "fr",
		"de,es;q=0.5":               "es",
		"es;q=0.2, ar;q=0.9":        "ar",
		"AR-EG":                     "ar",
		"de":                        "en",
		"fr;q=x, es":                "es",
		"fr;q=0":                    "en",
		"*":                         "en",
		"en-GB,en;q=0.9,fr;q=0.8":   "en",
		"zh, fr;q=0.1, es;q=0.1000": "fr",
	} {
		if got := acceptLanguage(in); got != want {
			t.Errorf("acceptLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}

// flip returns tok with its first character changed.
func flip(tok string) string {
	if tok[0] == 'A' {
		return "B" + tok[1:]
	}
	return "A" + tok[1:]
}
