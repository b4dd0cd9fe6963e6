package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/member"
)

// CountriesOutput lists member countries.
type CountriesOutput struct {
	Body struct {
		Countries []member.Country `json:"countries"`
	}
}

// CountryOutput is one member country.
type CountryOutput struct {
	Body member.Country
}

// CountryPath names a country.
type CountryPath struct {
	Code string `path:"code" minLength:"2" maxLength:"2" pattern:"^[A-Za-z]{2}$" doc:"ISO 3166-1 alpha-2 code" example:"FR"`
}

// AdmitInput admits a new member country.
type AdmitInput struct {
	Body struct {
		Alpha2  string        `json:"alpha2" minLength:"2" maxLength:"2" doc:"ISO 3166-1 alpha-2 code" example:"TV"`
		Alpha3  string        `json:"alpha3" minLength:"3" maxLength:"3" example:"TUV"`
		Name    string        `json:"name" minLength:"1" maxLength:"200" example:"Tuvalu"`
		Region  member.Region `json:"region" enum:"africa,americas,asia-south-pacific,europe,middle-east-north-africa"`
		NCBName string        `json:"ncb_name,omitempty" maxLength:"200" doc:"Name of its National Central Bureau"`
	}
}

// OrgsOutput lists organisations.
type OrgsOutput struct {
	Body struct {
		Orgs []member.Org `json:"orgs"`
	}
}

// AgencyInput creates a national agency under its country's NCB.
type AgencyInput struct {
	Body struct {
		ID      string `json:"id" minLength:"2" maxLength:"64" pattern:"^[a-z0-9-]+$" example:"fr-pj"`
		Name    string `json:"name" minLength:"1" maxLength:"200" example:"Police judiciaire"`
		Country string `json:"country" minLength:"2" maxLength:"2" example:"FR"`
	}
}

// OrgOutput is one organisation.
type OrgOutput struct {
	Body member.Org
}

func (a *API) registerMembers() {
	tags := []string{"Members"}
	huma.Register(a.api, huma.Operation{OperationID: "list-countries", Method: http.MethodGet, Path: "/countries",
		Summary: "List member countries", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*CountriesOutput, error) {
			if _, err := a.caller(ctx, "read"); err != nil {
				return nil, err
			}
			cs, err := a.d.Members.Countries(ctx)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &CountriesOutput{}
			out.Body.Countries = cs
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-country", Method: http.MethodGet, Path: "/countries/{code}",
		Summary: "Get a member country", Tags: tags},
		func(ctx context.Context, in *CountryPath) (*CountryOutput, error) {
			if _, err := a.caller(ctx, "read"); err != nil {
				return nil, err
			}
			c, err := a.d.Members.Country(ctx, strings.ToUpper(in.Code))
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &CountryOutput{Body: c}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "admit-country", Method: http.MethodPost, Path: "/countries",
		Summary: "Admit a new member country", Description: "General Secretariat administrators only. Creates the country and its NCB.",
		Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *AdmitInput) (*CountryOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			c := member.Country{Alpha2: strings.ToUpper(in.Body.Alpha2), Alpha3: strings.ToUpper(in.Body.Alpha3), Name: in.Body.Name,
				Region: in.Body.Region, Joined: time.Now().UTC()}
			if err := a.d.Admin.AdmitCountry(ctx, p, c, in.Body.NCBName); err != nil {
				return nil, a.fail(ctx, err)
			}
			c, err = a.d.Members.Country(ctx, c.Alpha2)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &CountryOutput{Body: c}, nil
		})
	for _, st := range []struct {
		verb   string
		status member.Status
	}{{"suspend", member.Suspended}, {"reinstate", member.Active}} {
		huma.Register(a.api, huma.Operation{OperationID: st.verb + "-country", Method: http.MethodPost, Path: "/countries/{code}/" + st.verb,
			Summary:     strings.ToUpper(st.verb[:1]) + st.verb[1:] + " a member country",
			Description: "General Secretariat administrators only. A suspended country's users lose access at their next request.", Tags: tags},
			func(ctx context.Context, in *CountryPath) (*CountryOutput, error) {
				p, err := a.caller(ctx, "admin")
				if err != nil {
					return nil, err
				}
				if err := a.d.Admin.SetCountryStatus(ctx, p, in.Code, st.status); err != nil {
					return nil, a.fail(ctx, err)
				}
				c, err := a.d.Members.Country(ctx, strings.ToUpper(in.Code))
				if err != nil {
					return nil, a.fail(ctx, err)
				}
				return &CountryOutput{Body: c}, nil
			})
	}
	huma.Register(a.api, huma.Operation{OperationID: "list-orgs", Method: http.MethodGet, Path: "/orgs",
		Summary: "List the organisations the caller administers", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*OrgsOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			os, err := a.d.Admin.Orgs(ctx, p)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &OrgsOutput{}
			out.Body.Orgs = os
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "create-agency", Method: http.MethodPost, Path: "/orgs",
		Summary: "Create a national agency under an NCB", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *AgencyInput) (*OrgOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			o, err := a.d.Admin.CreateAgency(ctx, p, member.Org{ID: in.Body.ID, Name: in.Body.Name, Country: strings.ToUpper(in.Body.Country)})
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &OrgOutput{Body: o}, nil
		})
}
