package diffusion_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// world is a diffusion service over a real database holding the 196
// member countries, with the real audit log.
type world struct {
	t   testing.TB
	db  *sqldb.DB
	log *audit.Log
	svc *diffusion.Service
}

func newWorld(t testing.TB, db *sqldb.DB) *world {
	t.Helper()
	ctx := context.Background()
	ms, err := member.Members()
	must(t, err)
	for _, c := range ms {
		c.Joined = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
		must(t, db.PutCountry(ctx, c))
	}
	key, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), audit.KeyFile))
	must(t, err)
	log := audit.NewLog(db, key.Signer, audit.Options{CheckpointInterval: -1})
	t.Cleanup(func() { _ = log.Close(context.Background()) })
	return &world{t: t, db: db, log: log, svc: diffusion.New(db, db, log)}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// national returns a principal of country cc's NCB with role.
func national(cc string, role identity.Role) identity.Principal {
	r, _ := member.RegionOf(cc)
	return identity.Principal{User: identity.User{ID: "usr_" + strings.ToLower(cc) + "_" + string(role), Org: member.NCBID(cc),
		Country: cc, Roles: []identity.Role{role}, Clearance: identity.Restricted}, OrgKind: string(member.NCB), Region: string(r), Via: "cli"}
}

func reviewer() identity.Principal {
	return identity.Principal{User: identity.User{ID: "usr_reviewer", Org: member.SecretariatID, Roles: []identity.Role{identity.GSReviewer},
		Clearance: identity.Confidential}, OrgKind: string(member.Secretariat), Via: "cli"}
}

func auditor() identity.Principal {
	return identity.Principal{User: identity.User{ID: "usr_auditor", Org: member.OversightID, Roles: []identity.Role{identity.Auditor},
		Clearance: identity.Confidential}, OrgKind: string(member.Oversight), Via: "cli"}
}

const secretText = "The suspect drives a blue van with plates AB-123-CD"

// draft is a wanted diffusion to Europe and Kenya that denies Germany.
func draft() diffusion.Draft {
	return diffusion.Draft{
		Meta:    record.Meta{Ref: "FR-1", Classification: identity.Official, Restrictions: policy.Restrictions{DenyCountries: []string{"DE"}}},
		Kind:    diffusion.Wanted,
		Urgency: diffusion.Urgent, Regions: []member.Region{member.Europe}, Countries: []string{"KE"},
		Content: diffusion.Content{Subject: "Armed robbery in Lyon", Text: secretText, LegalBasis: "Warrant 2026/1",
			Person: &person.Person{Names: []person.Name{{Full: "Marc DURAND"}}, BirthDates: []person.Date{"1988-04"}}},
	}
}

// events returns the inbox events of org.
func (w *world) events(org string) []notify.Event {
	w.t.Helper()
	rows, err := w.db.SQL.Query(`SELECT org, type, subject, title, data FROM events WHERE org = $1 ORDER BY seq`, org)
	must(w.t, err)
	defer rows.Close()
	var out []notify.Event
	for rows.Next() {
		var e notify.Event
		var data string
		must(w.t, rows.Scan(&e.Org, &e.Type, &e.Subject, &e.Title, &data))
		e.Data = []byte(data)
		out = append(out, e)
	}
	must(w.t, rows.Err())
	return out
}

// audits returns the audit entries with action.
func (w *world) audits(action string) []audit.Entry {
	w.t.Helper()
	es, err := w.log.Query(context.Background(), audit.Filter{Action: action, Limit: audit.MaxLimit})
	must(w.t, err)
	return es
}

