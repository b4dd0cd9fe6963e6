package storetest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/store/sqldb"
)

// TestNoticeStore is the conformance suite of notice.Store.
func TestNoticeStore(t *testing.T) {
	Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 10, 0, 0, 123, time.UTC)
		n := notice.Notice{Meta: record.Meta{ID: "ntc_1", Ref: "R1", Owner: "FR", OwnerOrg: "ncb-fr", Version: 1, UpdatedAt: now, CreatedAt: now},
			Content: notice.Content{Type: notice.Red, Person: &person.Person{Names: []person.Name{{Full: "Zoé O'Hara_%"}}, Sex: person.Female}},
			Status:  notice.Draft}
		ev := notify.Event{Org: "gs", Type: notify.NoticeSubmitted, Subject: "notice:ntc_1", Title: "t", Time: now}
		w := notice.Write{Notice: n, Version: &notice.Version{NoticeID: "ntc_1", Version: 1, At: now, By: "u", Action: "created", Body: []byte(`{"v":1}`)},
			Keys: []string{"doc:FR:1", "nb:zoe o hara|1990-01-01"}, Events: []notify.Event{ev}}
		if err := db.SaveNotice(ctx, w); err != nil {
			t.Fatal(err)
		}
		// The same owner reference twice is a conflict; nothing of it is kept.
		dup := w
		dup.Notice.ID, dup.Version = "ntc_2", nil
		if err := db.SaveNotice(ctx, dup); !errs.Is(errs.Conflict, err) {
			t.Fatalf("duplicate ref: %v", err)
		}
		if _, err := db.Notice(ctx, "ntc_2"); !errs.Is(errs.NotFound, err) {
			t.Fatalf("half-written notice: %v", err)
		}
		got, err := db.Notice(ctx, "ntc_1")
		if err != nil || got.Person.Names[0].Full != "Zoé O'Hara_%" || !got.UpdatedAt.Equal(now) {
			t.Fatalf("read back: %+v %v", got, err)
		}
		// Updates check the version they replace.
		n.Version, n.Status = 2, notice.Published
		n.ReviewAt = now.Add(time.Hour)
		n.RemindedFor = now.Add(time.Hour)
		pub := &notice.PublicExtract{ID: "ntc_1", Type: notice.Red, Owner: "FR", Names: []string{"Zoé"}, NameKey: "|zoe o hara|", Sex: person.Female,
			Nationalities: []string{"FR"}, BirthYear: 1990, PublishedAt: now}
		if err := db.SaveNotice(ctx, notice.Write{Notice: n, Prev: 1, Keys: []string{"doc:FR:1"}, Public: pub}); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveNotice(ctx, notice.Write{Notice: n, Prev: 1}); !errs.Is(errs.Conflict, err) {
			t.Fatalf("stale version: %v", err)
		}
		if err := db.SaveNotice(ctx, notice.Write{Notice: notice.Notice{Meta: record.Meta{ID: "ntc_none", Version: 2}}, Prev: 1}); !errs.Is(errs.NotFound, err) {
			t.Fatalf("update of a missing notice: %v", err)
		}
		if got, _ := db.Notice(ctx, "ntc_1"); !got.RemindedFor.Equal(now.Add(time.Hour)) {
			t.Fatalf("reminded_for = %v", got.RemindedFor)
		}
		// Keys were replaced; lookups exclude the notice itself.
		if ids, err := db.NoticesWithKeys(ctx, "ntc_x", []string{"doc:FR:1", "nb:zoe o hara|1990-01-01"}); err != nil || !slices.Equal(ids, []string{"ntc_1"}) {
			t.Fatalf("keys: %v %v", ids, err)
		}
		if ids, _ := db.NoticesWithKeys(ctx, "ntc_1", []string{"doc:FR:1"}); len(ids) != 0 {
			t.Fatalf("a notice is its own duplicate: %v", ids)
		}
		// Filters (names come folded, see notice.Fold); LIKE wildcards are literal.
		for _, tc := range []struct {
			f    notice.Filter
			want int
		}{
			{notice.Filter{}, 1}, {notice.Filter{Status: notice.Published}, 1}, {notice.Filter{Status: notice.Draft}, 0},
			{notice.Filter{Name: "o hara"}, 1}, {notice.Filter{Name: "h%a"}, 0}, {notice.Filter{Name: "z_e"}, 0}, {notice.Filter{Owner: "KE"}, 0}, {notice.Filter{Queue: true}, 0},
			{notice.Filter{Type: notice.Red, Owner: "FR"}, 1},
		} {
			ns, err := db.Notices(ctx, tc.f)
			if err != nil || len(ns) != tc.want {
				t.Errorf("%+v: %d %v, want %d", tc.f, len(ns), err, tc.want)
			}
		}
		if due, err := db.NoticesDue(ctx, now.Add(2*time.Hour)); err != nil || len(due) != 1 {
			t.Fatalf("due: %v %v", due, err)
		}
		if due, _ := db.NoticesDue(ctx, now); len(due) != 0 {
			t.Fatalf("due too early: %v", due)
		}
		// Public extracts.
		for _, tc := range []struct {
			f    notice.PublicFilter
			want int
		}{
			{notice.PublicFilter{}, 1}, {notice.PublicFilter{Name: "zoe"}, 1}, {notice.PublicFilter{Nationality: "FR", Sex: person.Female}, 1},
			{notice.PublicFilter{Nationality: "F"}, 0}, {notice.PublicFilter{MinYear: 1991}, 0}, {notice.PublicFilter{MaxYear: 1990}, 1},
		} {
			xs, err := db.PublicExtracts(ctx, tc.f)
			if err != nil || len(xs) != tc.want {
				t.Errorf("public %+v: %d %v, want %d", tc.f, len(xs), err, tc.want)
			}
		}
		if x, err := db.PublicExtract(ctx, "ntc_1"); err != nil || x.Names[0] != "Zoé" || x.NameKey != "" {
			t.Fatalf("public extract: %+v %v", x, err)
		}
		n.Version = 3
		if err := db.SaveNotice(ctx, notice.Write{Notice: n, Prev: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublicExtract(ctx, "ntc_1"); !errs.Is(errs.NotFound, err) {
			t.Fatalf("extract kept without Public: %v", err)
		}
		vs, err := db.NoticeVersions(ctx, "ntc_1")
		if err != nil || len(vs) != 1 || string(vs[0].Body) != `{"v":1}` || !vs[0].At.Equal(now) {
			t.Fatalf("versions: %+v %v", vs, err)
		}
		var events int
		db.SQL.QueryRow(`SELECT count(*) FROM events WHERE subject = 'notice:ntc_1'`).Scan(&events)
		if events != 1 {
			t.Fatalf("%d events, want 1 (the failed write's event must not stay)", events)
		}
		// Photos are stored once by their hash.
		ph := notice.Photo{SHA256: "abc", ContentType: "image/png", Size: 3, Width: 20, Height: 20, Data: []byte{1, 2, 3}, CreatedAt: now}
		for range 2 {
			if err := db.PutPhoto(ctx, ph); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := db.Photo(ctx, "abc"); err != nil || !bytes.Equal(got.Data, ph.Data) || got.Width != 20 {
			t.Fatalf("photo: %+v %v", got, err)
		}
		if _, err := db.Photo(ctx, "nope"); !errs.Is(errs.NotFound, err) {
			t.Fatalf("missing photo: %v", err)
		}
	})
}
