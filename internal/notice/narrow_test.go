package notice

import (
	"reflect"
	"testing"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/policy"
)

func TestNarrowed(t *testing.T) {
	type R = policy.Restrictions
	for _, tc := range []struct {
		name     string
		old, new R
		want     R
	}{
		{"nothing", R{}, R{}, R{}},
		{"deny added", R{}, R{DenyCountries: []string{"KE"}}, R{DenyCountries: []string{"KE"}}},
		{"deny lifted waits", R{DenyCountries: []string{"KE"}}, R{}, R{DenyCountries: []string{"KE"}}},
		{"denies united", R{DenyCountries: []string{"KE"}, DenyRegions: []member.Region{member.Africa}}, R{DenyCountries: []string{"JP"}},
			R{DenyCountries: []string{"KE", "JP"}, DenyRegions: []member.Region{member.Africa}}},
		{"allow added", R{}, R{AllowRegions: []member.Region{member.Europe}}, R{AllowRegions: []member.Region{member.Europe}}},
		{"allow lifted waits", R{AllowCountries: []string{"BR"}}, R{}, R{AllowCountries: []string{"BR"}}},
		{"allows intersected", R{AllowCountries: []string{"BR", "JP"}}, R{AllowCountries: []string{"JP", "KE"}}, R{AllowCountries: []string{"JP"}}},
		{"disjoint allows: owner only", R{AllowCountries: []string{"BR"}}, R{AllowRegions: []member.Region{member.Africa}}, R{AllowCountries: []string{"FR"}}},
		{"allowed and denied: denied", R{AllowCountries: []string{"BR", "JP"}}, R{DenyCountries: []string{"JP"}},
			R{AllowCountries: []string{"BR"}, DenyCountries: []string{"JP"}}},
		{"only allowed one denied: owner only", R{AllowCountries: []string{"JP"}}, R{DenyCountries: []string{"JP"}},
			R{AllowCountries: []string{"FR"}, DenyCountries: []string{"JP"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := Notice{}
			n.Owner, n.Restrictions, n.Handling, n.Classification = "FR", tc.old, policy.H1, identity.Official
			got, h, c := narrowed(n, Input{Restrictions: tc.new, Handling: "", Classification: identity.Restricted})
			norm := func(r R) R {
				if len(r.AllowCountries) == 0 {
					r.AllowCountries = nil
				}
				if len(r.AllowRegions) == 0 {
					r.AllowRegions = nil
				}
				if len(r.DenyCountries) == 0 {
					r.DenyCountries = nil
				}
				if len(r.DenyRegions) == 0 {
					r.DenyRegions = nil
				}
				return r
			}
			if !reflect.DeepEqual(norm(got), norm(tc.want)) {
				t.Errorf("restrictions = %+v, want %+v", got, tc.want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("narrowed restrictions invalid: %v", err)
			}
			if h != policy.H1 || c != identity.Restricted {
				t.Errorf("handling %s classification %v, want H1 and restricted", h, c)
			}
		})
	}
}