// export returns what p exports, or the refusal.
func (w *world) export(p identity.Principal, purpose string) ([]diffusion.Diffusion, error) {
	seq, err := w.svc.Export(context.Background(), p, purpose)
	if err != nil {
		return nil, err
	}
	var out []diffusion.Diffusion
	for d, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

func wantKind(t *testing.T, what string, err error, k errs.Kind) {
	t.Helper()
	if errs.KindOf(err) != k {
		t.Fatalf("%s: got %v, want kind %s", what, err, k)
	}
}

func TestSendResolvesRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		fr := national("FR", identity.Officer)
		d, err := w.svc.Send(ctx, fr, draft())
		must(t, err)

		var europe []string
		ms, _ := member.Members()
		for _, c := range ms {
			if c.Region == member.Europe && c.Alpha2 != "FR" && c.Alpha2 != "DE" {
				europe = append(europe, c.Alpha2)
			}
		}
		want := slices.Sorted(slices.Values(append(europe, "KE")))
		if got := d.Recipients(); !slices.Equal(got, want) {
			t.Fatalf("recipients = %v\nwant %v", got, want)
		}
		if slices.Contains(d.Recipients(), "FR") || slices.Contains(d.Recipients(), "DE") {
			t.Fatal("the sender or a denied country is a recipient")
		}
		stored, err := db.Diffusion(ctx, d.ID)
		must(t, err)
		if len(stored.Copies) != len(want) || stored.Owner != "FR" || stored.OwnerOrg != fr.User.Org || stored.Text != secretText ||
			stored.Person == nil || stored.Person.Primary() != "Marc DURAND" || stored.Review != diffusion.Pending {
			t.Fatalf("stored = %+v", stored)
		}
		for _, c := range stored.Copies {
			if c.State != diffusion.Delivered || c.DeliveredAt.IsZero() {
				t.Fatalf("copy %+v", c)
			}
		}
		// One inbox event per recipient NCB, none for the sender or the denied country.
		for _, cc := range []string{"KE", "IT", "BE"} {
			evs := w.events(member.NCBID(cc))
			if len(evs) != 1 || evs[0].Type != notify.DiffusionReceived || evs[0].Subject != "diffusion:"+d.ID || strings.Contains(evs[0].Title+string(evs[0].Data), secretText) {
				t.Fatalf("events of %s: %+v", cc, evs)
			}
		}
		for _, cc := range []string{"DE", "FR", "JP"} {
			if evs := w.events(member.NCBID(cc)); len(evs) != 0 {
				t.Fatalf("events of %s: %+v", cc, evs)
			}
		}
		if es := w.audits("diffusion.send"); len(es) != 1 || es[0].Outcome != audit.OutcomeAllow || es[0].Target != "diffusion:"+d.ID {
			t.Fatalf("send audit: %+v", es)
		}
	})
}

func TestSendInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		fr := national("FR", identity.Officer)
		for _, c := range []struct {
			name, field string
			edit        func(*diffusion.Draft)
		}{
			{"no kind", "kind", func(d *diffusion.Draft) { d.Kind = "" }},
			{"bad urgency", "urgency", func(d *diffusion.Draft) { d.Urgency = "soon" }},
			{"no subject", "subject", func(d *diffusion.Draft) { d.Subject = "  " }},
			{"subject on two lines", "subject", func(d *diffusion.Draft) { d.Subject = "a\nb" }},
			{"no text", "text", func(d *diffusion.Draft) { d.Text = "" }},
			{"wanted without legal basis", "legal_basis", func(d *diffusion.Draft) { d.LegalBasis = "" }},
			{"nobody", "countries", func(d *diffusion.Draft) { d.Regions, d.Countries = nil, nil }},
			{"bad country", "countries[1]", func(d *diffusion.Draft) { d.Countries = []string{"KE", "X1"} }},
			{"not a member", "countries[0]", func(d *diffusion.Draft) { d.Countries = []string{"AQ"} }},
			{"denied country picked", "countries[1]", func(d *diffusion.Draft) { d.Countries = []string{"KE", "DE"} }},
			{"only the sender", "countries", func(d *diffusion.Draft) { d.Regions, d.Countries = nil, []string{"FR"} }},
			{"bad region", "regions[0]", func(d *diffusion.Draft) { d.Regions = []member.Region{"atlantis"} }},
			{"bad person", "person.names[0].full", func(d *diffusion.Draft) { d.Person.Names[0].Full = "" }},
			{"bad birth date", "person.birth_dates[0]", func(d *diffusion.Draft) { d.Person.BirthDates = []person.Date{"1988-13"} }},
			{"allow list", "restrictions.allow_countries", func(d *diffusion.Draft) { d.Meta.Restrictions.AllowCountries = []string{"KE"} }},
			{"bad handling", "handling", func(d *diffusion.Draft) { d.Meta.Handling = "H9" }},
			{"above clearance", "classification", func(d *diffusion.Draft) { d.Meta.Classification = identity.Confidential }},
		} {
			t.Run(c.name, func(t *testing.T) {
				d := draft()
				c.edit(&d)
				_, err := w.svc.Send(ctx, fr, d)
				if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != c.field {
					t.Fatalf("got %v (field %q), want invalid %s", err, errs.FieldOf(err), c.field)
				}
			})
		}
		ds, err := db.Diffusions(ctx, diffusion.Filter{})
		must(t, err)
		var events int
		must(t, db.SQL.QueryRow(`SELECT count(*) FROM events`).Scan(&events))
		if len(ds) != 0 || events != 0 {
			t.Fatalf("refused input stored %d diffusions and %d events", len(ds), events)
		}
		// A reference is used once per sender country.
		_, err = w.svc.Send(ctx, fr, draft())
		must(t, err)
		_, err = w.svc.Send(ctx, national("FR", identity.NCBAdmin), draft())
		if !errs.Is(errs.Conflict, err) || errs.FieldOf(err) != "ref" || strings.Contains(errs.Message(err), "SQL") {
			t.Fatalf("reused reference: %v", err)
		}
		if _, err := w.svc.Send(ctx, national("KE", identity.Officer), draft()); err != nil {
			t.Fatalf("another country's same reference: %v", err)
		}
		// Neither the General Secretariat nor a border system sends.
		_, err = w.svc.Send(ctx, reviewer(), draft())
		wantKind(t, "reviewer sends", err, errs.Permission)
		_, err = w.svc.Send(ctx, national("FR", identity.BorderSystem), draft())
		wantKind(t, "border system sends", err, errs.Private)
	})
}

