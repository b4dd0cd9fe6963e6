package notice_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"slices"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

func testPNG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustKind(t *testing.T, what string, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(k, err) {
		t.Fatalf("%s: got %v, want kind %v", what, err, k)
	}
}

func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, log, now := newService(t, db)
		fr, ke := officer("FR"), officer("KE")

		n, err := s.Create(ctx, fr, redInput())
		if err != nil || n.Status != notice.Draft || n.Owner != "FR" || n.Version != 1 {
			t.Fatalf("create: %+v %v", n, err)
		}
		// A draft is the owner's alone.
		if _, err := s.Get(ctx, ke, n.ID); !errs.Is(errs.Private, err) {
			t.Fatalf("KE reads FR's draft: %v", err)
		}
		if !log.has("notice.read", ke.User.ID, "notice:"+n.ID, "deny") {
			t.Fatal("refused read not audited")
		}
		// Refused transitions of a draft.
		_, err = s.Publish(ctx, reviewer, n.ID)
		mustKind(t, "publish a draft", err, errs.Conflict)
		_, err = s.Renew(ctx, fr, n.ID)
		mustKind(t, "renew a draft", err, errs.Conflict)
		_, err = s.Submit(ctx, ke, n.ID)
		mustKind(t, "KE submits FR's draft", err, errs.Private)

		// Update of a draft in place.
		in := redInput()
		in.Facts = "Armed robbery of a jeweller in Lyon on 3 January."
		if n, err = s.Update(ctx, fr, n.ID, n.Version, in); err != nil || n.Version != 2 || n.Facts != in.Facts {
			t.Fatalf("update draft: %v", err)
		}
		_, err = s.Update(ctx, fr, n.ID, 1, in)
		mustKind(t, "stale update", err, errs.Conflict)

		// Submit: checks run, GS notified.
		if n, err = s.Submit(ctx, fr, n.ID); err != nil || n.Status != notice.Submitted {
			t.Fatalf("submit: %v", err)
		}
		if events(t, db, member.SecretariatID, notify.NoticeSubmitted, n.ID) != 1 {
			t.Fatal("no notice.submitted event for the General Secretariat")
		}
		_, err = s.Submit(ctx, fr, n.ID)
		mustKind(t, "submit twice", err, errs.Conflict)
		_, err = s.Update(ctx, fr, n.ID, 0, in)
		mustKind(t, "update under review", err, errs.Conflict)
		if _, err := s.Get(ctx, ke, n.ID); !errs.Is(errs.Private, err) {
			t.Fatalf("KE reads FR's submitted notice: %v", err)
		}
		// The reviewer sees it in the queue and reads it through review.
		q, err := s.Queue(ctx, reviewer)
		if err != nil || len(q) != 1 || q[0].ID != n.ID {
			t.Fatalf("queue: %v %v", q, err)
		}
		if got, err := s.Get(ctx, reviewer, n.ID); err != nil || got.Findings == nil {
			t.Fatalf("reviewer reads: %+v %v", got, err)
		}
		_, err = s.Queue(ctx, fr)
		mustKind(t, "officer reads the queue", err, errs.Permission)
		_, err = s.Publish(ctx, fr, n.ID)
		if err == nil {
			t.Fatal("the owner published its own notice")
		}
		_, err = s.Refuse(ctx, reviewer, n.ID, []string{" "})
		mustKind(t, "refuse without reasons", err, errs.Invalid)

		// Refuse, then resubmit and publish.
		if n, err = s.Refuse(ctx, reviewer, n.ID, []string{"The facts do not show the person's participation."}); err != nil || n.Status != notice.Refused {
			t.Fatalf("refuse: %v", err)
		}
		if got, err := s.Get(ctx, fr, n.ID); err != nil || len(got.Refusal) != 1 {
			t.Fatalf("owner does not see the reasons: %+v %v", got.Refusal, err)
		}
		if events(t, db, "ncb-fr", notify.NoticeRefused, n.ID) != 1 {
			t.Fatal("no notice.refused event for the owner")
		}
		if n, err = s.Update(ctx, fr, n.ID, 0, in); err != nil || n.Status != notice.Refused {
			t.Fatalf("update refused: %v", err)
		}
		if _, err = s.Submit(ctx, fr, n.ID); err != nil {
			t.Fatal(err)
		}
		if n, err = s.Publish(ctx, reviewer, n.ID); err != nil || n.Status != notice.Published || !n.ReviewAt.Equal(now.Add(notice.Validity)) {
			t.Fatalf("publish: %+v %v", n, err)
		}
		if events(t, db, "ncb-fr", notify.NoticePublished, n.ID) != 1 {
			t.Fatal("no notice.published event")
		}
		// Published: others read it, without the review internals.
		got, err := s.Get(ctx, ke, n.ID)
		if err != nil || got.Findings != nil || got.Refusal != nil {
			t.Fatalf("KE reads published: %+v %v", got, err)
		}
		_, err = s.Update(ctx, ke, n.ID, 0, in)
		mustKind(t, "KE updates FR's notice", err, errs.Permission)

		// Update of a published notice: reviewed again, the published version stays.
		upd := redInput()
		upd.Penalty = "30 years"
		if n, err = s.Update(ctx, fr, n.ID, 0, upd); err != nil || n.Pending == nil || n.Pending.Status != notice.Submitted {
			t.Fatalf("update published: %+v %v", n.Pending, err)
		}
		if got, _ := s.Get(ctx, ke, n.ID); got.Penalty != "Life imprisonment (maximum)" || got.Status != notice.Published || got.Pending != nil {
			t.Fatalf("KE sees %q %s pending %v during review", got.Penalty, got.Status, got.Pending)
		}
		if got, err := s.Get(ctx, reviewer, n.ID); err != nil || got.Pending == nil || got.Pending.Penalty != "30 years" {
			t.Fatalf("the reviewer does not see the pending update: %+v %v", got.Pending, err)
		}
		_, err = s.Update(ctx, fr, n.ID, 0, upd)
		mustKind(t, "second update while one is reviewed", err, errs.Conflict)
		if n, err = s.Refuse(ctx, reviewer, n.ID, []string{"no reason to change"}); err != nil || n.Status != notice.Published || n.Pending.Status != notice.Refused {
			t.Fatalf("refuse update: %v", err)
		}
		if n, err = s.Update(ctx, fr, n.ID, 0, upd); err != nil {
			t.Fatal(err)
		}
		if n, err = s.Publish(ctx, reviewer, n.ID); err != nil || n.Penalty != "30 years" || n.Pending != nil {
			t.Fatalf("publish update: %+v %v", n, err)
		}

		// Renew, then cancel.
		*now = now.Add(400 * 24 * time.Hour)
		if n, err = s.Renew(ctx, fr, n.ID); err != nil || !n.ReviewAt.Equal(now.Add(notice.Validity)) {
			t.Fatalf("renew: %v", err)
		}
		_, err = s.Cancel(ctx, fr, n.ID, "bored", "")
		mustKind(t, "cancel without a known reason", err, errs.Invalid)
		if n, err = s.Cancel(ctx, fr, n.ID, notice.ReasonArrested, "arrested in Madrid"); err != nil || n.Status != notice.Cancelled {
			t.Fatalf("cancel: %v", err)
		}
		if events(t, db, "ncb-fr", notify.NoticeCancelled, n.ID) != 1 {
			t.Fatal("no notice.cancelled event")
		}
		_, err = s.Cancel(ctx, fr, n.ID, notice.ReasonWithdrawn, "")
		mustKind(t, "cancel twice", err, errs.Conflict)
		_, err = s.Update(ctx, fr, n.ID, 0, upd)
		mustKind(t, "update cancelled", err, errs.Conflict)
		if _, err := s.Get(ctx, ke, n.ID); !errs.Is(errs.Private, err) {
			t.Fatalf("KE reads a cancelled notice: %v", err)
		}

		// Every version is kept, with its full JSON.
		vs, err := s.Versions(ctx, fr, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for i, v := range vs {
			var old notice.Notice
			if v.Version != i+1 || json.Unmarshal(v.Body, &old) != nil || old.Version != v.Version || v.By == "" {
				t.Fatalf("version %d: %+v", i+1, v)
			}
			actions = append(actions, v.Action)
		}
		want := []string{"created", "updated", "submitted", "refused", "updated", "submitted", "published", "update-submitted", "refused", "update-submitted", "published", "renewed", "cancelled"}
		if !slices.Equal(actions, want) {
			t.Fatalf("versions %v, want %v", actions, want)
		}
	})
}

func TestChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _, _ := newService(t, db)
		fr, ke, br := officer("FR"), officer("KE"), officer("BR")
		a, err := s.Create(ctx, fr, redInput())
		if err != nil {
			t.Fatal(err)
		}
		// KE drafts a notice on the same person: same name (other case and accents), same birth date.
		in := redInput()
		in.Person.Names = []person.Name{{Full: "JEAN  DUPRE"}}
		in.Person.Documents = nil
		in.Person.Refugee = true
		in.Offence = "Lèse-majesté and armed robbery"
		b, err := s.Create(ctx, ke, in)
		if err != nil {
			t.Fatal(err)
		}
		if b, err = s.Submit(ctx, ke, b.ID); err != nil {
			t.Fatal(err)
		}
		// KE's answer does not name FR's draft, which KE may not see; the
		// stored checks, which the reviewer reads, do.
		if slices.ContainsFunc(b.Findings, func(f notice.Finding) bool { return f.Code == notice.FindDuplicate }) {
			t.Fatalf("KE's submit answer names FR's draft: %+v", b.Findings)
		}
		if b, err = s.Get(ctx, reviewer, b.ID); err != nil {
			t.Fatal(err)
		}
		codes := map[string]notice.Finding{}
		for _, f := range b.Findings {
			codes[f.Code] = f
		}
		if d := codes[notice.FindDuplicate]; d.Ref != a.ID {
			t.Fatalf("duplicate not found: %+v", b.Findings)
		}
		if f := codes[notice.FindArticle3]; f.Field != "offence" {
			t.Fatalf("Article 3 not flagged: %+v", b.Findings)
		}
		if f := codes[notice.FindArticle2]; f.Field != "person.refugee" {
			t.Fatalf("Article 2 not flagged: %+v", b.Findings)
		}
		if f := codes[notice.FindMissing]; f.Field == "" {
			t.Fatalf("no missing-field finding: %+v", b.Findings)
		}
		// The reviewer sees the duplicate; KE, who may not see FR's draft, does not learn of it.
		fs, err := s.Findings(ctx, reviewer, b.ID)
		if err != nil || !slices.ContainsFunc(fs, func(f notice.Finding) bool { return f.Ref == a.ID }) {
			t.Fatalf("reviewer's findings: %+v %v", fs, err)
		}
		fs, err = s.Findings(ctx, ke, b.ID)
		if err != nil || slices.ContainsFunc(fs, func(f notice.Finding) bool { return f.Code == notice.FindDuplicate }) {
			t.Fatalf("KE learns of FR's draft: %+v %v", fs, err)
		}
		// Document numbers match too; Spanish and Arabic terms are flagged.
		in2 := redInput()
		in2.Person.Names = []person.Name{{Full: "Juan Otro"}}
		in2.Person.BirthDates = nil
		in2.Offence = "Injurias al Jefe de Estado"
		c, _ := s.Create(ctx, br, in2)
		if c, err = s.Submit(ctx, br, c.ID); err != nil {
			t.Fatal(err)
		}
		if c, err = s.Get(ctx, reviewer, c.ID); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(c.Findings, func(f notice.Finding) bool { return f.Code == notice.FindDuplicate && f.Ref == a.ID }) ||
			!slices.ContainsFunc(c.Findings, func(f notice.Finding) bool { return f.Code == notice.FindArticle3 }) {
			t.Fatalf("document duplicate or Spanish Article 3: %+v", c.Findings)
		}
		if got := notice.Article3(notice.Content{Facts: "متهم بالردة"}); len(got) != 1 {
			t.Fatalf("Arabic apostasy not flagged: %v", got)
		}
		if got := notice.Article3(notice.Content{Facts: "Robbery of a bank with violence"}); len(got) != 0 {
			t.Fatalf("ordinary crime flagged: %v", got)
		}
	})
}

