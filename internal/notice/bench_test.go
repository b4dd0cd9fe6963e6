package notice_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// seedPublished writes n published notices with public extracts straight
// to the store, as a base for the benchmarks.
func seedPublished(b *testing.B, db *sqldb.DB, n int) {
	ctx := context.Background()
	now := time.Now().UTC()
	for i := range n {
		p := &person.Person{Names: []person.Name{{Full: fmt.Sprintf("Person %d Surname%d", i, i%997)}}, BirthDates: []person.Date{person.Date(fmt.Sprintf("19%02d-01-%02d", 50+i%50, 1+i%28))},
			Sex: person.Male, Nationalities: []string{"FR"}, Documents: []person.Document{{Type: "passport", Number: fmt.Sprintf("P%08d", i), IssuingCountry: "FR"}}}
		nt := notice.Notice{Meta: record.Meta{ID: fmt.Sprintf("ntc_b%07d", i), Owner: "FR", OwnerOrg: "ncb-fr", Version: 1, UpdatedAt: now, ReviewAt: now.Add(notice.Validity)},
			Content: notice.Content{Type: notice.Red, Person: p}, Status: notice.Published, PublishedAt: now,
			Extract: notice.Extract{Agreed: true, Fields: []string{"names", "birth_date", "sex", "nationalities"}}}
		if err := db.SaveNotice(ctx, notice.Write{Notice: nt, Keys: notice.Keys(p), Public: nt.Public()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubmitChecks measures a submission (automated checks with the
// duplicate lookup, version and event written) among 20,000 notices on
// SQLite.
func BenchmarkSubmitChecks(b *testing.B) {
	db := storetest.OpenSQLite(b)
	seedPublished(b, db, 20000)
	s := notice.New(db, &auditLog{})
	ctx := context.Background()
	in := redInput()
	in.Person.Documents[0].Number = "P00012345" // a duplicate of a seeded notice
	ids := make([]string, b.N)
	for i := range b.N {
		in.Ref = fmt.Sprintf("bench-%d", i)
		n, err := s.Create(ctx, officer("KE"), in)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = n.ID
	}
	b.ResetTimer()
	for i := range b.N {
		n, err := s.Submit(ctx, officer("KE"), ids[i])
		if err != nil || len(n.Findings) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublicSearch measures a public search by part of a name among
// 20,000 public extracts on SQLite.
func BenchmarkPublicSearch(b *testing.B) {
	db := storetest.OpenSQLite(b)
	seedPublished(b, db, 20000)
	s := notice.New(db, &auditLog{})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		xs, err := s.PublicSearch(ctx, notice.PublicFilter{Name: fmt.Sprintf("surname%d", i%997), Sex: "M"})
		if err != nil || len(xs) == 0 {
			b.Fatal(len(xs), err)
		}
	}
}