// TestWhoSees checks who reads, lists and exports a diffusion: the sender,
// the recipients (their own copy only), reviewers through review, the
// oversight body; a country on the deny list and any other country get
// exactly what a missing diffusion gets.
func TestWhoSees(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		fr, ke, de, jp := national("FR", identity.Officer), national("KE", identity.Officer), national("DE", identity.Officer), national("JP", identity.NCBAdmin)
		d, err := w.svc.Send(ctx, fr, draft())
		must(t, err)

		got, err := w.svc.Get(ctx, fr, d.ID)
		must(t, err)
		if got.Text != secretText || len(got.Copies) != len(d.Copies) {
			t.Fatalf("sender reads %+v", got)
		}
		got, err = w.svc.Get(ctx, ke, d.ID)
		must(t, err)
		if got.Text != secretText || len(got.Copies) != 1 || got.Copies[0].Country != "KE" {
			t.Fatalf("recipient reads %+v", got.Copies)
		}
		for _, p := range []identity.Principal{reviewer(), auditor()} {
			if got, err := w.svc.Get(ctx, p, d.ID); err != nil || got.Text != secretText {
				t.Fatalf("%s reads: %v", p.User.ID, err)
			}
		}
		_, missing := w.svc.Get(ctx, fr, "dif_doesnotexist")
		wantKind(t, "missing", missing, errs.Private)
		for _, p := range []identity.Principal{de, jp, national("DE", identity.NCBAdmin)} {
			_, err := w.svc.Get(ctx, p, d.ID)
			if !errs.Is(errs.Private, err) || errs.Message(err) != errs.Message(missing) {
				t.Fatalf("%s reads: %v", p.User.ID, err)
			}
			if _, err := w.svc.Acknowledge(ctx, p, d.ID); !errs.Is(errs.Private, err) {
				t.Fatalf("%s acknowledges: %v", p.User.ID, err)
			}
			if _, err := w.svc.Withdrawal(ctx, p, d.ID); !errs.Is(errs.Private, err) {
				t.Fatalf("%s reads the withdrawal: %v", p.User.ID, err)
			}
			rs, err := w.svc.Received(ctx, p, "", 0)
			must(t, err)
			if len(rs) != 0 {
				t.Fatalf("%s receives %+v", p.User.ID, rs)
			}
			if got, err := w.export(p, "case 12"); err != nil || len(got) != 0 {
				t.Fatalf("%s exports %d, %v", p.User.ID, len(got), err)
			}
		}
		// A reviewer reads through review only: lists of countries are not theirs.
		if _, err := w.svc.Received(ctx, reviewer(), "", 0); !errs.Is(errs.Private, err) {
			t.Fatalf("reviewer's received list: %v", err)
		}
		rs, err := w.svc.Received(ctx, ke, "", 0)
		must(t, err)
		if len(rs) != 1 || rs[0].Diffusion.Text != secretText || rs[0].Notice != nil || len(rs[0].Diffusion.Copies) != 1 {
			t.Fatalf("KE receives %+v", rs)
		}
		sent, err := w.svc.Sent(ctx, fr, "", 0)
		must(t, err)
		if len(sent) != 1 || len(sent[0].Copies) != len(d.Copies) {
			t.Fatalf("FR sent %+v", sent)
		}
		if sent, err := w.svc.Sent(ctx, ke, "", 0); err != nil || len(sent) != 0 {
			t.Fatalf("KE sent %v %v", sent, err)
		}
		q, err := w.svc.ReviewQueue(ctx, reviewer(), "", 0)
		must(t, err)
		if len(q) != 1 || q[0].ID != d.ID {
			t.Fatalf("queue %+v", q)
		}
		if _, err := w.svc.ReviewQueue(ctx, fr, "", 0); !errs.Is(errs.Permission, err) {
			t.Fatalf("officer's review queue: %v", err)
		}

		// Export: a purpose is required and recorded; handling H0 lets recipients export.
		_, err = w.export(ke, "")
		if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "purpose" {
			t.Fatalf("export without purpose: %v", err)
		}
		exported, err := w.export(ke, "case 12")
		if err != nil || len(exported) != 1 || exported[0].Text != secretText || len(exported[0].Copies) != 1 {
			t.Fatalf("KE export %v %+v", err, exported)
		}
		if all, err := w.export(auditor(), "oversight"); err != nil || len(all) != 1 || len(all[0].Copies) != len(d.Copies) {
			t.Fatalf("auditor export %v %d", err, len(all))
		}
		if _, err := w.export(reviewer(), "case 12"); err == nil {
			t.Fatal("a reviewer exported")
		}

		// The refusals are in the audit log, as refusals.
		denied := 0
		for _, e := range w.audits("diffusion.read") {
			if e.Outcome == audit.OutcomeDeny && (e.Actor == de.User.ID || e.Actor == jp.User.ID) {
				denied++
			}
		}
		if denied != 4 { // Get and Withdrawal, by each
			t.Fatalf("%d refused reads audited, want 4", denied)
		}
		for _, a := range []string{"diffusion.list", "diffusion.export", "diffusion.ack"} {
			if len(w.audits(a)) == 0 {
				t.Fatalf("no %s in the audit log", a)
			}
		}
		for _, e := range w.audits("diffusion.export") {
			if e.Outcome == audit.OutcomeAllow && e.Purpose == "" {
				t.Fatalf("export audited without its purpose: %+v", e)
			}
		}
	})
}

func TestAcknowledgeAndReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		fr, ke := national("FR", identity.Officer), national("KE", identity.NCBAdmin)
		d, err := w.svc.Send(ctx, fr, draft())
		must(t, err)
		c, err := w.svc.Acknowledge(ctx, ke, d.ID)
		must(t, err)
		if c.State != diffusion.Acknowledged || c.AcknowledgedBy != ke.User.ID {
			t.Fatalf("copy %+v", c)
		}
		_, err = w.svc.Acknowledge(ctx, ke, d.ID)
		wantKind(t, "second ack", err, errs.Conflict)
		_, err = w.svc.Acknowledge(ctx, fr, d.ID)
		wantKind(t, "sender acks", err, errs.Permission)
		stored, err := db.Diffusion(ctx, d.ID)
		must(t, err)
		if kc, _ := stored.CopyFor("KE"); kc.State != diffusion.Acknowledged || kc.AcknowledgedAt.IsZero() {
			t.Fatalf("stored copy %+v", kc)
		}
		if it, _ := stored.CopyFor("IT"); it.State != diffusion.Delivered {
			t.Fatalf("Italy's copy %+v", it)
		}
		evs := w.events("ncb-fr")
		if len(evs) != 1 || evs[0].Type != notify.DiffusionAcked || !strings.Contains(evs[0].Title, "KE") {
			t.Fatalf("sender's events %+v", evs)
		}

		_, err = w.svc.Review(ctx, fr, d.ID, diffusion.Decision{Compliant: true})
		wantKind(t, "officer reviews", err, errs.Permission)
		_, err = w.svc.Review(ctx, reviewer(), d.ID, diffusion.Decision{})
		if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "reasons" {
			t.Fatalf("non-compliant without reasons: %v", err)
		}
		r, err := w.svc.Review(ctx, reviewer(), d.ID, diffusion.Decision{Compliant: true})
		must(t, err)
		if r.Review != diffusion.Compliant || r.Status != diffusion.Active {
			t.Fatalf("reviewed %+v", r)
		}
		_, err = w.svc.Review(ctx, reviewer(), d.ID, diffusion.Decision{Reasons: "second thoughts"})
		wantKind(t, "second review", err, errs.Conflict)
		q, err := w.svc.ReviewQueue(ctx, reviewer(), "", 0)
		must(t, err)
		if len(q) != 0 {
			t.Fatalf("queue after review: %+v", q)
		}
		got, err := w.svc.Get(ctx, ke, d.ID)
		must(t, err)
		if got.Review != diffusion.Compliant || got.Text != secretText {
			t.Fatalf("after review %+v", got)
		}
		es := w.audits("diffusion.review")
		if len(es) != 3 || es[0].Outcome != audit.OutcomeDeny || es[1].Outcome != audit.OutcomeAllow || es[1].Detail != "compliant" {
			t.Fatalf("review audit %+v", es)
		}
		if es := w.audits("diffusion.ack"); len(es) != 3 {
			t.Fatalf("ack audit %+v", es)
		}
	})
}