// publish creates, submits and publishes a notice of p.
func publish(t *testing.T, s *notice.Service, in notice.Input, own string) notice.Notice {
	t.Helper()
	ctx := context.Background()
	n, err := s.Create(ctx, officer(own), in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, officer(own), n.ID); err != nil {
		t.Fatal(err)
	}
	if n, err = s.Publish(ctx, reviewer, n.ID); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDenyList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, log, _ := newService(t, db)
		fr, ke, br := officer("FR"), officer("KE"), officer("BR")
		in := redInput()
		in.Restrictions = policy.Restrictions{DenyCountries: []string{"KE"}}
		in.Extract = notice.Extract{Agreed: true, Fields: []string{"names"}}
		_, err := s.Create(ctx, fr, in)
		if !errs.Is(errs.Invalid, err) || fieldOf(err) != "public_extract.agreed" {
			t.Fatalf("public extract on a restricted notice: %v", err)
		}
		in.Extract = notice.Extract{}
		n := publish(t, s, in, "FR")
		if _, err := s.SetPhoto(ctx, fr, n.ID, testPNG(t, 20, 20)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, reviewer, n.ID); err != nil {
			t.Fatal(err)
		}
		n, _ = s.Get(ctx, fr, n.ID)
		sha := n.Person.Photos[0].SHA256

		// BR sees it everywhere; KE nowhere, exactly like a notice that does not exist.
		if _, err := s.Get(ctx, br, n.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Photo(ctx, br, n.ID, sha); err != nil {
			t.Fatal(err)
		}
		_, err = s.Get(ctx, ke, n.ID)
		mustKind(t, "KE get", err, errs.Private)
		_, err = s.Versions(ctx, ke, n.ID)
		mustKind(t, "KE versions", err, errs.Private)
		_, err = s.Findings(ctx, ke, n.ID)
		mustKind(t, "KE findings", err, errs.Private)
		_, err = s.Photo(ctx, ke, n.ID, sha)
		mustKind(t, "KE photo", err, errs.Private)
		_, err = s.Get(ctx, ke, "ntc_doesnotexist")
		mustKind(t, "missing notice", err, errs.NotFound)
		for _, p := range []struct {
			who  string
			want int
		}{{"KE", 0}, {"BR", 1}} {
			rows, err := s.Search(ctx, officer(p.who), notice.Filter{Name: "dupre"}, "investigation 42")
			if err != nil || len(rows) != p.want {
				t.Fatalf("%s search: %d rows %v", p.who, len(rows), err)
			}
			var exported int
			if err := s.Export(ctx, officer(p.who), notice.Filter{}, "annual review", func(notice.Notice) error { exported++; return nil }); err != nil || exported != p.want {
				t.Fatalf("%s export: %d %v", p.who, exported, err)
			}
		}
		_, err = s.Search(ctx, br, notice.Filter{}, "")
		if fieldOf(err) != "purpose" {
			t.Fatalf("search without purpose: %v", err)
		}
		if !log.has("notice.search", br.User.ID, "", "deny") || !log.has("notice.search", ke.User.ID, "", "allow") || !log.has("notice.export", ke.User.ID, "", "allow") {
			t.Fatal("searches and exports not audited")
		}
		if !log.has("notice.photo.read", ke.User.ID, "notice:"+n.ID, "deny") || !log.has("notice.photo.read", br.User.ID, "notice:"+n.ID, "allow") {
			t.Fatal("photo reads not audited")
		}
		// No public extract, and no event for KE.
		if _, err := s.PublicGet(ctx, n.ID); !errs.Is(errs.NotFound, err) {
			t.Fatalf("restricted notice has a public extract: %v", err)
		}
		var k int
		db.SQL.QueryRow(`SELECT count(*) FROM events WHERE org = $1`, member.NCBID("KE")).Scan(&k)
		if k != 0 {
			t.Fatalf("KE's inbox has %d events", k)
		}
		// The auditor sees everything.
		if _, err := s.Get(ctx, auditor, n.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPublicExtract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _, _ := newService(t, db)
		in := redInput()
		in.Extract = notice.Extract{Agreed: true, Fields: []string{"names", "sex", "birth_date"}}
		n := publish(t, s, in, "FR")
		x, err := s.PublicGet(ctx, n.ID)
		if err != nil || len(x.Names) != 1 || x.Sex != person.Male || x.Offence != "" || x.Nationalities != nil {
			t.Fatalf("extract: %+v %v", x, err)
		}
		for _, tc := range []struct {
			f    notice.PublicFilter
			want int
		}{
			{notice.PublicFilter{Name: "DUPRE"}, 1},
			{notice.PublicFilter{Name: "dupré jean"}, 0},
			{notice.PublicFilter{Sex: "F"}, 0},
			{notice.PublicFilter{Nationality: "FR"}, 0}, // nationality was not agreed: it cannot be searched
			{notice.PublicFilter{MinYear: 1979, MaxYear: 1981}, 1},
			{notice.PublicFilter{MinYear: 1990}, 0},
		} {
			xs, err := s.PublicSearch(ctx, tc.f)
			if err != nil || len(xs) != tc.want {
				t.Errorf("%+v: %d %v, want %d", tc.f, len(xs), err, tc.want)
			}
		}
		// A draft with agreement has no extract; cancelling removes it.
		d, _ := s.Create(ctx, officer("BR"), in)
		if _, err := s.PublicGet(ctx, d.ID); err == nil {
			t.Fatal("a draft has a public extract")
		}
		if _, err := s.Cancel(ctx, officer("FR"), n.ID, notice.ReasonArrested, ""); err != nil {
			t.Fatal(err)
		}
		if xs, _ := s.PublicSearch(ctx, notice.PublicFilter{}); len(xs) != 0 {
			t.Fatalf("cancelled notice still public: %+v", xs)
		}
	})
}

