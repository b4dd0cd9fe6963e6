package sqldb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// stored returns a diffusion from owner to recipients, created at.
func stored(id, owner string, at time.Time, recipients ...string) diffusion.Diffusion {
	d := diffusion.Diffusion{
		Meta: record.Meta{ID: id, Ref: "ref-" + id, Owner: owner, OwnerOrg: member.NCBID(owner), Handling: policy.H2, Classification: 2,
			Grading: record.Grading{Source: "B", Info: "2"}, Version: 1, CreatedAt: at, CreatedBy: "usr_a", UpdatedAt: at, UpdatedBy: "usr_a",
			Restrictions: policy.Restrictions{AllowCountries: recipients, DenyCountries: []string{"DE"}, DenyRegions: []member.Region{member.Americas}}},
		Kind: diffusion.Missing, Urgency: diffusion.Urgent, Countries: []string{recipients[0]}, Regions: []member.Region{member.Africa, member.Europe},
		Content: diffusion.Content{Subject: "subject " + id, Text: "text\nof " + id, LegalBasis: "basis",
			Person: &person.Person{Names: []person.Name{{Full: "Анна Петрова", Script: "Cyrl"}}, BirthDates: []person.Date{"1990"}}},
		Status: diffusion.Active, Review: diffusion.Pending,
	}
	for _, cc := range recipients {
		d.Copies = append(d.Copies, diffusion.Copy{Country: cc, State: diffusion.Delivered, DeliveredAt: at})
	}
	return d
}

func received(id, cc string, at time.Time) notify.Event {
	return notify.Event{Org: member.NCBID(cc), Type: notify.DiffusionReceived, Subject: diffusion.Subject(id), Title: "received " + id, Data: []byte(`{"id":"` + id + `"}`), Time: at}
}

func countEvents(t *testing.T, db *sqldb.DB, subject string) int {
	t.Helper()
	var n int
	must(t, db.SQL.QueryRow(`SELECT count(*) FROM events WHERE subject = $1`, subject).Scan(&n))
	return n
}

