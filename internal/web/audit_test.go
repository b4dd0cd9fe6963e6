package web

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
)

// rowsOf returns the seq of every entry row of an audit page.
func rowsOf(t *testing.T, p page) []int64 {
	t.Helper()
	var out []int64
	for _, m := range regexp.MustCompile(`<tr id="entry-(\d+)">`).FindAllStringSubmatch(p.body, -1) {
		n, err := strconv.ParseInt(m[1], 10, 64)
		must(t, err)
		out = append(out, n)
	}
	return out
}

func TestAuditPage(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	for _, u := range []string{"fr.admin", "ke.admin", "fr.admin"} {
		f.clientOf(c.base).login(f, u)
	}
	c.login(f, "auditor")
	frAdmin := f.users["fr.admin"].ID

	t.Run("filtered by actor", func(t *testing.T) {
		p := c.get("/audit?" + url.Values{"actor": {frAdmin}, "purpose": {"Quarterly review"}}.Encode())
		if p.StatusCode != http.StatusOK {
			t.Fatalf("status %d\n%s", p.StatusCode, p.body)
		}
		want, err := f.audit.Query(t.Context(), audit.Filter{Actor: frAdmin})
		must(t, err)
		got := rowsOf(t, p)
		if len(got) != len(want) || len(got) != 2 { // signed in twice
			t.Fatalf("rows %v, want the %d entries of %s", got, len(want), frAdmin)
		}
		for i, e := range want {
			if got[i] != e.Seq {
				t.Errorf("row %d: seq %d, want %d", i, got[i], e.Seq)
			}
		}
		if strings.Contains(p.body, "<code dir=\"ltr\">"+f.users["ke.admin"].ID+"<") {
			t.Error("another actor's entry is shown")
		}
		last := want[len(want)-1]
		for _, s := range []string{`value="` + frAdmin + `"`, `value="Quarterly review"`, last.Time.UTC().Format("2006-01-02 15:04:05"),
			"session.login", "ncb-fr", last.RequestID, `<span class="badge on">Done</span>`, `<a href="/audit" aria-current="page">`} {
			if !strings.Contains(p.body, s) {
				t.Errorf("page lacks %q", s)
			}
		}
		if strings.Contains(p.body, `id="next-page"`) || strings.Contains(p.body, `id="first-page"`) {
			t.Error("pager on a single page")
		}
	})

	t.Run("the view is logged", func(t *testing.T) {
		before := len(f.audit.find("audit.query"))
		p := c.get("/audit?action=session.login&purpose=" + url.QueryEscape("Complaint 42"))
		qs := f.audit.find("audit.query")
		if len(qs) != before+1 {
			t.Fatalf("%d new audit.query entries", len(qs)-before)
		}
		e := qs[len(qs)-1]
		if e.Actor != f.users["auditor"].ID || e.ActorOrg != "ccf" || e.Outcome != audit.OutcomeAllow || e.Purpose != "Complaint 42" ||
			e.Target != "audit" || e.RequestID == "" {
			t.Errorf("entry: %+v", e)
		}
		// Appended before the log was read: the checkpoint shown covers it.
		m := regexp.MustCompile(`id="checkpoint-size">(\d+)<`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no checkpoint:\n%s", p.body)
		}
		size, _ := strconv.ParseInt(m[1], 10, 64)
		if size <= e.Seq {
			t.Errorf("checkpoint of size %d does not cover the view (seq %d)", size, e.Seq)
		}
		cp, err := f.audit.Checkpoint(t.Context(), size)
		must(t, err)
		m = regexp.MustCompile(`id="checkpoint-root">([^<]+)<`).FindStringSubmatch(p.body)
		if m == nil || html.UnescapeString(m[1]) != base64.StdEncoding.EncodeToString(cp.Root[:]) {
			t.Errorf("root shown %q, want %s", m, base64.StdEncoding.EncodeToString(cp.Root[:]))
		}
		for _, seq := range rowsOf(t, p) {
			if seq == e.Seq {
				t.Error("the filter on action does not hold")
			}
		}
		// Without a filter, the view is among the entries.
		all := c.get("/audit?start=" + strconv.FormatInt(e.Seq+1, 10))
		seqs := rowsOf(t, all)
		if len(seqs) != 1 || !strings.Contains(all.body, "audit.query") {
			t.Errorf("entries after the view: %v", seqs)
		}
	})

	t.Run("paging", func(t *testing.T) {
		f.srv.auditPage = 2
		defer func() { f.srv.auditPage = audit.DefaultLimit }()
		want := f.audit.find("session.login")
		if len(want) != 4 {
			t.Fatalf("%d logins", len(want))
		}
		q := url.Values{"action": {"session.login"}, "purpose": {"paging"}}
		p := c.get("/audit?" + q.Encode())
		if got := rowsOf(t, p); len(got) != 2 || got[0] != want[0].Seq || got[1] != want[1].Seq {
			t.Fatalf("first page: %v", got)
		}
		m := regexp.MustCompile(`href="([^"]+)" id="next-page"`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("no next link")
		}
		next := html.UnescapeString(m[1])
		u, err := url.Parse(next)
		must(t, err)
		if u.Path != "/audit" || u.Query().Get("start") != strconv.FormatInt(want[1].Seq+1, 10) ||
			u.Query().Get("action") != "session.login" || u.Query().Get("purpose") != "paging" {
			t.Errorf("next link %q", next)
		}
		p = c.get(next)
		if got := rowsOf(t, p); len(got) != 2 || got[0] != want[2].Seq || got[1] != want[3].Seq {
			t.Fatalf("second page: %v", got)
		}
		if !strings.Contains(p.body, `id="first-page"`) {
			t.Error("no link to the first page")
		}
		// The last page is full, so one more, empty, follows.
		m = regexp.MustCompile(`href="([^"]+)" id="next-page"`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("no next link after a full page")
		}
		if p := c.get(html.UnescapeString(m[1])); len(rowsOf(t, p)) != 0 || !strings.Contains(p.body, `id="no-entries"`) || strings.Contains(p.body, `id="next-page"`) {
			t.Error("empty last page")
		}
		if es := f.audit.find("audit.query"); es[len(es)-1].Purpose != "paging" {
			t.Error("the purpose is not carried to the next pages")
		}
	})

	t.Run("times in UTC", func(t *testing.T) {
		now := time.Now().UTC()
		in := url.Values{"action": {"session.login"}, "from": {now.Add(-time.Hour).Format("2006-01-02T15:04")}, "to": {now.Add(time.Hour).Format("2006-01-02T15:04:05")}}
		if p := c.get("/audit?" + in.Encode()); p.StatusCode != 200 || len(rowsOf(t, p)) != 4 {
			t.Errorf("within the hour: %d, %d rows", p.StatusCode, len(rowsOf(t, p)))
		}
		out := url.Values{"from": {now.Add(time.Hour).Format("2006-01-02T15:04")}}
		if p := c.get("/audit?" + out.Encode()); p.StatusCode != 200 || len(rowsOf(t, p)) != 0 || !strings.Contains(p.body, "No entry matches this search.") {
			t.Errorf("from an hour later: %d, %d rows", p.StatusCode, len(rowsOf(t, p)))
		}
	})

	t.Run("bad filters", func(t *testing.T) {
		cases := []struct {
			name, field, label, msg string
			q                       url.Values
		}{
			{"malformed from", "from", "From (UTC)", "Enter a date and time such as 2025-03-31T14:30 (UTC).", url.Values{"from": {"31/03/2025"}}},
			{"impossible date", "to", "To (UTC)", "Enter a date and time such as 2025-03-31T14:30 (UTC).", url.Values{"to": {"2025-02-30T10:00"}}},
			{"before 1970", "from", "From (UTC)", "Enter a date between 1970 and 2261.", url.Values{"from": {"1969-12-31T23:59"}}},
			{"after 2261", "to", "To (UTC)", "Enter a date between 1970 and 2261.", url.Values{"to": {"9999-01-01T00:00"}}},
			{"to before from", "to", "To (UTC)", "“To” must be later than “From”.", url.Values{"from": {"2025-03-31T14:30"}, "to": {"2025-03-31T14:00"}}},
			{"to equal to from", "to", "To (UTC)", "“To” must be later than “From”.", url.Values{"from": {"2025-03-31T14:30"}, "to": {"2025-03-31T14:30:00"}}},
			{"negative start", "start", "From entry no.", "Enter a whole number, 0 or more.", url.Values{"start": {"-1"}}},
			{"start not a number", "start", "From entry no.", "Enter a whole number, 0 or more.", url.Values{"start": {"ten"}}},
			{"actor too long", "actor", "Actor (user ID)", "Too long: at most 256 bytes.", url.Values{"actor": {strings.Repeat("a", 257)}}},
			{"action not UTF-8", "action", "Action", "The input is not valid.", url.Values{"action": {"user.\xff"}}},
			{"purpose on two lines", "purpose", "Purpose", "The purpose must be one line of at most 1024 bytes.", url.Values{"purpose": {"one\ntwo"}}},
			{"purpose too long", "purpose", "Purpose", "The purpose must be one line of at most 1024 bytes.", url.Values{"purpose": {strings.Repeat("p", 1025)}}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := len(f.audit.find("audit.query"))
				p := c.get("/audit?" + tc.q.Encode())
				if p.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422\n%s", p.StatusCode, p.body)
				}
				if !strings.Contains(p.body, `<p class="field-error" id="`+tc.field+`-error">`+html.EscapeString(tc.msg)+`</p>`) {
					t.Errorf("no error %q at field %s:\n%s", tc.msg, tc.field, p.body)
				}
				if !strings.Contains(p.body, "Check the field “"+html.EscapeString(tc.label)+"”.") {
					t.Error("the summary does not name the field")
				}
				if strings.Contains(p.body, `id="entries"`) || strings.Contains(p.body, `id="no-entries"`) {
					t.Error("entries shown for a bad filter")
				}
				if v := tc.q.Get(tc.field); len(v) < 100 && !strings.ContainsAny(v, "\n\xff") && !strings.Contains(p.body, `value="`+html.EscapeString(v)+`"`) {
					t.Error("entered value not kept")
				}
				// Logged as the API logs it: allowed, then the filter refused.
				qs := f.audit.find("audit.query")
				if len(qs) != before+1 || qs[len(qs)-1].Outcome != audit.OutcomeAllow {
					t.Errorf("view not logged")
				}
			})
		}
		// The purpose is logged fit for the log.
		qs := f.audit.find("audit.query")
		if got := qs[len(qs)-1].Purpose; len(got) != audit.MaxPurpose {
			t.Errorf("logged purpose of %d bytes", len(got))
		}
	})

	t.Run("in Arabic", func(t *testing.T) {
		c.submit("/audit", "/lang", url.Values{"l": {"ar"}})
		defer c.submit("/", "/lang", url.Values{"l": {"en"}})
		p := c.get("/audit?" + url.Values{"from": {"2025-03-31T14:30"}, "to": {"2025-03-31T14:00"}}.Encode())
		if p.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(p.body, `dir="rtl"`) ||
			!strings.Contains(p.body, "يجب أن يكون تاريخ «إلى» لاحقًا لتاريخ «من».") || !strings.Contains(p.body, "تحقَّق من الحقل «إلى (بالتوقيت العالمي UTC)».") {
			t.Errorf("Arabic page: %d\n%s", p.StatusCode, p.body)
		}
		if p := c.get("/audit"); !strings.Contains(p.body, "مسموح") || !strings.Contains(p.body, "آخر نقطة تحقق موقَّعة") {
			t.Error("entries not in Arabic")
		}
	})

	t.Run("a link from another site", func(t *testing.T) {
		c.header = http.Header{"Sec-Fetch-Site": {"cross-site"}}
		defer func() { c.header = http.Header{} }()
		p := c.get("/audit?purpose=" + url.QueryEscape("planted by evil.example") + "&actor=x")
		if p.StatusCode != http.StatusOK || strings.Contains(p.body, `value="planted`) || strings.Contains(p.body, `name="actor" value="x"`) {
			t.Errorf("status %d; the query was used", p.StatusCode)
		}
		qs := f.audit.find("audit.query")
		if e := qs[len(qs)-1]; e.Purpose != "" || e.Outcome != audit.OutcomeAllow {
			t.Errorf("logged %+v", e)
		}
	})

	t.Run("sysadmin", func(t *testing.T) {
		sys := f.clientOf(c.base)
		sys.login(f, "sys")
		if p := sys.get("/audit?action=member.list"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, `id="audit-form"`) {
			t.Errorf("sysadmin: %d", p.StatusCode)
		}
	})
}

// TestAuditNoCheckpoint checks the page of a log that has signed no
// checkpoint yet.
func TestAuditNoCheckpoint(t *testing.T) {
	f := newFixture(t, fixtureOpts{demo: true})
	c := f.newClient()
	c.login(f, "auditor")
	f.srv.d.AuditReader = unsigned{f.audit.Log}
	p := c.get("/audit")
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, `id="checkpoint-none">No checkpoint has been signed yet.<`) ||
		len(rowsOf(t, p)) == 0 {
		t.Errorf("status %d\n%s", p.StatusCode, p.body)
	}
}

// unsigned reads a log as if no checkpoint had been signed yet.
type unsigned struct{ *audit.Log }

func (unsigned) LatestCheckpoint(context.Context) (audit.Checkpoint, error) {
	return audit.Checkpoint{}, errs.E("test.LatestCheckpoint", errs.NotFound)
}