func TestRetain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, log, now := newService(t, db)
		n := publish(t, s, redInput(), "FR")
		start := *now
		if e, r, err := s.Retain(ctx, start.Add(365*24*time.Hour)); err != nil || e+r != 0 {
			t.Fatalf("a year in: %d %d %v", e, r, err)
		}
		soon := n.ReviewAt.Add(-100 * 24 * time.Hour)
		for i, want := range []int{1, 0} {
			if e, r, err := s.Retain(ctx, soon); err != nil || e != 0 || r != want {
				t.Fatalf("reminder run %d: expired %d reminded %d %v", i, e, r, err)
			}
		}
		if events(t, db, "ncb-fr", notify.NoticeReminder, n.ID) != 1 || !log.has("notice.remind", "system:retention", "notice:"+n.ID, "allow") {
			t.Fatal("reminder not notified or not audited")
		}
		if e, r, err := s.Retain(ctx, n.ReviewAt.Add(time.Second)); err != nil || e != 1 || r != 0 {
			t.Fatalf("expiry: %d %d %v", e, r, err)
		}
		if events(t, db, "ncb-fr", notify.NoticeExpired, n.ID) != 1 || !log.has("notice.expire", "system:retention", "notice:"+n.ID, "allow") {
			t.Fatal("expiry not notified or not audited")
		}
		got, err := s.Get(ctx, officer("FR"), n.ID)
		if err != nil || got.Status != notice.Expired {
			t.Fatalf("after expiry: %s %v", got.Status, err)
		}
		if _, err := s.Get(ctx, officer("BR"), n.ID); !errs.Is(errs.Private, err) {
			t.Fatalf("BR reads an expired notice: %v", err)
		}
		// A renewed notice is reminded again for its new expiry date.
		m := publish(t, s, redInput(), "BR")
		s.Retain(ctx, m.ReviewAt.Add(-24*time.Hour))
		*now = m.ReviewAt.Add(-12 * time.Hour)
		m, _ = s.Renew(ctx, officer("BR"), m.ID)
		if _, r, _ := s.Retain(ctx, m.ReviewAt.Add(-24*time.Hour)); r != 1 {
			t.Fatalf("renewed notice reminded %d times", r)
		}
	})
}

