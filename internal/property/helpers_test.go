package property_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/store/sqldb"
)

// newService returns a property service over db with a real audit log.
func newService(t testing.TB, db *sqldb.DB) (*property.Service, *audit.Log) {
	t.Helper()
	k, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	l := audit.NewLog(db, k.Signer, audit.Options{})
	t.Cleanup(func() { l.Close(context.Background()) })
	return property.New(db, l), l
}

// officer returns a principal of an officer of country cc's NCB.
func officer(cc, region string) identity.Principal {
	return identity.Principal{User: identity.User{ID: "usr_" + cc, Username: cc + ".officer", Org: "ncb-" + lower(cc), Country: cc,
		Roles: []identity.Role{identity.Officer}, Clearance: identity.Confidential}, OrgKind: "ncb", Region: region, Via: "session"}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func importReq(kind, owner, file string) property.ImportRequest {
	return property.ImportRequest{Kind: kind, Owner: owner, Format: property.FormatOf(file), File: file}
}
