package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/screen"
)

// checkCaller is caller for the clearinghouse, which answers 503 when the
// service is off.
func (a *API) checkCaller(ctx context.Context, scope string) (identity.Principal, error) {
	if a.d.Screen == nil {
		return identity.Principal{}, a.fail(ctx, errs.E("httpapi.checks", errs.Unavailable, "the clearinghouse is not available"))
	}
	return a.caller(ctx, scope)
}

// VehicleCheckInput checks one vehicle.
type VehicleCheckInput struct {
	Body struct {
		screen.Context
		screen.VehicleQuery
	}
}

// ArtworkCheckInput checks one work of art.
type ArtworkCheckInput struct {
	Body struct {
		screen.Context
		screen.ArtworkQuery
	}
}

// PersonCheckInput checks one person.
type PersonCheckInput struct {
	Body struct {
		screen.Context
		screen.PersonQuery
	}
}

// ManifestCheckInput checks a passenger manifest.
type ManifestCheckInput struct {
	Body struct {
		screen.Context
		Passengers []screen.Passenger `json:"passengers" minItems:"1" maxItems:"1000"`
	}
}

// ManifestCheckOutput is the answer to a manifest.
type ManifestCheckOutput struct {
	Body screen.ManifestResult
}

// OfflineInput uploads hits found at a post from its offline mirror.
type OfflineInput struct {
	Body struct {
		Hits []screen.OfflineHit `json:"hits" minItems:"1" maxItems:"10000"`
	}
}

// OfflineOutput counts what an upload did.
type OfflineOutput struct {
	Body screen.OfflineResult
}

// CheckOutput is the answer to one check.
type CheckOutput struct {
	Body screen.Result
}

// HitPath names a hit.
type HitPath struct {
	ID string `path:"id" maxLength:"64"`
}

// HitDecisionInput confirms or rejects a hit.
type HitDecisionInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Reason string `json:"reason,omitempty" maxLength:"1000" doc:"required to reject"`
	}
}

// HitOutput is one hit.
type HitOutput struct {
	Body screen.HitRecord
}

// HitListInput selects hits.
type HitListInput struct {
	screen.HitList
}

// HitListOutput is a page of hits.
type HitListOutput struct {
	Body struct {
		Hits []screen.HitRecord `json:"hits"`
		Next string             `json:"next,omitempty" doc:"pass as before for the next page"`
	}
}

// StatsInput selects days.
type StatsInput struct {
	From string `query:"from" doc:"first day, YYYY-MM-DD; default 30 days ago"`
	To   string `query:"to" doc:"last day, YYYY-MM-DD; default today"`
}

// StatsOutput is the statistics.
type StatsOutput struct {
	Body struct {
		Rows []screen.StatRow `json:"rows"`
	}
}

