package app

import (
	"context"
	"fmt"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
)

// SeedReference loads the reference data every installation has: the 196
// member countries with their National Central Bureaus, the General
// Secretariat and the oversight body. It adds only what is missing, so it is
// safe to run at every start; it never changes a country's status.
func SeedReference(ctx context.Context, st member.Store, now time.Time) (added int, err error) {
	const op = "app.SeedReference"
	have, err := st.Countries(ctx)
	if err != nil {
		return 0, errs.E(op, err)
	}
	known := make(map[string]bool, len(have))
	for _, c := range have {
		known[c.Alpha2] = true
	}
	ms, err := member.Members()
	if err != nil {
		return 0, errs.E(op, err)
	}
	for _, c := range ms {
		if known[c.Alpha2] {
			continue
		}
		c.Joined = now
		if err := st.PutCountry(ctx, c); err != nil {
			return added, errs.E(op, err)
		}
		added++
	}
	orgs := []member.Org{
		{ID: member.SecretariatID, Kind: member.Secretariat, Name: "General Secretariat"},
		{ID: member.OversightID, Kind: member.Oversight, Name: "Commission for the Control of Files"},
	}
	for _, c := range ms {
		orgs = append(orgs, member.Org{ID: member.NCBID(c.Alpha2), Kind: member.NCB, Name: fmt.Sprintf("NCB %s", c.Name), Country: c.Alpha2})
	}
	existing, err := st.Orgs(ctx, "")
	if err != nil {
		return added, errs.E(op, err)
	}
	haveOrg := make(map[string]bool, len(existing))
	for _, o := range existing {
		haveOrg[o.ID] = true
	}
	for _, o := range orgs {
		if haveOrg[o.ID] {
			continue
		}
		o.CreatedAt = now
		if err := st.CreateOrg(ctx, o); err != nil && !errs.Is(errs.Conflict, err) {
			return added, errs.E(op, err)
		}
	}
	return added, nil
}