// TestWithdrawPurges withdraws a diffusion through a non-compliant review
// and checks the tables: no content anywhere, copies reduced to their
// recipient, state, time and reason, inbox events scrubbed.
func TestWithdrawPurges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		fr, ke := national("FR", identity.Officer), national("KE", identity.Officer)
		d, err := w.svc.Send(ctx, fr, draft())
		must(t, err)
		_, err = w.svc.Acknowledge(ctx, ke, d.ID)
		must(t, err)
		const why = "Article 3: political character"
		out, err := w.svc.Review(ctx, reviewer(), d.ID, diffusion.Decision{Reasons: why})
		must(t, err)
		if out.Status != diffusion.Withdrawn || out.Review != diffusion.NonCompliant || !out.Content.IsZero() {
			t.Fatalf("withdrawn %+v", out)
		}

		// The recipient's read is "not found"; its withdrawal notice remains.
		_, err = w.svc.Get(ctx, ke, d.ID)
		wantKind(t, "recipient reads withdrawn", err, errs.NotFound)
		n, err := w.svc.Withdrawal(ctx, ke, d.ID)
		must(t, err)
		if n.ID != d.ID || n.Sender != "FR" || n.Reason != why || n.WithdrawnAt.IsZero() || n.Country != "KE" {
			t.Fatalf("notice %+v", n)
		}
		rs, err := w.svc.Received(ctx, ke, "", 0)
		must(t, err)
		if len(rs) != 1 || rs[0].Notice == nil || rs[0].Diffusion.Text != "" || rs[0].Copy.State != diffusion.CopyWithdrawn {
			t.Fatalf("KE receives %+v", rs)
		}
		if got, err := w.export(ke, "case"); err != nil || len(got) != 0 {
			t.Fatalf("KE exports %d %v", len(got), err)
		}
		if got, err := w.export(fr, "case"); err != nil || len(got) != 1 || !got[0].Content.IsZero() {
			t.Fatalf("FR exports %+v %v", got, err)
		}
		_, err = w.svc.Acknowledge(ctx, national("IT", identity.Officer), d.ID)
		wantKind(t, "ack withdrawn", err, errs.NotFound)
		// The sender still sees what it sent, without content.
		got, err := w.svc.Get(ctx, fr, d.ID)
		must(t, err)
		if !got.Content.IsZero() || got.Status != diffusion.Withdrawn || got.WithdrawnWhy != why {
			t.Fatalf("sender reads %+v", got)
		}
		_, err = w.svc.Withdraw(ctx, fr, d.ID, "again")
		wantKind(t, "second withdrawal", err, errs.Conflict)

		// The tables hold no content.
		var subject, body, basis, pers, status string
		must(t, db.SQL.QueryRow(`SELECT subject, body, legal_basis, person, status FROM diffusions WHERE id = $1`, d.ID).Scan(&subject, &body, &basis, &pers, &status))
		if subject != "" || body != "" || basis != "" || pers != "" || status != "withdrawn" {
			t.Fatalf("diffusion row keeps %q %q %q %q %q", subject, body, basis, pers, status)
		}
		rows, err := db.SQL.Query(`SELECT country, state, delivered_at, acknowledged_at, acknowledged_by, withdrawn_at, reason FROM diffusion_copies WHERE diffusion_id = $1`, d.ID)
		must(t, err)
		copies := 0
		for rows.Next() {
			var cc, state, by, reason string
			var delivered, acked, withdrawn int64
			must(t, rows.Scan(&cc, &state, &delivered, &acked, &by, &withdrawn, &reason))
			if state != "withdrawn" || delivered != 0 || acked != 0 || by != "" || withdrawn == 0 || reason != why {
				t.Fatalf("copy row %s: %s %d %d %q %d %q", cc, state, delivered, acked, by, withdrawn, reason)
			}
			copies++
		}
		must(t, rows.Err())
		rows.Close()
		if copies != len(d.Copies) {
			t.Fatalf("%d copy rows, want %d", copies, len(d.Copies))
		}
		// Every event about it is neutral; each recipient and the sender got a withdrawal notice.
		rows, err = db.SQL.Query(`SELECT org, type, title, data FROM events WHERE subject = $1`, "diffusion:"+d.ID)
		must(t, err)
		withdrawn := map[string]bool{}
		for rows.Next() {
			var org, typ, title, data string
			must(t, rows.Scan(&org, &typ, &title, &data))
			if strings.Contains(title+data, "Lyon") || strings.Contains(title+data, "wanted") || strings.Contains(title+data, secretText) {
				t.Fatalf("event %s %s keeps content: %q %q", org, typ, title, data)
			}
			if typ == notify.DiffusionWithdrawn {
				withdrawn[org] = true
			} else if title != diffusion.ScrubbedTitle {
				t.Fatalf("event %s %s not scrubbed: %q", org, typ, title)
			}
		}
		must(t, rows.Err())
		rows.Close()
		if !withdrawn["ncb-fr"] || !withdrawn["ncb-ke"] || !withdrawn["ncb-it"] || withdrawn["ncb-de"] || len(withdrawn) != len(d.Copies)+1 {
			t.Fatalf("withdrawal notices to %v", withdrawn)
		}
		if es := w.audits("diffusion.withdraw"); len(es) != 2 || es[0].Actor != "usr_reviewer" || es[0].Detail != "non-compliant review" {
			t.Fatalf("withdraw audit %+v", es)
		}
	})
}

