package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/identity"
)

// AuditService is the audit log as the API reads it; reads are authorised
// and recorded by admin.Service.AuthorizeAuditRead.
type AuditService interface {
	Query(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	Entry(ctx context.Context, seq int64) (audit.Entry, error)
	LatestCheckpoint(ctx context.Context) (audit.Checkpoint, error)
	Checkpoint(ctx context.Context, size int64) (audit.Checkpoint, error)
	InclusionProof(ctx context.Context, seq, treeSize int64) (tlog.RecordProof, error)
	ConsistencyProof(ctx context.Context, oldSize, newSize int64) (tlog.TreeProof, error)
}

// AuditQuery selects audit entries.
type AuditQuery struct {
	Actor   string    `query:"actor" maxLength:"256" doc:"Exact actor (user ID)"`
	Org     string    `query:"org" maxLength:"256" doc:"Exact organisation of the actor"`
	Action  string    `query:"action" maxLength:"128" doc:"Exact action, e.g. user.create"`
	Target  string    `query:"target" maxLength:"512" doc:"Exact target, e.g. user:usr_..."`
	From    time.Time `query:"from" doc:"Entries at or after this time (RFC 3339)"`
	To      time.Time `query:"to" doc:"Entries before this time (RFC 3339)"`
	Start   int64     `query:"start" minimum:"0" doc:"Entries with seq >= start; to page on, the last seq + 1"`
	Limit   int       `query:"limit" minimum:"0" maximum:"1000" doc:"At most this many (default 100)"`
	Purpose string    `query:"purpose" maxLength:"1024" doc:"Why the log is read; recorded"`
}

// AuditEntriesOutput is a page of entries.
type AuditEntriesOutput struct {
	Body struct {
		Entries []audit.Entry `json:"entries"`
		Next    int64         `json:"next,omitempty" doc:"start for the next page, when the page is full"`
	}
}

// AuditEntryOutput is one entry.
type AuditEntryOutput struct {
	Body audit.Entry
}

// SeqPath names an entry.
type SeqPath struct {
	Seq int64 `path:"seq" minimum:"0"`
}

// CheckpointView is a signed checkpoint.
type CheckpointView struct {
	Size int64     `json:"size"`
	Root string    `json:"root" doc:"base64 tree hash"`
	Time time.Time `json:"time"`
	Note string    `json:"note" doc:"The signed note (golang.org/x/mod/sumdb/note), verifiable with the log's public key"`
	Key  string    `json:"verifier_key" doc:"The log's public verifier key (note format)"`
}

func viewCheckpoint(c audit.Checkpoint) CheckpointView {
	return CheckpointView{Size: c.Size, Root: base64.StdEncoding.EncodeToString(c.Root[:]), Time: c.Time, Note: string(c.Note)}
}

// CheckpointOutput is one checkpoint.
type CheckpointOutput struct {
	Body CheckpointView
}

// CheckpointQuery names a checkpoint by size, or the latest.
type CheckpointQuery struct {
	Size int64 `query:"size" minimum:"0" doc:"The checkpoint of this tree size; the latest when absent"`
}

// InclusionQuery asks for an inclusion proof.
type InclusionQuery struct {
	Seq  int64 `query:"seq" minimum:"0" required:"true"`
	Size int64 `query:"size" minimum:"1" required:"true" doc:"Tree size of a checkpoint"`
}

// ProofOutput is a Merkle proof: base64 hashes, RFC 6962 order.
type ProofOutput struct {
	Body struct {
		Leaf   string   `json:"leaf_hash,omitempty" doc:"base64 leaf hash of the entry (inclusion proofs)"`
		Hashes []string `json:"hashes"`
	}
}

// ConsistencyQuery asks for a consistency proof between two tree sizes.
type ConsistencyQuery struct {
	Old int64 `query:"old" minimum:"1" required:"true"`
	New int64 `query:"new" minimum:"1" required:"true"`
}

func hashesB64(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}

// auditor authorises reading the audit log and records the read.
func (a *API) auditor(ctx context.Context, action, target, purpose string) (identity.Principal, error) {
	p, err := a.caller(ctx, "audit")
	if err != nil {
		return p, err
	}
	if err := a.d.Admin.AuthorizeAuditRead(ctx, p, action, target, purpose); err != nil {
		return p, a.fail(ctx, err)
	}
	return p, nil
}

func (a *API) registerAudit() {
	tags := []string{"Audit"}
	huma.Register(a.api, huma.Operation{OperationID: "query-audit", Method: http.MethodGet, Path: "/audit/entries",
		Summary: "Query the audit log", Description: "Oversight and system administrators only; the query is itself audited.", Tags: tags},
		func(ctx context.Context, in *AuditQuery) (*AuditEntriesOutput, error) {
			if _, err := a.auditor(ctx, "audit.query", "audit", in.Purpose); err != nil {
				return nil, err
			}
			f := audit.Filter{Actor: in.Actor, ActorOrg: in.Org, Action: in.Action, Target: in.Target, From: in.From, To: in.To, Start: in.Start, Limit: in.Limit}
			es, err := a.d.Audit.Query(ctx, f)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &AuditEntriesOutput{}
			out.Body.Entries = es
			if nf, _ := f.Normalize(); len(es) == nf.Limit && len(es) > 0 {
				out.Body.Next = es[len(es)-1].Seq + 1
			}
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-audit-entry", Method: http.MethodGet, Path: "/audit/entries/{seq}",
		Summary: "Get one audit entry", Tags: tags},
		func(ctx context.Context, in *SeqPath) (*AuditEntryOutput, error) {
			if _, err := a.auditor(ctx, "audit.read", "audit", ""); err != nil {
				return nil, err
			}
			e, err := a.d.Audit.Entry(ctx, in.Seq)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			return &AuditEntryOutput{Body: e}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-audit-checkpoint", Method: http.MethodGet, Path: "/audit/checkpoint",
		Summary: "Get a signed checkpoint", Tags: tags},
		func(ctx context.Context, in *CheckpointQuery) (*CheckpointOutput, error) {
			if _, err := a.auditor(ctx, "audit.read", "checkpoint", ""); err != nil {
				return nil, err
			}
			var c audit.Checkpoint
			var err error
			if in.Size > 0 {
				c, err = a.d.Audit.Checkpoint(ctx, in.Size)
			} else {
				c, err = a.d.Audit.LatestCheckpoint(ctx)
			}
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			v := viewCheckpoint(c)
			v.Key = a.d.AuditKey
			return &CheckpointOutput{Body: v}, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-inclusion-proof", Method: http.MethodGet, Path: "/audit/proofs/inclusion",
		Summary: "Prove that an entry is in the tree of a checkpoint", Tags: tags},
		func(ctx context.Context, in *InclusionQuery) (*ProofOutput, error) {
			if _, err := a.auditor(ctx, "audit.read", "proof", ""); err != nil {
				return nil, err
			}
			e, err := a.d.Audit.Entry(ctx, in.Seq)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			pr, err := a.d.Audit.InclusionProof(ctx, in.Seq, in.Size)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &ProofOutput{}
			lh := e.LeafHash()
			out.Body.Leaf, out.Body.Hashes = base64.StdEncoding.EncodeToString(lh[:]), hashesB64(pr)
			return out, nil
		})
	huma.Register(a.api, huma.Operation{OperationID: "get-consistency-proof", Method: http.MethodGet, Path: "/audit/proofs/consistency",
		Summary: "Prove that a checkpoint's tree extends an older one", Tags: tags},
		func(ctx context.Context, in *ConsistencyQuery) (*ProofOutput, error) {
			if _, err := a.auditor(ctx, "audit.read", "proof", ""); err != nil {
				return nil, err
			}
			pr, err := a.d.Audit.ConsistencyProof(ctx, in.Old, in.New)
			if err != nil {
				return nil, a.fail(ctx, err)
			}
			out := &ProofOutput{}
			out.Body.Hashes = hashesB64(pr)
			return out, nil
		})
}