func ids(ds []diffusion.Diffusion) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// TestDiffusionStore is the conformance test of diffusion.Store.
func TestDiffusionStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 1, 10, 0, 0, 123456789, time.UTC)
		a := stored("dif_a", "FR", t0, "KE", "IT")
		b := stored("dif_b", "FR", t0.Add(time.Hour), "JP")
		c := stored("dif_c", "KE", t0.Add(2*time.Hour), "FR", "BR")
		c.Person = nil
		for _, d := range []diffusion.Diffusion{a, b, c} {
			var evs []notify.Event
			for _, cp := range d.Copies {
				evs = append(evs, received(d.ID, cp.Country, d.CreatedAt))
			}
			must(t, db.CreateDiffusion(ctx, d, evs))
		}

		t.Run("round trip", func(t *testing.T) {
			got, err := db.Diffusion(ctx, "dif_a")
			must(t, err)
			if got.Person == nil || got.Person.Names[0].Full != "Анна Петрова" || got.Text != a.Text || got.Grading != a.Grading ||
				!got.CreatedAt.Equal(t0) || got.Handling != policy.H2 || got.Classification != 2 || got.Ref != "ref-dif_a" ||
				!slices.Equal(got.Restrictions.AllowCountries, []string{"KE", "IT"}) || !slices.Equal(got.Restrictions.DenyRegions, a.Restrictions.DenyRegions) ||
				!slices.Equal(got.Regions, a.Regions) || !slices.Equal(got.Countries, a.Countries) || len(got.Copies) != 2 ||
				got.Copies[0].Country != "IT" || !got.Copies[0].DeliveredAt.Equal(t0) || got.Status != diffusion.Active || got.Review != diffusion.Pending {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, a)
			}
			if got, _ := db.Diffusion(ctx, "dif_c"); got.Person != nil {
				t.Fatalf("no person stored as %+v", got.Person)
			}
			_, err = db.Diffusion(ctx, "dif_nope")
			if !errs.Is(errs.NotFound, err) {
				t.Fatalf("missing: %v", err)
			}
			if n := countEvents(t, db, "diffusion:dif_a"); n != 2 {
				t.Fatalf("%d events for dif_a", n)
			}
		})

		t.Run("atomic", func(t *testing.T) {
			d := stored("dif_x", "FR", t0, "KE")
			err := db.CreateDiffusion(ctx, d, []notify.Event{{Org: "ncb-ke", Type: notify.DiffusionReceived, Subject: "diffusion:dif_x", Title: "x"}}) // no time
			if err == nil {
				t.Fatal("an event without time was accepted")
			}
			if _, err := db.Diffusion(ctx, "dif_x"); !errs.Is(errs.NotFound, err) {
				t.Fatalf("a failed creation left the diffusion: %v", err)
			}
			if err := db.CreateDiffusion(ctx, a, nil); !errs.Is(errs.Conflict, err) {
				t.Fatalf("duplicate: %v", err)
			}
		})

		t.Run("filters", func(t *testing.T) {
			for _, c := range []struct {
				name string
				f    diffusion.Filter
				want []string
			}{
				{"all", diffusion.Filter{}, []string{"dif_c", "dif_b", "dif_a"}},
				{"owner", diffusion.Filter{Owner: "FR"}, []string{"dif_b", "dif_a"}},
				{"recipient", diffusion.Filter{Recipient: "KE"}, []string{"dif_a"}},
				{"party", diffusion.Filter{Party: "KE"}, []string{"dif_c", "dif_a"}},
				{"party FR", diffusion.Filter{Party: "FR"}, []string{"dif_c", "dif_b", "dif_a"}},
				{"nobody", diffusion.Filter{Recipient: "DE"}, nil},
				{"pending", diffusion.Filter{PendingReview: true}, []string{"dif_c", "dif_b", "dif_a"}},
				{"limit", diffusion.Filter{Limit: 2}, []string{"dif_c", "dif_b"}},
				{"before", diffusion.Filter{Before: "dif_b", Limit: 2}, []string{"dif_a"}},
				{"before owner", diffusion.Filter{Owner: "FR", Before: "dif_c"}, []string{"dif_b", "dif_a"}},
			} {
				ds, err := db.Diffusions(ctx, c.f)
				must(t, err)
				if !slices.Equal(ids(ds), c.want) {
					t.Errorf("%s: got %v, want %v", c.name, ids(ds), c.want)
				}
				for _, d := range ds {
					if len(d.Copies) == 0 {
						t.Errorf("%s: %s without copies", c.name, d.ID)
					}
				}
			}
		})

		t.Run("ack", func(t *testing.T) {
			at := t0.Add(3 * time.Hour)
			ev := notify.Event{Org: "ncb-fr", Type: notify.DiffusionAcked, Subject: "diffusion:dif_a", Title: "acked", Time: at}
			must(t, db.AckDiffusion(ctx, "dif_a", "KE", "usr_ke", at, []notify.Event{ev}))
			if err := db.AckDiffusion(ctx, "dif_a", "KE", "usr_ke", at, []notify.Event{ev}); !errs.Is(errs.Conflict, err) {
				t.Fatalf("second ack: %v", err)
			}
			if err := db.AckDiffusion(ctx, "dif_a", "JP", "usr_jp", at, nil); !errs.Is(errs.NotFound, err) {
				t.Fatalf("ack without a copy: %v", err)
			}
			got, err := db.Diffusion(ctx, "dif_a")
			must(t, err)
			if cp, _ := got.CopyFor("KE"); cp.State != diffusion.Acknowledged || !cp.AcknowledgedAt.Equal(at) || cp.AcknowledgedBy != "usr_ke" {
				t.Fatalf("acked copy %+v", cp)
			}
			if n := countEvents(t, db, "diffusion:dif_a"); n != 3 {
				t.Fatalf("%d events after the ack, want 3", n)
			}
		})

		t.Run("review", func(t *testing.T) {
			at := t0.Add(4 * time.Hour)
			must(t, db.ReviewDiffusion(ctx, "dif_b", "usr_gs", "fine", at))
			if err := db.ReviewDiffusion(ctx, "dif_b", "usr_gs", "again", at); !errs.Is(errs.Conflict, err) {
				t.Fatalf("second review: %v", err)
			}
			if err := db.ReviewDiffusion(ctx, "dif_nope", "usr_gs", "", at); !errs.Is(errs.NotFound, err) {
				t.Fatalf("review missing: %v", err)
			}
			got, _ := db.Diffusion(ctx, "dif_b")
			if got.Review != diffusion.Compliant || got.ReviewedBy != "usr_gs" || !got.ReviewedAt.Equal(at) || got.Version != 2 {
				t.Fatalf("reviewed %+v", got)
			}
			ds, err := db.Diffusions(ctx, diffusion.Filter{PendingReview: true})
			must(t, err)
			if !slices.Equal(ids(ds), []string{"dif_c", "dif_a"}) {
				t.Fatalf("pending after review: %v", ids(ds))
			}
		})

		t.Run("withdraw", func(t *testing.T) {
			at := t0.Add(5 * time.Hour)
			w := diffusion.Withdrawal{ID: "dif_a", At: at, By: "usr_gs", Reason: "Article 3", Review: diffusion.NonCompliant,
				ScrubTitle: "withdrawn", ScrubData: []byte(`{"withdrawn":true}`),
				Events: []notify.Event{{Org: "ncb-ke", Type: notify.DiffusionWithdrawn, Subject: "diffusion:dif_a", Title: "gone", Time: at}}}
			must(t, db.WithdrawDiffusion(ctx, w))
			if err := db.WithdrawDiffusion(ctx, w); !errs.Is(errs.Conflict, err) {
				t.Fatalf("second withdrawal: %v", err)
			}
			w.ID = "dif_nope"
			if err := db.WithdrawDiffusion(ctx, w); !errs.Is(errs.NotFound, err) {
				t.Fatalf("withdraw missing: %v", err)
			}
			got, err := db.Diffusion(ctx, "dif_a")
			must(t, err)
			if !got.Content.IsZero() || got.Status != diffusion.Withdrawn || got.Review != diffusion.NonCompliant || got.WithdrawnWhy != "Article 3" ||
				!got.WithdrawnAt.Equal(at) || got.ReviewReasons != "Article 3" || got.Owner != "FR" || len(got.Copies) != 2 {
				t.Fatalf("withdrawn %+v", got)
			}
			for _, cp := range got.Copies {
				if cp != (diffusion.Copy{Country: cp.Country, State: diffusion.CopyWithdrawn, WithdrawnAt: at, Reason: "Article 3"}) {
					t.Fatalf("withdrawn copy %+v", cp)
				}
			}
			var scrubbed, notices int
			must(t, db.SQL.QueryRow(`SELECT count(*) FROM events WHERE subject = 'diffusion:dif_a' AND title = 'withdrawn' AND data = '{"withdrawn":true}'`).Scan(&scrubbed))
			must(t, db.SQL.QueryRow(`SELECT count(*) FROM events WHERE subject = 'diffusion:dif_a' AND type = $1`, notify.DiffusionWithdrawn).Scan(&notices))
			if scrubbed != 3 || notices != 1 {
				t.Fatalf("%d events scrubbed (want 3), %d notices (want 1)", scrubbed, notices)
			}
			// The other diffusions' events are untouched.
			var other string
			must(t, db.SQL.QueryRow(`SELECT title FROM events WHERE subject = 'diffusion:dif_b'`).Scan(&other))
			if other != "received dif_b" {
				t.Fatalf("dif_b's event became %q", other)
			}
			// A sender's withdrawal keeps the review as it was.
			must(t, db.WithdrawDiffusion(ctx, diffusion.Withdrawal{ID: "dif_c", At: at, By: "usr_ke", Reason: "mistake", ScrubTitle: "withdrawn"}))
			got, _ = db.Diffusion(ctx, "dif_c")
			if got.Review != diffusion.Pending || got.Status != diffusion.Withdrawn {
				t.Fatalf("sender's withdrawal %+v", got)
			}
			ds, err := db.Diffusions(ctx, diffusion.Filter{PendingReview: true})
			must(t, err)
			if len(ds) != 0 {
				t.Fatalf("pending after withdrawals: %v", ids(ds))
			}
		})
	})
}
