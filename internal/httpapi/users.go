package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
)

// UsersOutput lists users.
type UsersOutput struct {
	Body struct {
		Users []UserView `json:"users"`
	}
}

// UserPath names a user.
type UserPath struct {
	ID string `path:"id" maxLength:"64"`
}

// UserOutput is one user.
type UserOutput struct {
	Body UserView
}

// CreateUserInput creates a user.
type CreateUserInput struct {
	Body struct {
		Username    string          `json:"username" minLength:"3" maxLength:"64" pattern:"^[a-z0-9._-]+$" example:"j.dupont"`
		DisplayName string          `json:"display_name" minLength:"1" maxLength:"200" example:"Jeanne Dupont"`
		Org         string          `json:"org" minLength:"2" maxLength:"64" example:"ncb-fr"`
		Roles       []identity.Role `json:"roles" minItems:"1" maxItems:"7"`
		Clearance   string          `json:"clearance" enum:"public,official,restricted,confidential"`
		Password    string          `json:"password" minLength:"12" maxLength:"1024"`
		Language    string          `json:"language,omitempty" enum:"en,fr,es,ar"`
	}
}

// CreatedUserOutput is a new user with its one-time TOTP enrolment.
type CreatedUserOutput struct {
	Body struct {
		User       UserView `json:"user"`
		TOTPSecret string   `json:"totp_secret,omitempty" doc:"Shown this once."`
		TOTPURL    string   `json:"totp_url,omitempty" doc:"otpauth:// URL for an authenticator app; shown this once."`
	}
}

// UpdateUserInput changes a user; absent fields stay as they are.
type UpdateUserInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		DisplayName *string         `json:"display_name,omitempty" maxLength:"200"`
		Roles       []identity.Role `json:"roles,omitempty" maxItems:"7"`
		Clearance   *string         `json:"clearance,omitempty" enum:"public,official,restricted,confidential"`
		Disabled    *bool           `json:"disabled,omitempty"`
		Language    *string         `json:"language,omitempty" enum:"en,fr,es,ar"`
		Password    *string         `json:"password,omitempty" minLength:"12" maxLength:"1024"`
	}
}

// TokenInput issues an API token.
type TokenInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Name    string   `json:"name" minLength:"1" maxLength:"100" example:"border post Calais"`
		Scopes  []string `json:"scopes" minItems:"1" doc:"read, search, check, write, admin, audit"`
		TTLDays int      `json:"ttl_days" minimum:"1" maximum:"365" example:"90"`
	}
}

// TokenView is a token without its secret.
type TokenView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Revoked   bool      `json:"revoked"`
}

func viewToken(t identity.Token) TokenView {
	return TokenView{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Revoked: t.Revoked}
}

// IssuedTokenOutput carries the secret, shown this once.
type IssuedTokenOutput struct {
	Body struct {
		Token  TokenView `json:"token"`
		Secret string    `json:"secret" doc:"The token; shown this once, stored only hashed."`
	}
}

// TokensOutput lists a user's tokens.
type TokensOutput struct {
	Body struct {
		Tokens []TokenView `json:"tokens"`
	}
}

// TokenPath names a token of a user.
type TokenPath struct {
	ID      string `path:"id" maxLength:"64"`
	TokenID string `path:"token" maxLength:"64"`
}

func parseClearance(s string) (identity.Classification, error) {
	c, ok := identity.ParseClassification(s)
	if !ok {
		return 0, errs.Invalidf("httpapi.parseClearance", "clearance", "unknown clearance %q", s)
	}
	return c, nil
}

func (a *API) registerUsers() {
	tags := []string{"Users"}
	huma.Register(a.api, huma.Operation{OperationID: "list-users", Method: http.MethodGet, Path: "/users",
		Summary: "List the users the caller administers", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*UsersOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			us, err := a.d.Admin.Users(ctx, p)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &UsersOutput{}
			out.Body.Users = make([]UserView, len(us))
			for i, u := range us {
				out.Body.Users[i] = viewUser(u)
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-user", Method: http.MethodGet, Path: "/users/{id}",
		Summary: "Get a user", Tags: tags},
		func(ctx context.Context, in *UserPath) (*UserOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			u, err := a.d.Admin.User(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &UserOutput{Body: viewUser(u)}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "create-user", Method: http.MethodPost, Path: "/users",
		Summary: "Create a user", Description: "An NCB administrator creates users of its own country only. People get a TOTP secret, shown once.",
		Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *CreateUserInput) (*CreatedUserOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			cl, err := parseClearance(in.Body.Clearance)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			c, err := a.d.Admin.CreateUser(ctx, p, admin.NewUser{Username: in.Body.Username, DisplayName: in.Body.DisplayName,
				Org: in.Body.Org, Roles: in.Body.Roles, Clearance: cl, Password: in.Body.Password, Language: in.Body.Language})
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &CreatedUserOutput{}
			out.Body.User, out.Body.TOTPSecret, out.Body.TOTPURL = viewUser(c.User), c.TOTPSecret, c.TOTPURL
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "update-user", Method: http.MethodPatch, Path: "/users/{id}",
		Summary: "Change a user", Description: "Disabling a user ends its sessions at once.", Tags: tags},
		func(ctx context.Context, in *UpdateUserInput) (*UserOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			up := admin.Update{DisplayName: in.Body.DisplayName, Roles: in.Body.Roles, Disabled: in.Body.Disabled,
				Language: in.Body.Language, Password: in.Body.Password}
			if in.Body.Clearance != nil {
				cl, err := parseClearance(*in.Body.Clearance)
				if err != nil {
					return nil, a.fail(ctx, err)
				}
				up.Clearance = &cl
			}
			u, err := a.d.Admin.UpdateUser(ctx, p, in.ID, up)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &UserOutput{Body: viewUser(u)}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "issue-token", Method: http.MethodPost, Path: "/users/{id}/tokens",
		Summary: "Issue an API token", Description: "The secret is returned once and stored only hashed.", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *TokenInput) (*IssuedTokenOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			secret, t, err := a.d.Admin.IssueToken(ctx, p, in.ID, in.Body.Name, in.Body.Scopes, time.Duration(in.Body.TTLDays)*24*time.Hour)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &IssuedTokenOutput{}
			out.Body.Token, out.Body.Secret = viewToken(t), secret
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: "/users/{id}/tokens",
		Summary: "List a user's API tokens", Tags: tags},
		func(ctx context.Context, in *UserPath) (*TokensOutput, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			ts, err := a.d.Admin.Tokens(ctx, p, in.ID)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &TokensOutput{}
			out.Body.Tokens = make([]TokenView, len(ts))
			for i, t := range ts {
				out.Body.Tokens[i] = viewToken(t)
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: "/users/{id}/tokens/{token}",
		Summary: "Revoke an API token", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *TokenPath) (*struct{}, error) {
			p, err := a.caller(ctx, "admin")
			if err != nil {
				return nil, err
			}
			if err := a.d.Admin.RevokeToken(ctx, p, in.ID, in.TokenID); err != nil {
				return nil, a.fail(ctx, err)
			}
			return nil, nil
		})
}