func (a *API) registerChecks() {
	tags := []string{"Clearinghouse"}
	const purposeDoc = " Every check states its purpose and is audited; every match is a hit, of which the owning country is told at once. " +
		"A record the caller may not see is never shown (its owner is still told of the match)."
	check := func(id, path, summary, desc string, h any) {
		op := huma.Operation{OperationID: id, Method: http.MethodPost, Path: path, Summary: summary, Description: desc + purposeDoc, Tags: tags}
		switch f := h.(type) {
		case func(context.Context, *VehicleCheckInput) (*CheckOutput, error):
			huma.Register(a.api, op, f)
		case func(context.Context, *ArtworkCheckInput) (*CheckOutput, error):
			huma.Register(a.api, op, f)
		case func(context.Context, *PersonCheckInput) (*CheckOutput, error):
			huma.Register(a.api, op, f)
		case func(context.Context, *ManifestCheckInput) (*ManifestCheckOutput, error):
			huma.Register(a.api, op, f)
		}
	}
	a.registerDocumentChecks(tags, purposeDoc)
	check("check-vehicle", "/checks/vehicles", "Check a vehicle", "By VIN or plate (and the plate's country).",
		func(ctx context.Context, in *VehicleCheckInput) (*CheckOutput, error) {
			p, err := a.checkCaller(ctx, "check")
			if err != nil {
				return nil, err
			}
			r, err := a.d.Screen.CheckVehicle(ctx, p, in.Body.Context, in.Body.VehicleQuery)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &CheckOutput{Body: r}, nil
		})
	check("check-artwork", "/checks/artworks", "Check a work of art", "By free text.",
		func(ctx context.Context, in *ArtworkCheckInput) (*CheckOutput, error) {
			p, err := a.checkCaller(ctx, "check")
			if err != nil {
				return nil, err
			}
			r, err := a.d.Screen.CheckArtwork(ctx, p, in.Body.Context, in.Body.ArtworkQuery)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &CheckOutput{Body: r}, nil
		})
	check("check-person", "/checks/persons", "Check a person",
		"By a name in any script, with optional birth date, nationality and sex: candidates best first, with a score in [0, 1] and what matched; those at or above the alert threshold are hits.",
		func(ctx context.Context, in *PersonCheckInput) (*CheckOutput, error) {
			p, err := a.checkCaller(ctx, "check")
			if err != nil {
				return nil, err
			}
			r, err := a.d.Screen.CheckPerson(ctx, p, in.Body.Context, in.Body.PersonQuery)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &CheckOutput{Body: r}, nil
		})
	check("check-manifest", "/checks/manifest", "Check a passenger manifest",
		"Up to 1,000 people, each by name with optional birth date, nationality and sex, and their travel document, in one audited check.",
		func(ctx context.Context, in *ManifestCheckInput) (*ManifestCheckOutput, error) {
			p, err := a.checkCaller(ctx, "check")
			if err != nil {
				return nil, err
			}
			r, err := a.d.Screen.CheckManifest(ctx, p, in.Body.Context, in.Body.Passengers)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &ManifestCheckOutput{Body: r}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "upload-offline-hits", Method: http.MethodPost, Path: "/checks/offline", Tags: tags,
		Summary: "Upload hits found offline", Description: "A remote post's queued hits from its offline mirror (polex mirror upload): each is audited as a check at its time, stored once by its ID, and notified to the owner."},
		func(ctx context.Context, in *OfflineInput) (*OfflineOutput, error) {
			p, err := a.checkCaller(ctx, "check")
			if err != nil {
				return nil, err
			}
			r, err := a.d.Screen.RecordOffline(ctx, p, in.Body.Hits)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &OfflineOutput{Body: r}, nil
		})

	huma.Register(a.api, huma.Operation{OperationID: "list-hits", Method: http.MethodGet, Path: "/hits", Tags: tags,
		Summary: "List your country's hits", Description: "Hits on your country's records (side=owner) or raised by your country's checks (side=searcher), newest first."},
		func(ctx context.Context, in *HitListInput) (*HitListOutput, error) {
			p, err := a.checkCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			hs, err := a.d.Screen.Hits(ctx, p, in.HitList)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &HitListOutput{}
			out.Body.Hits = hs
			if out.Body.Hits == nil {
				out.Body.Hits = []screen.HitRecord{}
			}
			limit := in.Limit
			if limit <= 0 || limit > 200 {
				limit = 50
			}
			if len(hs) == limit {
				out.Body.Next = hs[len(hs)-1].ID
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-hit", Method: http.MethodGet, Path: "/hits/{id}", Tags: tags,
		Summary: "Get a hit", Description: "The owner of the record and the searching country see a hit and its status."},
		func(ctx context.Context, in *HitPath) (*HitOutput, error) {
			p, err := a.checkCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			h, err := a.d.Screen.GetHit(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &HitOutput{Body: h}, nil
		})
	for _, d := range []struct {
		verb    string
		confirm bool
		summary string
	}{{"confirm", true, "Confirm a hit (owner)"}, {"reject", false, "Reject a hit (owner), with a reason"}} {
		huma.Register(a.api, huma.Operation{OperationID: d.verb + "-hit", Method: http.MethodPost, Path: "/hits/{id}/" + d.verb, Tags: tags,
			Summary: d.summary, Description: "Only the owning country decides a pending hit; the searcher is told."},
			func(ctx context.Context, in *HitDecisionInput) (*HitOutput, error) {
				p, err := a.checkCaller(ctx, "write")
				if err != nil {
					return nil, err
				}
				h, err := a.d.Screen.Decide(ctx, p, in.ID, d.confirm, in.Body.Reason)
				if err != nil {
					return nil, a.fail(ctx, err)
				}
				return &HitOutput{Body: h}, nil
			})
	}
	huma.Register(a.api, huma.Operation{OperationID: "check-stats", Method: http.MethodGet, Path: "/checks/stats", Tags: tags,
		Summary: "Statistics of checks and hits", Description: "Per day, searching country and database. Member countries see their own figures."},
		func(ctx context.Context, in *StatsInput) (*StatsOutput, error) {
			p, err := a.checkCaller(ctx, "read")
			if err != nil {
				return nil, err
			}
			now := time.Now().UTC()
			from, to := now.AddDate(0, 0, -30), now
			for _, f := range []struct {
				name string
				v    string
				dst  *time.Time
			}{{"from", in.From, &from}, {"to", in.To, &to}} {
				if f.v == "" {
					continue
				}
				t, err := time.Parse(time.DateOnly, f.v)
				if err != nil {
					return nil, a.fail(ctx, errs.Invalidf("httpapi.stats", f.name, "%s must be a day YYYY-MM-DD", f.name))
				}
				*f.dst = t
			}
			rows, err := a.d.Screen.Stats(ctx, p, from, to)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &StatsOutput{}
			out.Body.Rows = rows
			if rows == nil {
				out.Body.Rows = []screen.StatRow{}
			}
			return out, nil
		})
}