func TestSenderWithdraws(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		fr, ke := national("FR", identity.Officer), national("KE", identity.Officer)
		d, err := w.svc.Send(ctx, fr, draft())
		must(t, err)
		_, err = w.svc.Withdraw(ctx, ke, d.ID, "not yours")
		wantKind(t, "recipient withdraws", err, errs.Permission)
		_, err = w.svc.Withdraw(ctx, national("DE", identity.Officer), d.ID, "denied")
		wantKind(t, "denied country withdraws", err, errs.Private)
		_, err = w.svc.Withdraw(ctx, fr, d.ID, " ")
		if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "reason" {
			t.Fatalf("no reason: %v", err)
		}
		out, err := w.svc.Withdraw(ctx, fr, d.ID, "sent by mistake")
		must(t, err)
		if out.Status != diffusion.Withdrawn || out.Review != diffusion.Pending {
			t.Fatalf("withdrawn %+v", out)
		}
		_, err = w.svc.Get(ctx, ke, d.ID)
		wantKind(t, "recipient reads", err, errs.NotFound)
		q, err := w.svc.ReviewQueue(ctx, reviewer(), "", 0)
		must(t, err)
		if len(q) != 0 {
			t.Fatalf("withdrawn diffusion in the queue: %+v", q)
		}
		if es := w.audits("diffusion.withdraw"); len(es) != 3 || es[2].Outcome != audit.OutcomeAllow || es[2].Actor != fr.User.ID || es[0].Outcome != audit.OutcomeDeny {
			t.Fatalf("withdraw audit %+v", es)
		}
	})
}
