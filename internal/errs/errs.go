// Package errs is Polex's one error type: every error carries the operation
// that failed and a Kind that transports (HTTP, CLI) map to an answer.
//
// A Private error refuses without revealing that the target exists: the HTTP
// layer answers it exactly as it answers NotFound.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error for callers and transports.
type Kind uint8

// The kinds of error. Other is the zero value and is treated as Internal.
const (
	Other           Kind = iota // unclassified; treated as Internal
	Invalid                     // the input is malformed or breaks a rule
	NotFound                    // the target does not exist
	Permission                  // the caller may know the target exists but may not do this
	Conflict                    // the target exists already or changed meanwhile
	Private                     // refused; the caller learns nothing, not even existence
	Unavailable                 // a dependency is down or the service is shutting down
	Internal                    // a bug or an unexpected failure of a dependency
	Unauthenticated             // no valid credentials
	TooMany                     // rate or lockout limits reached
)

var kindNames = [...]string{"other", "invalid", "not_found", "permission", "conflict", "private", "unavailable", "internal", "unauthenticated", "too_many"}

// String returns the stable code of k, as used in API error bodies.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "internal"
}

// Error is the error type of Polex.
type Error struct {
	Op    string // the operation, such as "identity.Login"
	Kind  Kind   // the class of error
	Field string // the input field at fault, for Invalid errors
	Msg   string // a message safe to show to the caller
	Err   error  // the underlying error, never shown to callers
}

// E builds an *Error from its arguments: a Kind, an error to wrap, and
// strings: the first is the message, a second names the field at fault.
// The op is always the first argument.
func E(op string, args ...any) error {
	e := &Error{Op: op}
	var strs []string
	for _, a := range args {
		switch v := a.(type) {
		case Kind:
			e.Kind = v
		case error:
			e.Err = v
		case string:
			strs = append(strs, v)
		default:
			panic(fmt.Sprintf("errs.E: bad argument %T", a))
		}
	}
	if len(strs) > 0 {
		e.Msg = strs[0]
	}
	if len(strs) > 1 {
		e.Field = strs[1]
	}
	if e.Kind == Other && e.Err != nil {
		e.Kind = KindOf(e.Err)
	}
	return e
}

// Invalidf returns an Invalid error about field with a formatted message.
func Invalidf(op, field, format string, a ...any) error {
	return &Error{Op: op, Kind: Invalid, Field: field, Msg: fmt.Sprintf(format, a...)}
}

// Error returns the full text, including the internal cause; never show it
// to users (use Message).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Kind != Other {
		b.WriteString(": ")
		b.WriteString(e.Kind.String())
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the outermost *Error in err's chain that has
// one, or Internal when there is none. A nil error has kind Other.
func KindOf(err error) Kind {
	if err == nil {
		return Other
	}
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			break
		}
		if e.Kind != Other {
			return e.Kind
		}
		err = e.Err
	}
	return Internal
}

// Is reports whether err has kind k.
func Is(k Kind, err error) bool { return err != nil && KindOf(err) == k }

// Message returns the text safe to show to a caller: the first message set
// in the chain, or a generic text for the kind. Internal causes are never
// included.
func Message(err error) string {
	kind := KindOf(err)
	if kind == Private {
		return "not found"
	}
	for e := err; e != nil; {
		var x *Error
		if !errors.As(e, &x) {
			break
		}
		if x.Msg != "" {
			return x.Msg
		}
		e = x.Err
	}
	switch kind {
	case Invalid:
		return "invalid input"
	case NotFound:
		return "not found"
	case Permission:
		return "permission denied"
	case Conflict:
		return "conflict"
	case Unavailable:
		return "service unavailable"
	case Unauthenticated:
		return "authentication required"
	case TooMany:
		return "too many requests"
	}
	return "internal error"
}

// FieldOf returns the field named by the first *Error in the chain that names one.
func FieldOf(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Field != "" {
			return e.Field
		}
		err = e.Err
	}
	return ""
}