// TestNarrowingAppliesAtOnce: an update of a published notice waits for
// review, but restricting who may see the notice takes effect at once (and
// removes its public extract); widening waits for the reviewer.
func TestNarrowingAppliesAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _, _ := newService(t, db)
		fr, ke, br := officer("FR"), officer("KE"), officer("BR")
		in := redInput()
		in.Extract = notice.Extract{Agreed: true, Fields: []string{"names"}}
		n := publish(t, s, in, "FR")
		if _, err := s.PublicGet(ctx, n.ID); err != nil {
			t.Fatalf("public extract before: %v", err)
		}
		if _, err := s.Get(ctx, ke, n.ID); err != nil {
			t.Fatalf("KE before: %v", err)
		}

		// The owner denies KE: the update awaits review, KE loses access now.
		up := redInput()
		up.Restrictions = policy.Restrictions{DenyCountries: []string{"KE"}}
		n, _ = s.Get(ctx, fr, n.ID)
		got, err := s.Update(ctx, fr, n.ID, n.Version, up)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != notice.Published || got.Pending == nil {
			t.Fatalf("update not pending: status %s pending %v", got.Status, got.Pending)
		}
		_, err = s.Get(ctx, ke, n.ID)
		mustKind(t, "KE during review", err, errs.Private)
		if xs, _ := s.PublicSearch(ctx, notice.PublicFilter{}); len(xs) != 0 {
			t.Fatalf("restricted notice still has a public extract: %+v", xs)
		}
		if _, err := s.PublicGet(ctx, n.ID); err == nil {
			t.Fatal("public extract still served during review")
		}
		if _, err := s.Get(ctx, br, n.ID); err != nil {
			t.Fatalf("BR during review: %v", err)
		}
		// Published by the reviewer: the deny list stays.
		if _, err := s.Publish(ctx, reviewer, n.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Get(ctx, ke, n.ID)
		mustKind(t, "KE after review", err, errs.Private)

		// Widening (lifting the deny list) waits for the review.
		n, _ = s.Get(ctx, fr, n.ID)
		if _, err := s.Update(ctx, fr, n.ID, n.Version, redInput()); err != nil {
			t.Fatal(err)
		}
		_, err = s.Get(ctx, ke, n.ID)
		mustKind(t, "KE while widening awaits review", err, errs.Private)
		if _, err := s.Publish(ctx, reviewer, n.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, ke, n.ID); err != nil {
			t.Fatalf("KE after the widening was published: %v", err)
		}
	})
}
