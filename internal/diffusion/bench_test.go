package diffusion_test

import (
	"context"
	"testing"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/store/storetest"
)

// BenchmarkSendEurope measures sending one diffusion to a whole region
// (Europe without the sender and one denied country: ~50 copies and inbox
// events in one transaction, plus its audit entry).
func BenchmarkSendEurope(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			db := e.Open(b)
			w := newWorld(b, db)
			ctx := context.Background()
			fr := national("FR", identity.Officer)
			d := draft()
			d.Countries, d.Meta.Ref = nil, ""
			d.Regions = []member.Region{member.Europe}
			b.Run("send", func(b *testing.B) {
				for b.Loop() {
					if _, err := w.svc.Send(ctx, fr, d); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
