package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindsAndMessages(t *testing.T) {
	base := errors.New("pq: connection reset: secret internal detail")
	for name, tc := range map[string]struct {
		err       error
		kind      Kind
		msg       string
		field     string
		notInText string
	}{
		"nil":              {nil, Other, "internal error", "", ""},
		"plain error":      {base, Internal, "internal error", "", ""},
		"internal wrapped": {E("store.Get", Internal, base), Internal, "internal error", "", "secret"},
		"invalid field":    {Invalidf("x.Create", "name", "name is required"), Invalid, "name is required", "name", ""},
		"kind inherited":   {E("outer", E("inner", NotFound, "no such user")), NotFound, "no such user", "", ""},
		"outer message":    {E("outer", Conflict, "taken", E("inner", Internal, base)), Conflict, "taken", "", ""},
		"private hides":    {E("policy", Private, "the record is on the deny list"), Private, "not found", "", "deny list"},
		"fmt wrapped":      {fmt.Errorf("ctx: %w", E("x", Permission)), Permission, "permission denied", "", ""},
		"field deep":       {E("outer", E("inner", Invalid, "bad", "org")), Invalid, "bad", "org", ""},
	} {
		t.Run(name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %v, want %v", got, tc.kind)
			}
			if got := Message(tc.err); got != tc.msg {
				t.Errorf("Message = %q, want %q", got, tc.msg)
			}
			if got := FieldOf(tc.err); got != tc.field {
				t.Errorf("FieldOf = %q, want %q", got, tc.field)
			}
			if tc.notInText != "" && contains(Message(tc.err), tc.notInText) {
				t.Errorf("Message %q leaks %q", Message(tc.err), tc.notInText)
			}
		})
	}
}

func TestUnwrapKeepsSentinels(t *testing.T) {
	sentinel := errors.New("sentinel")
	if err := E("op", Internal, sentinel); !errors.Is(err, sentinel) {
		t.Fatal("errors.Is lost the wrapped error")
	}
	if !Is(NotFound, E("op", NotFound)) || Is(NotFound, nil) {
		t.Fatal("Is")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
